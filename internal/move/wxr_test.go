package move_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/move"
)

const wxrFile = "testdata/wxr/jane.wordpress.xml"

// TestWXRImportKeepsPaths imports a WordPress export with its uploads folder at hand:
// posts and pages keep their old paths (a page at /tags/, indiepub's own, moves), the
// draft stays a draft, categories and tags become categories, the attachment is stored
// and the content and featured image point to it, and trash and menus stay behind.
func TestWXRImportKeepsPaths(t *testing.T) {
	s := newSite(t, "")
	cfg := s.config()
	cfg.UploadsDir = "testdata/wxr/uploads"
	rep, err := move.Import(t.Context(), cfg, s.DB, s.media, wxrFile)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Posts != 5 || rep.Media != 1 || rep.Redirects != 0 || len(rep.Warnings) != 0 {
		t.Errorf("report %+v; want 5 posts, 1 file, no redirects, no warnings", rep)
	}
	jpeg, err := os.ReadFile("testdata/wxr/uploads/2019/05/espresso.jpg")
	if err != nil {
		t.Fatal(err)
	}

	resp, page := s.get(t, "/2019/05/hello-espresso/")
	if resp.StatusCode != http.StatusOK || !bytes.Contains(page, []byte("proper espresso machine")) {
		t.Fatalf("GET /2019/05/hello-espresso/: %d; want 200 and the post", resp.StatusCode)
	}
	src := s.source(t, s.Cfg.URL+"2019/05/hello-espresso/")
	props := src["properties"].(map[string]any)
	photo := props["photo"].([]any)[0].(string)
	if !strings.HasPrefix(photo, s.Cfg.URL+"media/") {
		t.Errorf("featured image as photo: %q, want a file of this site", photo)
	}
	if resp, got := s.get(t, photo); resp.StatusCode != http.StatusOK || !bytes.Equal(got, jpeg) {
		t.Errorf("GET %s: %d, %d bytes; want the attachment's %d bytes", photo, resp.StatusCode, len(got), len(jpeg))
	}
	html := props["content"].([]any)[0].(map[string]any)["html"].(string)
	if !strings.Contains(html, `src="`+photo+`"`) || strings.Contains(html, "jane.example") || !strings.Contains(html, "<p>I finally bought") {
		t.Errorf("content %q: want paragraphs and the resized image pointing to %s", html, photo)
	}
	checkProps(t, props, map[string][]any{
		"name": {"Hello, espresso"}, "category": {"Coffee", "espresso"}, "published": {"2019-05-03T08:15:00Z"},
		"updated": {"2019-05-04T07:00:00Z"}, "summary": {"A new machine, and two shots."},
	})

	about := s.source(t, s.Cfg.URL+"about/")["properties"].(map[string]any)
	checkProps(t, about, map[string][]any{"name": {"About"}, "post-status": {"published"}})
	riding := s.source(t, s.Cfg.URL+"2019/11/riding-in-the-rain/")["properties"].(map[string]any)
	checkProps(t, riding, map[string][]any{"category": {"Bikes", "commute", "rain"}})

	resp, b := s.Get(t, "/micropub?q=source&post-status=draft", s.token)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(b, []byte("Burr, not blade.")) {
		t.Errorf("drafts: %d %s; want the WordPress draft", resp.StatusCode, b)
	}
	resp, b = s.Get(t, "/micropub?q=source&limit=20", s.token)
	for _, gone := range []string{"Never mind.", "Main menu"} {
		if bytes.Contains(b, []byte(gone)) {
			t.Errorf("imported %q, which WordPress had trashed or is a menu", gone)
		}
	}
	if !bytes.Contains(b, []byte("Every tag, by hand.")) {
		t.Errorf("the page at /tags/ was not imported elsewhere: %s", b)
	}
}

