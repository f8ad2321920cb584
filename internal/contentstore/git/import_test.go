package git_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	gitstore "github.com/indiepub/indiepub/internal/contentstore/git"
	"github.com/indiepub/indiepub/internal/servertest"
)

// An existing Jekyll site's posts (and an Indiekit one's mf2 names) are read into the
// index: q=source shows them with their front matter mapped back to mf2.
func TestImportJekyllSite(t *testing.T) {
	requireTool(t, "git")
	site := filepath.Join(t.TempDir(), "site")
	run(t, filepath.Dir(site), "init", "-q", "-b", "main", "site")
	writeHand(t, site, "_config.yml", "title: Old blog\n")
	writeHand(t, site, "_posts/2024-05-01-espresso.md",
		"---\nlayout: post\ntitle: On Espresso\ndate: 2024-05-01 09:30:00 +0200\ncategories: [coffee]\ntags: [drinks]\n---\nDark and **sweet**.\n")
	writeHand(t, site, "_posts/2024-05-02-kept.md",
		"---\ndate: 2024-05-02T10:00:00Z\npermalink: /notes/2024/05/kept\nphoto:\n  - url: https://example.com/cat.jpg\n    alt: A cat\nin-reply-to: https://other.example/post\n---\nIndiekit wrote me\n")
	writeHand(t, site, "_posts/broken.md", "---\ntitle: [unclosed\n---\n")
	run(t, site, "add", "-A")
	run(t, site, "commit", "-q", "-m", "old blog")

	srv := servertest.New(t)
	tok := srv.IssueToken(t, "create")
	ps, err := gitstore.PresetNamed("jekyll", nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := gitstore.Import(context.Background(), gitstore.Config{Dir: filepath.Join(t.TempDir(), "git"), Remote: site,
		SiteURL: srv.Cfg.URL, Preset: ps}, srv.DB)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("read %d post files, want 3", n)
	}
	_, body := srv.Get(t, "/micropub?q=source&limit=10", tok)
	for _, want := range []string{`"name":["On Espresso"]`, `"category":["coffee","drinks"]`, "Dark and **sweet**.",
		`"published":["2024-05-01T09:30:00+02:00"]`, `"alt":"A cat"`, `"in-reply-to":["https://other.example/post"]`,
		srv.Cfg.URL + "notes/2024/05/kept"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("q=source lacks %s:\n%s", want, body)
		}
	}
	if strings.Contains(string(body), "layout") {
		t.Errorf("a generator's key became a property:\n%s", body)
	}
}
