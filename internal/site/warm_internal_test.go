package site

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/store/sqlite"
)

func TestWarmCachesTheHomePage(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	p, err := post.New(post.Item{Type: []string{"h-entry"}, Properties: map[string][]any{
		"content": {"A <b>note</b> to render"}}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p.Slug, p.URL = "warm", "https://example.com/notes/warm"
	if err := db.CreatePost(ctx, p); err != nil {
		t.Fatal(err)
	}
	h := New(Config{URL: "https://example.com/"}, db)
	version, _, err := db.SiteChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if h.cache.get("/?", version, time.Now()) != nil {
		t.Fatal("home page cached before Warm")
	}
	if err := h.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	if h.cache.get("/?", version, time.Now()) == nil {
		t.Fatal("home page not cached after Warm")
	}
}
