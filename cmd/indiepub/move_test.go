package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/store/sqlite"
)

// TestExportImportCommands exports a data directory and imports the export into another
// one through the command line, then imports a WordPress export with its uploads folder
// and new URLs: the posts arrive and the old paths redirect.
func TestExportImportCommands(t *testing.T) {
	const site = "http://blog.example/"
	src := t.TempDir()
	db, err := sqlite.Open(t.Context(), filepath.Join(src, "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := post.New(post.Item{Type: []string{"h-entry"}, Properties: map[string][]any{"content": {"moving"}}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p.URL, p.Slug = site+"notes/2024/01/moving", "moving"
	if err := db.CreatePost(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	db.Close()

	out := filepath.Join(t.TempDir(), "export")
	dest := t.TempDir()
	wxr := filepath.Join("..", "..", "internal", "move", "testdata", "wxr")
	for _, args := range [][]string{
		{"export", out, "--data", src, "--url", site},
		{"import", out, "--data", dest, "--url", site},
		{"import", filepath.Join(wxr, "jane.wordpress.xml"), "--data", dest, "--url", site,
			"--uploads", filepath.Join(wxr, "uploads"), "--no-download", "--new-urls"},
		{"import", filepath.Join("..", "..", "internal", "move", "testdata", "microblog.bar"), "--data", dest, "--url", site,
			"--no-download", "--new-urls"},
	} {
		var stdout, stderr bytes.Buffer
		if err := Main(context.Background(), args, nil, &stdout, &stderr); err != nil {
			t.Fatalf("%s: %v (%s)", strings.Join(args, " "), err, stderr.String())
		}
		t.Logf("%s: %s", args[0], stdout.String())
	}
	db, err = sqlite.Open(t.Context(), filepath.Join(dest, "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got, err := db.PostByURL(t.Context(), p.URL); err != nil || got.Item.First("content") != "moving" {
		t.Errorf("exported post after import: %v, %v", got, err)
	}
	target, err := db.Redirect(t.Context(), "/2019/05/hello-espresso/")
	if err != nil || !strings.HasPrefix(target, site) {
		t.Errorf("redirect of the WordPress post: %q, %v", target, err)
	}
	target, err = db.Redirect(t.Context(), "/2024/01/20/on-owning-your.html")
	if err != nil || !strings.HasPrefix(target, site) {
		t.Errorf("redirect of the Micro.blog post: %q, %v", target, err)
	}
}
