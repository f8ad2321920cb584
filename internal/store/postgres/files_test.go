package postgres

import (
	"slices"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/store/postgres/pgtest"
)

// TestFileIndexFilledOnOpen: posts stored before the index existed (here: by a store
// opened without media URLs, which writes no rows) are found once the store is opened
// with the media URLs, and again under a new media URL after the site's files move.
func TestFileIndexFilledOnOpen(t *testing.T) {
	url := pgtest.URL(t)
	const old, cdn = "https://example.com/media/", "https://cdn.example/"
	open := func(urls ...string) *DB {
		t.Helper()
		db, err := OpenWith(t.Context(), url, Options{MediaURLs: urls})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open()
	for i, photo := range []string{old + "a.jpg", cdn + "a.jpg", "https://other.example/b.jpg"} {
		p := &post.Post{URL: "https://example.com/p/" + string(rune('a'+i)), Slug: "p", Type: "photo",
			Item:      post.Item{Type: []string{"h-entry"}, Properties: map[string][]any{"photo": {photo}}},
			Published: time.Date(2026, 1, 1, i, 0, 0, 0, time.UTC), Status: post.StatusPublished,
			Visibility: post.VisibilityPublic}
		if err := db.CreatePost(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	for _, tt := range []struct {
		urls       []string
		file, want string
	}{
		{[]string{old}, old + "a.jpg", "https://example.com/p/a"},
		{[]string{cdn}, cdn + "a.jpg", "https://example.com/p/b"},
		{[]string{old, cdn}, old + "a.jpg", "https://example.com/p/a"},
	} {
		db := open(tt.urls...)
		got, err := db.postsUsing(t.Context(), tt.file, 10)
		db.Close()
		if err != nil || !slices.Equal(got, []string{tt.want}) {
			t.Errorf("opened with %q: posts using %s: %q, %v; want %q", tt.urls, tt.file, got, err, tt.want)
		}
	}
	open().Close()
	db = open(old, cdn)
	defer db.Close()
	var state string
	if err := db.pool.QueryRow(t.Context(), `SELECT prefixes FROM post_files_state`).Scan(&state); err != nil || state != db.files.State() {
		t.Errorf("state after reopening: %q, %v; want %q", state, err, db.files.State())
	}
}
