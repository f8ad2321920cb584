package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestBackgroundCheckpoint checks that with SQLite's automatic checkpoint off, posts
// still reach the database file (and the WAL stops growing) within a few ticks.
func TestBackgroundCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "indiepub.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var auto int
	db.SQL().QueryRow(`PRAGMA wal_autocheckpoint`).Scan(&auto)
	if auto != 0 {
		t.Fatalf("wal_autocheckpoint %d, want 0", auto)
	}
	size := func() int64 {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	before := size()
	for i := range 300 {
		create(t, db, newPost(t, fmt.Sprintf(`{"properties":{"content":["%0500d"]}}`, i), fmt.Sprintf("https://example.com/%d", i)))
	}
	deadline := time.Now().Add(10 * checkpointEvery)
	for size() < before+150_000 {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes after 300 posts (was %d): no checkpoint ran", size(), before)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var busy, logFrames, done int
	if err := db.SQL().QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &done); err != nil {
		t.Fatal(err)
	}
	if done < logFrames-50 {
		t.Errorf("WAL %d frames, %d checkpointed", logFrames, done)
	}
}
