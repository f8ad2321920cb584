package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// TestCountsFollowGroups: the counts the writer adds for a group of creates (counts.go)
// are those of the rows stored, whatever the group holds: creates from 16 goroutines at
// once (groups of many posts), numbered creates of one slug (inserted in a second
// statement), a URL already taken (no row), drafts, private posts, posts of two tags and
// of a tag written twice; then updates that move tags and status, and deletes. The site's
// change counter rises by one a change.
func TestCountsFollowGroups(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	v0, _, err := db.SiteChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var stored sync.Map
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 25 {
				n := g*25 + i
				extra := ""
				switch n % 5 {
				case 1:
					extra = `,"post-status":["draft"]`
				case 2:
					extra = `,"visibility":["private"]`
				}
				body := fmt.Sprintf(`{"properties":{"content":["n %d"],"category":["tag%d","Tag%d","all"]%s}}`, n, n%7, n%7, extra)
				var err error
				switch n % 4 {
				case 0: // numbered: all share one slug
					p := newPost(t, body, noteURL("same"))
					p.Slug = "same"
					err = db.CreateNumbered(ctx, p, noteURL)
					stored.Store(p.URL, true)
				case 1: // every goroutine tries the same URL: one of them stores it
					p := newPost(t, body, noteURL(fmt.Sprintf("taken-%d", i)))
					if err = db.CreatePost(ctx, p); errors.Is(err, post.ErrExists) {
						err = nil
					} else if err == nil {
						stored.Store(p.URL, true)
					}
				default:
					p := newPost(t, body, noteURL(fmt.Sprintf("p-%d", n)))
					err = db.CreatePost(ctx, p)
					stored.Store(p.URL, true)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	changes := 0
	stored.Range(func(any, any) bool { changes++; return true })
	checkCounts(t, db, "after the creates")

	for i := range 30 {
		url := noteURL(fmt.Sprintf("p-%d", i*4+2))
		if _, err := db.UpdatePost(ctx, url, func(p *post.Post) error {
			p.Item.Properties["category"] = []any{"moved", fmt.Sprint("tag", i%3)}
			p.Item.Properties["post-status"] = []any{"draft"}
			return p.Reindex(time.Now())
		}); err != nil {
			t.Fatal(err)
		}
		changes++
	}
	for i := range 10 {
		if _, err := db.UpdatePost(ctx, noteURL(fmt.Sprintf("p-%d", i*4+3)), func(p *post.Post) error {
			p.Deleted = true
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		changes++
	}
	checkCounts(t, db, "after updates and deletes")
	if v, _, err := db.SiteChanges(ctx); err != nil || v-v0 != int64(changes) {
		t.Errorf("site changes rose by %d (%v), want %d", v-v0, err, changes)
	}
}

// checkCounts compares post_counts and tag_counts with counts of the rows themselves.
func checkCounts(t *testing.T, db *DB, when string) {
	t.Helper()
	for _, c := range []struct{ kept, counted string }{
		{`SELECT post_type, deleted, status, visibility, n FROM post_counts WHERE n != 0`,
			`SELECT post_type, deleted, status, visibility, count(*) FROM posts GROUP BY 1, 2, 3, 4`},
		{`SELECT tag_id || post_type, deleted, status, visibility, n FROM tag_counts WHERE n != 0`,
			`SELECT tag_id || post_type, deleted, status, visibility, count(*) FROM post_tags GROUP BY tag_id, 2, 3, 4, post_type`},
	} {
		kept, counted := countRows(t, db, c.kept), countRows(t, db, c.counted)
		if fmt.Sprint(kept) != fmt.Sprint(counted) {
			t.Errorf("%s: counts kept %v, want %v", when, kept, counted)
		}
		if len(kept) < 3 {
			t.Errorf("%s: only %d counts: %v", when, len(kept), kept)
		}
	}
}

func countRows(t *testing.T, db *DB, query string) map[string]int {
	t.Helper()
	rows, err := db.db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var a, c, d string
		var b, n int
		if err := rows.Scan(&a, &b, &c, &d, &n); err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprint(a, "/", b, "/", c, "/", d)] += n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
