package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

func newDB(t testing.TB) *DB {
	t.Helper()
	db := openAt(t, filepath.Join(t.TempDir(), "indiepub.db"))
	t.Cleanup(func() { db.Close() })
	return db
}

// openAt opens the store at path; the test closes it.
func openAt(t testing.TB, path string) *DB {
	t.Helper()
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// newPost builds a post from mf2 JSON the way the Micropub endpoint does.
func newPost(t testing.TB, body, url string) *post.Post {
	t.Helper()
	var raw map[string]any
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatal(err)
	}
	it, err := post.Normalize(raw)
	if err != nil {
		t.Fatal(err)
	}
	post.StripCommands(&it)
	p, err := post.New(it, time.Date(2024, 5, 4, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	p.URL, p.Slug = url, filepath.Base(url)
	return p
}

func create(t testing.TB, db *DB, p *post.Post) *post.Post {
	t.Helper()
	if err := db.CreatePost(context.Background(), p); err != nil {
		t.Fatalf("CreatePost %s: %v", p.URL, err)
	}
	return p
}

func TestCreateAndRead(t *testing.T) {
	db := newDB(t)
	body := `{"type":["h-entry"],"properties":{"content":["Breakfast"],"published":["2024-05-04T08:30:00+0200"],
		"category":["Ghent","coffee",{"type":["h-card"],"properties":{"name":["Sam"],"url":["https://sam.example/"]}}],
		"read-of":[{"type":["h-cite"],"properties":{"published":[1969]}}],"rating":["4.5"],"rewatch":[true]}}`
	p := newPost(t, body, "https://example.com/notes/2024/05/breakfast")
	p.SyndicateTo = []string{"https://social.example/@jane"}
	create(t, db, p)
	if p.ID == 0 {
		t.Fatal("no ID set")
	}
	got, err := db.PostByURL(context.Background(), p.URL)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Item, p.Item) {
		t.Errorf("item\n got %#v\nwant %#v", got.Item, p.Item)
	}
	if got.Item.First("published") != "2024-05-04T08:30:00+0200" {
		t.Errorf("published kept as %q", got.Item.First("published"))
	}
	want := time.Date(2024, 5, 4, 6, 30, 0, 0, time.UTC)
	if !got.Published.Equal(want) || got.Type != "read" || got.Status != post.StatusPublished ||
		got.Visibility != post.VisibilityPublic || !reflect.DeepEqual(got.Categories, []string{"Ghent", "coffee"}) ||
		!reflect.DeepEqual(got.SyndicateTo, p.SyndicateTo) || got.ID != p.ID {
		t.Errorf("indexed fields %+v", got)
	}
	if _, err := db.PostByURL(context.Background(), "https://example.com/nope"); !errors.Is(err, post.ErrNotFound) {
		t.Errorf("missing post: %v, want ErrNotFound", err)
	}
}

func TestCreateDuplicateURL(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	create(t, db, newPost(t, `{"properties":{"content":["first"],"category":["a"]}}`, "https://example.com/notes/x"))
	dup := newPost(t, `{"properties":{"content":["second"],"category":["only-in-dup"]}}`, "https://example.com/notes/x")
	if err := db.CreatePost(ctx, dup); !errors.Is(err, post.ErrExists) {
		t.Fatalf("duplicate: %v, want ErrExists", err)
	}
	if dup.ID != 0 {
		t.Errorf("failed create got ID %d", dup.ID)
	}
	if cats, _ := db.Categories(ctx, ""); !reflect.DeepEqual(cats, []string{"a"}) {
		t.Errorf("categories %v: the failed create left tags behind", cats)
	}
	var n int
	db.SQL().QueryRow(`SELECT COUNT(*) FROM tags`).Scan(&n)
	if n != 1 {
		t.Errorf("%d tags stored, want 1", n)
	}
}

// TestCreateConcurrent sends many creates at once, a third of them for URLs already
// taken: each caller gets its own answer, the duplicates alone fail, and every stored
// post is whole.
func TestCreateConcurrent(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	const n = 300
	errs := make([]error, n)
	posts := make([]*post.Post, n)
	var wg sync.WaitGroup
	for i := range n {
		url := fmt.Sprintf("https://example.com/notes/%d", i*2/3) // every third URL repeats
		posts[i] = newPost(t, fmt.Sprintf(`{"properties":{"content":["post %d"],"category":["t%d","all"]}}`, i, i%5), url)
	}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.CreatePost(ctx, posts[i])
		}()
	}
	wg.Wait()
	byURL := map[string]int{}
	ids := map[int64]bool{}
	for i, err := range errs {
		switch {
		case err == nil:
			byURL[posts[i].URL]++
			if posts[i].ID == 0 || ids[posts[i].ID] {
				t.Errorf("post %d: ID %d missing or repeated", i, posts[i].ID)
			}
			ids[posts[i].ID] = true
			got, err := db.PostByURL(ctx, posts[i].URL)
			if err != nil || got.ID != posts[i].ID || got.Item.First("content") != posts[i].Item.First("content") {
				t.Errorf("post %d stored as %+v, %v", i, got, err)
			}
		case errors.Is(err, post.ErrExists):
		default:
			t.Errorf("post %d: %v", i, err)
		}
	}
	for url, k := range byURL {
		if k != 1 {
			t.Errorf("%s stored %d times", url, k)
		}
	}
	total, err := db.CountPosts(ctx, post.Query{})
	if err != nil || total != len(byURL) || total != len(ids) {
		t.Errorf("CountPosts = %d, %v; want %d", total, err, len(byURL))
	}
	all, _ := db.CountPosts(ctx, post.Query{Category: "ALL"})
	if all != total {
		t.Errorf("posts tagged all: %d, want %d", all, total)
	}
}

