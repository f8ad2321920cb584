package sqlite

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// TestMixedLoad runs creates, updates and listings at the same time: the group writer and
// UpdatePost's own transactions share SQLite's one write lock without "database is
// locked" errors, and readers see whole posts.
func TestMixedLoad(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	const creators, perCreator = 8, 40
	seed := create(t, db, newPost(t, `{"properties":{"content":["seed"],"category":["x"]}}`, "https://example.com/seed"))
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for c := range creators {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perCreator {
				p := newPost(t, fmt.Sprintf(`{"properties":{"content":["c%d-%d"],"category":["x","c%d"]}}`, c, i, c), fmt.Sprintf("https://example.com/%d/%d", c, i))
				if err := db.CreatePost(ctx, p); err != nil {
					errs <- err
				}
			}
		}()
	}
	for u := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				_, err := db.UpdatePost(ctx, seed.URL, func(p *post.Post) error {
					p.Item.Properties["content"] = []any{fmt.Sprintf("u%d-%d", u, i)}
					p.Updated = time.Now()
					return p.Reindex(time.Now())
				})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 30 {
				ps, err := db.ListPosts(ctx, post.Query{Category: "X", Limit: 50})
				if err != nil {
					errs <- err
					continue
				}
				for _, p := range ps {
					if p.Item.First("content") == "" || len(p.Categories) == 0 {
						errs <- fmt.Errorf("partial post %+v", p)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, _ := db.CountPosts(ctx, post.Query{Category: "x"}); n != creators*perCreator+1 {
		t.Errorf("%d posts tagged x, want %d", n, creators*perCreator+1)
	}
}

// TestTagOrderFollowsPublished moves a post's published time by an update: its place in
// its tag's listing (read from post_tags) moves with it.
func TestTagOrderFollowsPublished(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	create(t, db, newPost(t, `{"properties":{"content":["a"],"category":["t"],"published":["2024-01-01T00:00:00Z"]}}`, "https://example.com/p/a"))
	create(t, db, newPost(t, `{"properties":{"content":["b"],"category":["t"],"published":["2024-02-01T00:00:00Z"]}}`, "https://example.com/p/b"))
	if _, err := db.UpdatePost(ctx, "https://example.com/p/a", func(p *post.Post) error {
		p.Item.Properties["published"] = []any{"2024-03-01T00:00:00+01:00"}
		return p.Reindex(time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	got, err := db.ListPosts(ctx, post.Query{Category: "T"})
	if err != nil {
		t.Fatal(err)
	}
	if u := urls(got); len(u) != 2 || u[0] != "a" || u[1] != "b" {
		t.Errorf("tag listing %v, want [a b]", u)
	}
}
