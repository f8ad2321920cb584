package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/store/sqlite"
)

// TestBackupRestoreCommands backs up a data directory with a post, a media file and a
// secret key through the command line, and restores it: into an empty directory it
// works, into a non-empty one it is refused.
func TestBackupRestoreCommands(t *testing.T) {
	data := t.TempDir()
	db, err := sqlite.Open(t.Context(), filepath.Join(data, "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := post.New(post.Item{Type: []string{"h-entry"}, Properties: map[string][]any{"content": {"kept"}}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p.URL, p.Slug = "http://example.com/notes/kept", "kept"
	if err := db.CreatePost(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	defer db.Close() // open, as under a running server
	os.MkdirAll(filepath.Join(data, "media", "ab", "cd"), 0o755)
	os.WriteFile(filepath.Join(data, "media", "ab", "cd", "abcd.png"), []byte("png bytes"), 0o644)
	os.WriteFile(filepath.Join(data, "secret.key"), []byte("secret"), 0o600)

	out := filepath.Join(t.TempDir(), "backup.tar.gz")
	var stdout, stderr bytes.Buffer
	if err := Main(context.Background(), []string{"backup", out, "--data", data}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("backup: %v (%s)", err, stderr.String())
	}
	restored := filepath.Join(t.TempDir(), "restored")
	if err := Main(context.Background(), []string{"restore", out, "--data", restored}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("restore: %v (%s)", err, stderr.String())
	}
	for name, want := range map[string]string{"media/ab/cd/abcd.png": "png bytes", "secret.key": "secret"} {
		if b, err := os.ReadFile(filepath.Join(restored, name)); err != nil || string(b) != want {
			t.Errorf("restored %s: %q, %v; want %q", name, b, err, want)
		}
	}
	rdb, err := sqlite.Open(t.Context(), filepath.Join(restored, "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if got, err := rdb.PostByURL(t.Context(), p.URL); err != nil || got.Item.First("content") != "kept" {
		t.Errorf("restored post: %v, %v", got, err)
	}

	err = Main(context.Background(), []string{"restore", out, "--data", data}, nil, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("restore into a non-empty directory: %v, want a refusal", err)
	}
}

func TestBackupHelp(t *testing.T) {
	for _, cmd := range []string{"backup", "restore"} {
		var stdout, stderr bytes.Buffer
		if err := Main(context.Background(), []string{cmd, "--help"}, nil, &stdout, &stderr); err != nil ||
			!strings.Contains(stdout.String(), "usage: indiepub "+cmd+" FILE") {
			t.Errorf("%s --help: %v, %q", cmd, err, stdout.String())
		}
	}
}
