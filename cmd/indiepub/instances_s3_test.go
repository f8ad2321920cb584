package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/media/mediatest"
	"github.com/indiepub/indiepub/internal/media/s3blob/s3test"
	"github.com/indiepub/indiepub/internal/store/postgres/pgtest"
)

// TestTwoInstancesS3 runs two indiepub processes on one PostgreSQL database and one S3
// bucket, each with a data directory of its own, as instances on two machines would: a
// file uploaded through one is served by the other, a small one and one of several
// parts alike, and a delete through the other removes it from the bucket.
func TestTwoInstancesS3(t *testing.T) {
	pgURL := pgtest.URL(t)
	cfg := s3test.Bucket(t)
	store := s3Flag(t, cfg, "site/media")
	const site = "https://blog.example/"
	var dirs []string
	flags := func() []string {
		dirs = append(dirs, t.TempDir())
		return []string{"--data", dirs[len(dirs)-1], "--url", site, "--database", pgURL, "--media-store", store,
			"--max-upload", "67108864"}
	}
	a := startInstance(t, flags()...)
	b := startInstance(t, flags()...)
	tok := issue(t, flags()...)
	pathOf := func(u string) string { return strings.TrimPrefix(u, site) }

	// A photo (one part, one PUT) and a video of three parts (a multipart upload to a
	// temporary object, copied to its address), both through a.
	video := make([]byte, 20<<20)
	rand.Read(video)
	copy(video, mediatest.Ftyp("isom", "isom", "mp41"))
	var files []string
	for _, content := range [][]byte{pngBytes(t, 7), video} {
		resp, body := postFile(t, a.base+"media", tok, content)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("upload of %d bytes to a: %d %s", len(content), resp.StatusCode, body)
		}
		file := resp.Header.Get("Location")
		files = append(files, file)
		// b serves it from the bucket: a's data directory is not b's.
		resp, got := do(t, http.MethodGet, b.base+pathOf(file), "", "", nil)
		if resp.StatusCode != http.StatusOK || !bytes.Equal([]byte(got), content) {
			t.Errorf("GET on b of %s uploaded to a: %d, %d bytes, want 200 and the %d bytes", file,
				resp.StatusCode, len(got), len(content))
		}
		// And b's media endpoint knows it as the last upload.
		if last := getWith(t, b.base+"media?q=last", tok); !strings.Contains(last, file) {
			t.Errorf("q=last on b after an upload to a: %s, want %s", last, file)
		}
	}
	for _, dir := range dirs {
		if m, _ := filepath.Glob(filepath.Join(dir, "media", "*", "*", "*")); len(m) != 0 {
			t.Errorf("files in an instance's own media folder: %q, want them in the bucket only", m)
		}
	}
	held, err := s3test.List(context.Background(), s3test.Client(t, cfg), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 2 {
		t.Errorf("the bucket holds %q, want the two files and nothing temporary", held)
	}

	// A delete through b removes the file from the bucket: a no longer serves it.
	resp, body := do(t, http.MethodPost, b.base+"media", tok, "application/x-www-form-urlencoded",
		strings.NewReader(url.Values{"action": {"delete"}, "url": {files[1]}}.Encode()))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete on b of a file uploaded to a: %d %s", resp.StatusCode, body)
	}
	if resp, _ := do(t, http.MethodGet, a.base+pathOf(files[1]), "", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET on a of a file deleted on b: %d, want 404", resp.StatusCode)
	}
	if held, _ := s3test.List(context.Background(), s3test.Client(t, cfg), cfg); len(held) != 1 {
		t.Errorf("after the delete the bucket holds %q, want the photo only", held)
	}
}
