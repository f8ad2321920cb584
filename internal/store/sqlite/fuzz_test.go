package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// FuzzListPosts feeds client-controlled query values (Micropub's post-type,
// post-status, category, after, limit and offset) to ListPosts and CountPosts: they answer
// or refuse with post.ErrInvalid, and what they list matches the filters.
func FuzzListPosts(f *testing.F) {
	cursor := (&post.Post{ID: 3, Published: time.Date(2024, 5, 1, 13, 0, 0, 0, time.UTC)}).Cursor()
	f.Add("note", "published", "Go", cursor, 2, 0)
	f.Add("", "", "sqlite", "", 0, 0)
	f.Add("like", "draft", "%", "!!", -1, -5)
	f.Add("'; DROP TABLE posts; --", "", "go'", "MjAyNCAx", 1000, 3)
	db := newDB(f)
	seedFuzz(f, db)
	f.Fuzz(func(t *testing.T, typ, status, category, after string, limit, offset int) {
		ctx := context.Background()
		q := post.Query{Type: typ, Status: status, Category: category, After: after, Limit: limit % 200, Offset: offset % 200}
		posts, err := db.ListPosts(ctx, q)
		if err != nil {
			if !errors.Is(err, post.ErrInvalid) {
				t.Fatalf("ListPosts(%+v): %v", q, err)
			}
			return
		}
		for _, p := range posts {
			if (typ != "" && p.Type != typ) || (status != "" && p.Status != status) || p.Deleted {
				t.Fatalf("ListPosts(%+v) gave %s (%s, %s, deleted %v)", q, p.URL, p.Type, p.Status, p.Deleted)
			}
			if category != "" && !hasTag(p, category) {
				t.Fatalf("ListPosts(%+v) gave %s tagged %v", q, p.URL, p.Categories)
			}
		}
		n, err := db.CountPosts(ctx, q)
		if err != nil || (q.After == "" && q.Offset <= 0 && q.Limit <= 0 && n < len(posts)) {
			t.Fatalf("CountPosts(%+v) = %d, %v with %d listed", q, n, err, len(posts))
		}
	})
}

func hasTag(p *post.Post, tag string) bool {
	for _, c := range p.Categories {
		if post.NormalizeTag(c) == post.NormalizeTag(tag) {
			return true
		}
	}
	return false
}

func seedFuzz(f *testing.F, db *DB) {
	for i, body := range []string{
		`{"properties":{"content":["a"],"category":["Go","%"],"published":["2024-05-01T10:00:00Z"]}}`,
		`{"properties":{"like-of":["https://x.example/"],"category":["go'"],"published":["2024-05-01T11:00:00Z"]}}`,
		`{"properties":{"content":["c"],"post-status":["draft"],"category":["SQLite"],"published":["2024-05-01T12:00:00Z"]}}`,
		`{"properties":{"name":["T"],"content":["d"],"category":["Go"],"published":["2024-05-01T13:00:00Z"]}}`,
	} {
		create(f, db, newPost(f, body, "https://example.com/f/"+string(rune('a'+i))))
	}
}
