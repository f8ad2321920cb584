package media_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/media/fsblob"
	"github.com/indiepub/indiepub/internal/store/sqlite"
)

// newService returns a service on a fresh SQLite file and media folder, with a clock
// that moves on a millisecond at every reading.
func newService(t *testing.T, locker media.Locker) (*media.Service, *sqlite.DB, string) {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.Open(t.Context(), filepath.Join(dir, "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store, err := fsblob.New(fsblob.Config{Dir: filepath.Join(dir, "media")})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Millisecond)
		return now
	}
	svc := media.NewService(media.ServiceConfig{URL: "https://example.com/", Now: clock, Locker: locker}, store, db)
	return svc, db, filepath.Join(dir, "media")
}

// pngOf encodes a small PNG; seed changes its bytes.
func pngOf(t *testing.T, seed byte) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	img.Pix[0] = seed
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// kept reports whether url's record and file are both there.
func kept(t *testing.T, db *sqlite.DB, dir string, u *media.Upload) bool {
	t.Helper()
	_, recErr := db.Upload(context.Background(), u.URL)
	if recErr != nil && !errors.Is(recErr, media.ErrNotFound) {
		t.Fatal(recErr)
	}
	_, fileErr := os.Stat(filepath.Join(dir, filepath.FromSlash(u.Path)))
	if (recErr == nil) != (fileErr == nil) {
		t.Fatalf("%s: record error %v, file error %v: want both or neither", u.URL, recErr, fileErr)
	}
	return recErr == nil
}

// TestDiscard: a failed request's files go, unless the records say that someone else
// holds them: recorded before the request, recorded again since, or used by a post.
// Which is decided from the records, not from the files' times.
func TestDiscard(t *testing.T) {
	ctx := context.Background()
	t.Run("created by the request", func(t *testing.T) {
		svc, db, dir := newService(t, nil)
		s, err := svc.Save(ctx, bytes.NewReader(pngOf(t, 1)), "image/png")
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Discard(ctx, []media.Saved{s}); err != nil {
			t.Fatal(err)
		}
		if kept(t, db, dir, s.Upload) {
			t.Errorf("%s kept, want it discarded", s.URL)
		}
	})
	t.Run("saved twice by the request", func(t *testing.T) {
		svc, db, dir := newService(t, nil)
		var saved []media.Saved
		for range 2 {
			s, err := svc.Save(ctx, bytes.NewReader(pngOf(t, 2)), "")
			if err != nil {
				t.Fatal(err)
			}
			saved = append(saved, s)
		}
		if err := svc.Discard(ctx, saved); err != nil {
			t.Fatal(err)
		}
		if kept(t, db, dir, saved[0].Upload) {
			t.Errorf("%s kept, want it discarded", saved[0].URL)
		}
	})
	t.Run("uploaded before the request", func(t *testing.T) {
		svc, db, dir := newService(t, nil)
		if _, err := svc.Upload(ctx, bytes.NewReader(pngOf(t, 3)), ""); err != nil {
			t.Fatal(err)
		}
		s, err := svc.Save(ctx, bytes.NewReader(pngOf(t, 3)), "")
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Discard(ctx, []media.Saved{s}); err != nil {
			t.Fatal(err)
		}
		if !kept(t, db, dir, s.Upload) {
			t.Errorf("%s discarded, want it kept: it was uploaded before", s.URL)
		}
	})
	t.Run("uploaded again meanwhile", func(t *testing.T) {
		// The file is as new as the request, so a decision by its time would remove what
		// the second upload was just handed.
		svc, db, dir := newService(t, nil)
		s, err := svc.Save(ctx, bytes.NewReader(pngOf(t, 4)), "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Upload(ctx, bytes.NewReader(pngOf(t, 4)), ""); err != nil {
			t.Fatal(err)
		}
		if err := svc.Discard(ctx, []media.Saved{s}); err != nil {
			t.Fatal(err)
		}
		if !kept(t, db, dir, s.Upload) {
			t.Errorf("%s discarded, want it kept: it was uploaded again", s.URL)
		}
	})
}

// lockCounter is a Locker that counts its uses, as a lock in a shared database would be
// taken instead of the process's mutex.
type lockCounter struct {
	mu sync.Mutex
	n  int
}

func (l *lockCounter) Lock(context.Context) (func(), error) {
	l.mu.Lock()
	l.n++
	return l.mu.Unlock, nil
}

// TestLocker: every upload, delete and discard takes the configured lock.
func TestLocker(t *testing.T) {
	ctx := context.Background()
	var l lockCounter
	svc, _, _ := newService(t, &l)
	u, err := svc.Upload(ctx, bytes.NewReader(pngOf(t, 5)), "")
	if err != nil {
		t.Fatal(err)
	}
	s, err := svc.Save(ctx, bytes.NewReader(pngOf(t, 6)), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Discard(ctx, []media.Saved{s}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Delete(ctx, u.URL); err != nil {
		t.Fatal(err)
	}
	if l.n != 4 {
		t.Errorf("lock taken %d times, want 4 (upload, save, discard, delete)", l.n)
	}
}
