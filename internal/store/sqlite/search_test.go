package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// FuzzSearch runs whatever a visitor may type as a search against a real index, as the
// owner's list (every post, the last word a prefix) and a visitor (the published, public
// or unlisted ones) ask: the query built from it is never an FTS5 syntax error.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{"coffee", `"`, `a"b`, `*`, `NEAR(a b)`, `-x`, `a OR b`, `name:x`,
		`^a`, `(a`, `a AND`, "café", "İstanbul", "\x00", "\xff", "日本語"} {
		f.Add(s)
	}
	db, err := Open(f.Context(), filepath.Join(f.TempDir(), "indiepub.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	it := post.Item{Type: []string{"h-entry"}, Properties: map[string][]any{"content": {"coffee in İstanbul, café 日本語"}}}
	p, err := post.New(it, time.Date(2024, 5, 4, 12, 0, 0, 0, time.UTC))
	if err != nil {
		f.Fatal(err)
	}
	p.URL, p.Slug = "https://example.com/notes/1", "1"
	if err := db.CreatePost(f.Context(), p); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, q := range []post.Search{{Text: s}, {Text: s, Prefix: true, Status: post.StatusPublished,
			Visibility: []string{post.VisibilityPublic, post.VisibilityUnlisted}}} {
			if _, err := db.SearchPosts(t.Context(), q); err != nil {
				t.Fatalf("search %+v: %v", q, err)
			}
		}
	})
}