// TestWXRImportRedirects imports the same export with new URLs for every post, the
// attachment downloaded through the guarded client: each old path answers 301 with the
// post's new URL, which serves it.
func TestWXRImportRedirects(t *testing.T) {
	old := httptest.NewServer(http.StripPrefix("/wp-content/uploads/", http.FileServer(http.Dir("testdata/wxr/uploads"))))
	defer old.Close()
	b, err := os.ReadFile(wxrFile)
	if err != nil {
		t.Fatal(err)
	}
	// The attachments live on the old server, here a local one.
	wxr := filepath.Join(t.TempDir(), "export.xml")
	os.WriteFile(wxr, bytes.ReplaceAll(b, []byte("https://jane.example/wp-content"), []byte(old.URL+"/wp-content")), 0o644)

	s := newSite(t, "")
	cfg := s.config()
	cfg.KeepPaths = false
	cfg.Client = indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: true})
	rep, err := move.Import(t.Context(), cfg, s.DB, s.media, wxr)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Posts != 5 || rep.Media != 1 || rep.Redirects != 3 || len(rep.Warnings) != 0 {
		t.Errorf("report %+v; want 5 posts, 1 file downloaded, 3 redirects", rep)
	}
	for _, path := range []string{"/2019/05/hello-espresso/", "/2019/11/riding-in-the-rain/", "/about/"} {
		resp, _ := s.get(t, path)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusMovedPermanently || !strings.HasPrefix(loc, s.Cfg.URL) {
			t.Errorf("GET %s: %d, Location %q; want 301 to this site", path, resp.StatusCode, loc)
			continue
		}
		if resp, _ := s.get(t, loc); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s (moved from %s): %d, want 200", loc, path, resp.StatusCode)
		}
	}

	// The guarded client refuses the old server's loopback address.
	s2 := newSite(t, "")
	cfg2 := s2.config()
	cfg2.Client = indieauth.NewClient(indieauth.FetchOptions{})
	rep, err = move.Import(t.Context(), cfg2, s2.DB, s2.media, wxr)
	if err != nil || rep.Media != 0 || len(rep.Warnings) != 1 || rep.Posts != 5 {
		t.Errorf("import through the guarded client: %+v, %v; want the posts, and the loopback attachment refused as a warning", rep, err)
	}
}

// TestJSONFeedImport imports a Micro.blog JSON Feed export whose uploads lie beside it.
func TestJSONFeedImport(t *testing.T) {
	s := newSite(t, "")
	rep, err := move.Import(t.Context(), s.config(), s.DB, s.media, "testdata/microblog")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Posts != 3 || rep.Media != 1 || len(rep.Warnings) != 0 {
		t.Errorf("report %+v; want 3 posts and 1 file", rep)
	}
	props := s.source(t, s.Cfg.URL+"2024/01/20/on-owning-your.html")["properties"].(map[string]any)
	checkProps(t, props, map[string][]any{"name": {"On owning your words"}, "category": {"IndieWeb", "Writing"},
		"published": {"2024-01-20T19:00:00Z"}, "updated": {"2024-01-21T09:30:00Z"}})
	props = s.source(t, s.Cfg.URL+"2024/01/15/flat-white.html")["properties"].(map[string]any)
	html := props["content"].([]any)[0].(map[string]any)["html"].(string)
	if strings.Contains(html, "micro.blog/uploads") || !strings.Contains(html, s.Cfg.URL+"media/") {
		t.Errorf("content %q: want the image moved to this site's media", html)
	}
	checkProps(t, props, map[string][]any{"published": {"2024-01-15T08:42:10+01:00"}})
	props = s.source(t, s.Cfg.URL+"2024/02/01/121500.html")["properties"].(map[string]any)
	checkProps(t, props, map[string][]any{"content": {"Listening to the rain on the skylight."}})
}

func checkProps(t *testing.T, props map[string]any, want map[string][]any) {
	t.Helper()
	for k, w := range want {
		got, _ := props[k].([]any)
		if !slices.Equal(got, w) {
			t.Errorf("%s: %v, want %v", k, got, w)
		}
	}
}
