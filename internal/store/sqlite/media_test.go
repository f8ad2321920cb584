package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/post"
)

func TestUploads(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	t0 := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	save := func(url, path string, at time.Time) {
		t.Helper()
		u := &media.Upload{URL: url, Path: path, Hash: path[6:], Type: "image/png", Size: 10, Published: at}
		if err := db.SaveUpload(ctx, u); err != nil {
			t.Fatalf("SaveUpload %s: %v", url, err)
		}
	}
	save("https://example.com/media/aa/aa/aaaa.png", "aa/aa/aaaa.png", t0)
	save("https://example.com/media/bb/bb/bbbb.png", "bb/bb/bbbb.png", t0.Add(time.Minute))
	list, err := db.Uploads(ctx, 10, 0)
	if err != nil || len(list) != 2 || list[0].Path != "bb/bb/bbbb.png" || !list[0].Published.Equal(t0.Add(time.Minute)) {
		t.Fatalf("Uploads: %+v %v, want bbbb then aaaa", list, err)
	}
	// The same bytes again: one record, now the latest.
	save("https://example.com/media/aa/aa/aaaa.png", "aa/aa/aaaa.png", t0.Add(2*time.Minute))
	if list, _ := db.Uploads(ctx, 1, 0); len(list) != 1 || list[0].Path != "aa/aa/aaaa.png" {
		t.Errorf("latest after re-upload: %+v, want aaaa", list)
	}
	// The site moved: the same bytes under the new URL, no conflict.
	save("https://new.example/media/aa/aa/aaaa.png", "aa/aa/aaaa.png", t0.Add(3*time.Minute))
	if u, err := db.Upload(ctx, "https://new.example/media/aa/aa/aaaa.png"); err != nil || u.Path != "aa/aa/aaaa.png" {
		t.Errorf("Upload at the new URL: %+v %v", u, err)
	}
	if list, _ := db.Uploads(ctx, 10, 0); len(list) != 2 {
		t.Errorf("Uploads after the move: %d records, want 2", len(list))
	}
	if _, err := db.Upload(ctx, "https://example.com/media/none.png"); !errors.Is(err, media.ErrNotFound) {
		t.Errorf("Upload of an unknown URL: %v, want media.ErrNotFound", err)
	}
	if err := db.DeleteUpload(ctx, "https://example.com/media/bb/bb/bbbb.png"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteUpload(ctx, "https://example.com/media/bb/bb/bbbb.png"); !errors.Is(err, media.ErrNotFound) {
		t.Errorf("second delete: %v, want media.ErrNotFound", err)
	}
}

func TestPostsReferencing(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	const photo = "https://example.com/media/ab/cd/abcd.jpg"
	create(t, db, newPost(t, `{"type":["h-entry"],"properties":{"photo":[{"value":"`+photo+`","alt":"A cat"}]}}`,
		"https://example.com/photos/2024/05/cat"))
	create(t, db, newPost(t, `{"type":["h-entry"],"properties":{"content":[{"html":"<p><img src=\"`+photo+`\" alt=\"\"> & more</p>"}]}}`,
		"https://example.com/articles/2024/05/cats"))
	gone := create(t, db, newPost(t, `{"type":["h-entry"],"properties":{"photo":["`+photo+`"]}}`,
		"https://example.com/photos/2024/05/gone"))
	create(t, db, newPost(t, `{"type":["h-entry"],"properties":{"content":["no pictures"]}}`,
		"https://example.com/notes/2024/05/plain"))
	if _, err := db.UpdatePost(ctx, gone.URL, func(p *post.Post) error { p.Deleted = true; return nil }); err != nil {
		t.Fatal(err)
	}
	urls, err := db.PostsReferencing(ctx, photo, 10)
	if err != nil || len(urls) != 2 {
		t.Fatalf("PostsReferencing: %q %v, want the photo post and the article, not the deleted post", urls, err)
	}
	for _, u := range urls {
		if u == gone.URL {
			t.Errorf("PostsReferencing lists the deleted post %s", u)
		}
	}
	if urls, _ := db.PostsReferencing(ctx, "https://example.com/media/ff/ff/ffff.jpg", 10); len(urls) != 0 {
		t.Errorf("PostsReferencing of an unused file: %q", urls)
	}
}
