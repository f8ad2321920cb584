package move_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/media/mediatest"
	"github.com/indiepub/indiepub/internal/move"
)

// TestExportImportRoundTrip exports a site with posts of several kinds (an article, a
// photo post with an uploaded file, a reply, a draft, a private post, a non-ASCII slug)
// and imports the export into an empty indiepub serving the same URL: every post answers
// q=source exactly as before, at the same URL, and every file has the same bytes.
func TestExportImportRoundTrip(t *testing.T) {
	a := newSite(t, "")
	photo := a.upload(t, mediatest.Image(t, "png", 3))
	urls := []string{
		a.create(t, map[string]any{"type": []string{"h-entry"}, "properties": map[string]any{
			"name": []string{"Moving house"}, "content": []string{"Some *Markdown* and a [link](https://example.org/)."},
			"category": []string{"Meta", "indieweb"}, "published": []string{"2024-03-01T10:00:00+01:00"}}}),
		a.create(t, map[string]any{"type": []string{"h-entry"}, "properties": map[string]any{
			"content": []any{map[string]any{"html": "<p>A <b>photo</b></p>"}},
			"photo":   []any{map[string]any{"value": photo, "alt": "pixels"}}}}),
		a.create(t, map[string]any{"type": []string{"h-entry"}, "properties": map[string]any{
			"in-reply-to": []string{"https://example.org/post"}, "content": []string{"Agreed."}}}),
		a.create(t, map[string]any{"type": []string{"h-entry"}, "properties": map[string]any{
			"content": []string{"not yet"}, "post-status": []string{"draft"}}}),
		a.create(t, map[string]any{"type": []string{"h-entry"}, "properties": map[string]any{
			"content": []string{"just for me"}, "visibility": []string{"private"}}}),
		a.create(t, map[string]any{"type": []string{"h-entry"}, "properties": map[string]any{
			"content": []string{"Crème brûlée"}, "mp-slug": []string{"crème-brûlée"}}}),
	}
	dir := filepath.Join(t.TempDir(), "export")
	posts, files, err := move.Export(t.Context(), a.config(), a.DB, a.media, dir)
	if err != nil {
		t.Fatal(err)
	}
	if posts != len(urls) || files != 1 {
		t.Errorf("exported %d posts and %d files, want %d and 1", posts, files, len(urls))
	}
	checkExportFiles(t, dir, a.Cfg.URL, urls)

	b := newSite(t, a.Cfg.URL)
	rep, err := move.Import(t.Context(), b.config(), b.DB, b.media, dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Posts != len(urls) || rep.Media != 1 || rep.Redirects != 0 || len(rep.Warnings) != 0 {
		t.Errorf("import report %+v, want %d posts, 1 file, no redirects or warnings", rep, len(urls))
	}
	for _, u := range urls {
		if want, got := a.source(t, u), b.source(t, u); !reflect.DeepEqual(got, want) {
			t.Errorf("q=source for %s after the round trip:\n got %v\nwant %v", u, got, want)
		}
	}
	_, want := a.get(t, photo)
	resp, got := b.get(t, photo)
	if resp.StatusCode != 200 || !bytes.Equal(got, want) {
		t.Errorf("GET %s after the round trip: %d, %d bytes; want 200 and the %d bytes uploaded", photo, resp.StatusCode, len(got), len(want))
	}

	// Run again, the import adds nothing.
	rep, err = move.Import(t.Context(), b.config(), b.DB, b.media, dir)
	if err != nil || rep.Posts != 0 || rep.Skipped != len(urls) {
		t.Errorf("second import: %+v, %v; want every post skipped", rep, err)
	}
}

// checkExportFiles checks the export's files: a q=source JSON file and a Markdown file
// with front matter for every post, and a JSON Feed of them all.
func checkExportFiles(t *testing.T, dir, site string, urls []string) {
	t.Helper()
	for _, u := range urls {
		base := filepath.Join(dir, "posts", filepath.FromSlash(strings.TrimPrefix(u, site)))
		var item struct {
			Type       []string         `json:"type"`
			Properties map[string][]any `json:"properties"`
		}
		b, err := os.ReadFile(base + ".json")
		if err != nil || json.Unmarshal(b, &item) != nil || item.Properties["url"][0] != u {
			t.Errorf("%s.json: %s, %v; want the post's q=source", base, b, err)
		}
		md, err := os.ReadFile(base + ".md")
		if err != nil || !bytes.HasPrefix(md, []byte("---\n")) || !bytes.Contains(md, []byte(`url: "`+u+`"`)) {
			t.Errorf("%s.md: %s, %v; want front matter with the URL", base, md, err)
		}
	}
	var feed struct {
		Version string
		Items   []struct{ ID string }
	}
	b, err := os.ReadFile(filepath.Join(dir, "feed.json"))
	if err != nil || json.Unmarshal(b, &feed) != nil || feed.Version != "https://jsonfeed.org/version/1.1" || len(feed.Items) != len(urls) {
		t.Errorf("feed.json: %v, version %q, %d items; want JSON Feed 1.1 with %d items", err, feed.Version, len(feed.Items), len(urls))
	}
}
