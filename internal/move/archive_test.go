package move_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/media/mediatest"
	"github.com/indiepub/indiepub/internal/move"
)

const barFile = "testdata/microblog.bar"

// TestBlogArchiveImport imports Micro.blog's blog archive (.bar) with new URLs: every post
// of its feed.json, the photo taken from the archive's uploads/ (downloads are off), and
// each old path answering 301 with the post's new URL, which serves it with the photo.
func TestBlogArchiveImport(t *testing.T) {
	s := newSite(t, "")
	cfg := s.config()
	cfg.KeepPaths = false
	rep, err := move.Import(t.Context(), cfg, s.DB, s.media, barFile)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Posts != 3 || rep.Media != 1 || rep.Redirects != 3 || len(rep.Warnings) != 0 {
		t.Errorf("report %+v; want 3 posts, 1 file from the archive, 3 redirects", rep)
	}
	for _, path := range []string{"/2024/01/15/flat-white.html", "/2024/01/20/on-owning-your.html", "/2024/02/01/121500.html"} {
		resp, _ := s.get(t, path)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusMovedPermanently || !strings.HasPrefix(loc, s.Cfg.URL) || strings.HasSuffix(loc, path) {
			t.Errorf("GET %s: %d, Location %q; want 301 to a new URL on this site", path, resp.StatusCode, loc)
			continue
		}
		resp, body := s.get(t, loc)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s (moved from %s): %d, want 200", loc, path, resp.StatusCode)
		}
		if path == "/2024/01/15/flat-white.html" && (bytes.Contains(body, []byte("micro.blog/uploads")) || !bytes.Contains(body, []byte(s.Cfg.URL+"media/"))) {
			t.Errorf("GET %s: want the photo at this site's media, not Micro.blog's:\n%s", loc, body)
		}
	}
	// The photo served is the archive's.
	want, _ := os.ReadFile("testdata/microblog/uploads/2024/flat-white.jpg")
	var found bool
	for _, name := range mediaFiles(t, s.Cfg.DataDir) {
		if b, _ := os.ReadFile(name); bytes.Equal(b, want) {
			found = true
		}
	}
	if !found {
		t.Error("the archive's photo is not among the stored files")
	}

	// Imported again: every post is there already.
	rep, err = move.Import(t.Context(), cfg, s.DB, s.media, barFile)
	if err != nil || rep.Posts != 0 {
		t.Errorf("second import: %+v, %v; want nothing new", rep, err)
	}
}

func mediaFiles(t *testing.T, dataDir string) []string {
	t.Helper()
	var names []string
	filepath.WalkDir(filepath.Join(dataDir, "media"), func(name string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			names = append(names, name)
		}
		return nil
	})
	return names
}

// rezip copies the blog archive into a new zip, each entry renamed by rename (dropped
// when it returns ""), plus extra entries, and returns its path.
func rezip(t *testing.T, rename func(string) string, extra map[string][]byte) string {
	t.Helper()
	zr, err := zip.OpenReader(barFile)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		name := rename(f.Name)
		if name == "" {
			continue
		}
		r, _ := f.Open()
		w, _ := zw.Create(name)
		io.Copy(w, r)
		r.Close()
	}
	for name, b := range extra {
		w, _ := zw.Create(name)
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "export.zip")
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBlogArchiveLayouts: an archive zipped from its folder (feed.json one level down)
// imports as well; an archive without feed.json, or with two, is refused as no export,
// and an entry named to climb out ("../") is read from inside the archive, never from
// the disk around it.
func TestBlogArchiveLayouts(t *testing.T) {
	s := newSite(t, "")
	folder := rezip(t, func(n string) string { return "jane-archive/" + n }, nil)
	rep, err := move.Import(t.Context(), s.config(), s.DB, s.media, folder)
	if err != nil || rep.Posts != 3 || rep.Media != 1 || len(rep.Warnings) != 0 {
		t.Errorf("archive in a folder: %+v, %v; want 3 posts and 1 file", rep, err)
	}

	for name, zipped := range map[string]string{
		"no feed.json": rezip(t, func(n string) string {
			if n == "feed.json" {
				return ""
			}
			return n
		}, nil),
		"two folders with feed.json": rezip(t, func(n string) string { return "a/" + n }, map[string][]byte{"b/feed.json": []byte("{}")}),
	} {
		if _, err := move.Import(t.Context(), s.config(), s.DB, s.media, zipped); !errors.Is(err, move.ErrFormat) {
			t.Errorf("%s: %v, want ErrFormat", name, err)
		}
	}

	// A post whose photo path climbs out: the file beside the archive on disk is never
	// read; the archive's own entry of that name is, or nothing.
	outside := mediatest.Image(t, "png", 42)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "secret.png"), outside, 0o644)
	feed := `{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"x","url":"https://jane.micro.blog/2024/03/01/x.html",
		"content_html":"<img src=\"https://jane.micro.blog/../../secret.png\">"}]}`
	climbing := rezip(t, func(n string) string {
		if n == "feed.json" {
			return ""
		}
		return n
	}, map[string][]byte{"feed.json": []byte(feed)})
	bar := filepath.Join(dir, "sub", "export.bar")
	os.MkdirAll(filepath.Dir(bar), 0o755)
	b, _ := os.ReadFile(climbing)
	os.WriteFile(bar, b, 0o644)
	s2 := newSite(t, "")
	rep, err = move.Import(t.Context(), s2.config(), s2.DB, s2.media, bar)
	if err != nil || rep.Posts != 1 || rep.Media != 0 || len(rep.Warnings) != 1 {
		t.Errorf("a photo path out of the archive: %+v, %v; want the post, the photo not found (a warning)", rep, err)
	}
	for _, name := range mediaFiles(t, s2.Cfg.DataDir) {
		if b, _ := os.ReadFile(name); bytes.Equal(b, outside) {
			t.Errorf("the file beside the archive was imported: %s", name)
		}
	}
}