func TestCreateCanceled(t *testing.T) {
	db := newDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := newPost(t, `{"properties":{"content":["x"]}}`, "https://example.com/notes/x")
	if err := db.CreatePost(ctx, p); !errors.Is(err, context.Canceled) {
		t.Fatalf("CreatePost with a canceled context: %v", err)
	}
	if _, err := db.PostByURL(context.Background(), p.URL); !errors.Is(err, post.ErrNotFound) {
		t.Errorf("canceled create stored: %v", err)
	}
}

func TestCreateAfterClose(t *testing.T) {
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.CreatePost(context.Background(), newPost(t, `{"properties":{"content":["x"]}}`, "https://example.com/x")); err == nil {
		t.Error("CreatePost after Close succeeded")
	}
}

func TestUpdatePost(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	url := "https://example.com/notes/x"
	create(t, db, newPost(t, `{"properties":{"content":["x"],"category":["Coffee","portland"]}}`, url))
	now := time.Date(2024, 5, 5, 0, 0, 0, 0, time.UTC)
	_, err := db.UpdatePost(ctx, url, func(p *post.Post) error {
		u := post.Update{Add: map[string][]any{"category": {"espresso"}}, Delete: map[string][]any{"category": {"Coffee"}},
			Replace: map[string][]any{"post-status": {"draft"}}}
		if err := u.Apply(&p.Item); err != nil {
			return err
		}
		p.Updated = now
		return p.Reindex(now)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := db.PostByURL(ctx, url)
	if !reflect.DeepEqual(got.Categories, []string{"portland", "espresso"}) || got.Status != post.StatusDraft || !got.Updated.Equal(now) {
		t.Errorf("after update: %+v", got)
	}
	if n, _ := db.CountPosts(ctx, post.Query{Category: "coffee"}); n != 0 {
		t.Errorf("%d posts still tagged coffee", n)
	}
	if n, _ := db.CountPosts(ctx, post.Query{Category: "Espresso"}); n != 1 {
		t.Errorf("%d posts tagged espresso, want 1", n)
	}
	if cats, _ := db.Categories(ctx, ""); !reflect.DeepEqual(cats, []string{"espresso", "portland"}) {
		t.Errorf("categories after the update %v, want [espresso portland]", cats)
	}
	// A failing fn writes nothing.
	_, err = db.UpdatePost(ctx, url, func(p *post.Post) error {
		p.Item.Properties["content"] = []any{"changed"}
		return fmt.Errorf("%w: no", post.ErrInvalid)
	})
	if !errors.Is(err, post.ErrInvalid) {
		t.Fatalf("UpdatePost: %v", err)
	}
	if got, _ := db.PostByURL(ctx, url); got.Item.First("content") != "x" {
		t.Errorf("failed update wrote content %q", got.Item.First("content"))
	}
	if _, err := db.UpdatePost(ctx, "https://example.com/none", func(*post.Post) error { return nil }); !errors.Is(err, post.ErrNotFound) {
		t.Errorf("update of a missing post: %v", err)
	}
}
