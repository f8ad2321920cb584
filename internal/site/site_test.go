package site_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/site"
)

func note(text string) map[string]any {
	return map[string]any{"type": []any{"h-entry"}, "properties": map[string]any{"content": []any{text}}}
}

// at sets the published time.
func at(t time.Time) func(*post.Post) { return set("published", t.Format(time.RFC3339)) }

func TestHomePage(t *testing.T) {
	ts := newSite(t)
	base := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	ts.createPost(t, note("First public note"), at(base))
	ts.createPost(t, note("A draft"), at(base.Add(time.Hour)), set("post-status", "draft"))
	ts.createPost(t, note("Something private"), at(base.Add(2*time.Hour)), set("visibility", "private"))
	ts.createPost(t, note("Unlisted thoughts"), at(base.Add(3*time.Hour)), set("visibility", "unlisted"))
	gone := ts.createPost(t, note("Deleted soon"), at(base.Add(4*time.Hour)))
	if _, err := ts.DB.UpdatePost(context.Background(), gone.URL, func(p *post.Post) error {
		p.Deleted = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ts.createPost(t, item(t, readFixture(t, "quill-note-alt.json")), at(base.Add(5*time.Hour)))

	for _, owner := range []string{"", "yes"} {
		items, body := ts.page(t, "/", ownerHeader, owner)
		cards := []*mf2{}
		for _, it := range items {
			if it.is("h-card") {
				cards = append(cards, it)
			}
		}
		if len(cards) != 1 {
			t.Fatalf("%d top-level h-cards, want 1", len(cards))
		}
		card := cards[0]
		for name, want := range map[string]string{"name": "Jane Example", "url": ts.Cfg.URL,
			"uid": ts.Cfg.URL, "photo": "https://example.com/jane.jpg",
			"note": "Writes about coffee, bikes and the open web."} {
			if got := card.get(name); got != want {
				t.Errorf("h-card %s = %q, want %q", name, got, want)
			}
		}
		feeds := findMF2(items, "h-feed")
		if len(feeds) != 1 {
			t.Fatalf("%d h-feeds, want 1", len(feeds))
		}
		var texts []string
		for _, e := range feeds[0].Children {
			if !e.is("h-entry") {
				t.Errorf("h-feed child %v", e.Type)
			}
			texts = append(texts, e.get("content"))
		}
		// Visitors see published public posts only; the signed-in owner also sees drafts,
		// private and unlisted posts, marked as such, and never deleted ones.
		want := []string{"Sunset from the east bank.", "First public note"}
		hidden := []string{"A draft", "Something private", "Unlisted", "Deleted soon", `class="badge"`, "owner-controls"}
		if owner != "" {
			want = []string{"Sunset from the east bank.", "Unlisted thoughts", "Something private", "A draft", "First public note"}
			hidden = []string{"Deleted soon"}
			for _, mark := range []string{`<span class="badge">Draft</span>`, `<span class="badge">private</span>`, `<span class="badge">unlisted</span>`} {
				if !strings.Contains(string(body), mark) {
					t.Errorf("owner=%q: home page lacks the mark %s", owner, mark)
				}
			}
			if n := strings.Count(string(body), `class="owner-controls"`); n != len(want) {
				t.Errorf("owner=%q: %d posts with Edit / Delete, want %d", owner, n, len(want))
			}
		}
		if strings.Join(texts, "|") != strings.Join(want, "|") {
			t.Errorf("owner=%q: home lists %q, want %q (deleted never listed)", owner, texts, want)
		}
		for _, h := range hidden {
			if strings.Contains(string(body), h) {
				t.Errorf("owner=%q: home page shows %q", owner, h)
			}
		}
	}
}

func TestHomePaging(t *testing.T) {
	ts := newSite(t, func(c *site.Config) { c.PageSize = 3 })
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 10
	for i := 0; i < n; i++ {
		// Two posts share each published time: paging must still be exact.
		ts.createPost(t, note(fmt.Sprintf("post number %d", i)), at(base.Add(time.Duration(i/2)*time.Hour)))
	}
	seen := map[string]bool{}
	next := ts.Cfg.URL
	pages := 0
	for next != "" {
		pages++
		if pages > n {
			t.Fatal("paging does not end")
		}
		items, body := ts.page(t, next)
		entries := findMF2(items, "h-entry")
		if len(entries) == 0 || len(entries) > 3 {
			t.Fatalf("page %d has %d entries", pages, len(entries))
		}
		for _, e := range entries {
			c := e.get("content")
			if seen[c] {
				t.Errorf("%q listed twice", c)
			}
			seen[c] = true
		}
		m := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindSubmatch(body)
		next = ""
		if m != nil {
			next = strings.ReplaceAll(string(m[1]), "&amp;", "&")
			if !strings.HasPrefix(next, ts.Cfg.URL+"?before=") {
				t.Errorf("next page link %q is not absolute from the site URL", next)
			}
		}
		if pages > 1 && !strings.Contains(string(body), `rel="first"`) {
			t.Errorf("page %d has no link to the newest posts", pages)
		}
	}
	if len(seen) != n || pages != 4 {
		t.Errorf("saw %d posts on %d pages, want %d on 4", len(seen), pages, n)
	}
	resp, _ := ts.get(t, "/?before=not-a-cursor")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad cursor: status %d, want 400", resp.StatusCode)
	}
}

func TestVisibility(t *testing.T) {
	ts := newSite(t)
	public := ts.createPost(t, note("Public"))
	draft := ts.createPost(t, note("Draft"), set("post-status", "draft"))
	private := ts.createPost(t, note("Private"), set("visibility", "private"))
	unlisted := ts.createPost(t, item(t, readFixture(t, "micropublish-note.json")))
	deleted := ts.createPost(t, note("Deleted"))
	if _, err := ts.DB.UpdatePost(context.Background(), deleted.URL, func(p *post.Post) error {
		p.Deleted = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		url        string
		anon, mine int
	}{
		{"public", public.URL, 200, 200},
		{"unlisted", unlisted.URL, 200, 200},
		{"draft", draft.URL, 404, 200},
		{"private", private.URL, 404, 200},
		{"deleted", deleted.URL, 410, 410},
		{"unknown", ts.Cfg.URL + "notes/2024/05/nothing-here", 404, 404},
		{"unknown tag", ts.Cfg.URL + "tags/nothing", 404, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				owner string
				want  int
			}{{"", tt.anon}, {"yes", tt.mine}} {
				resp, body := ts.get(t, tt.url, ownerHeader, c.owner)
				if resp.StatusCode != c.want {
					t.Errorf("owner=%q GET %s: status %d, want %d", c.owner, tt.url, resp.StatusCode, c.want)
				}
				if resp.StatusCode != 200 && !strings.Contains(string(body), "<main") {
					t.Errorf("error page is not the site's page: %s", body)
				}
				if c.want == 200 && tt.name != "public" && !strings.Contains(string(body), `<meta name="robots" content="noindex">`) {
					t.Errorf("%s post page is indexable", tt.name)
				}
				if c.owner == "yes" && (tt.name == "draft" || tt.name == "private") &&
					!strings.Contains(resp.Header.Get("Cache-Control"), "private") {
					t.Errorf("owner-only page Cache-Control %q", resp.Header.Get("Cache-Control"))
				}
			}
		})
	}
}

func TestTagPages(t *testing.T) {
	ts := newSite(t)
	base := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	first := map[string]any{"type": []any{"h-entry"}, "properties": map[string]any{
		"content": []any{"Pour-over"}, "category": []any{"Coffee", "Portland"}}}
	ts.createPost(t, first, at(base))
	second := map[string]any{"type": []any{"h-entry"}, "properties": map[string]any{
		"content": []any{"Espresso"}, "category": []any{"coffee"}}}
	ts.createPost(t, second, at(base.Add(time.Hour)))
	secret := map[string]any{"type": []any{"h-entry"}, "properties": map[string]any{
		"content": []any{"Shh"}, "category": []any{"Surprise Party", "coffee"}, "visibility": []any{"private"}}}
	ts.createPost(t, secret, at(base.Add(2*time.Hour)))

	for _, path := range []string{"/tags/coffee", "/tags/Coffee", "/tags/COFFEE", "/tags/%20coffee%20"} {
		items, body := ts.page(t, path)
		var texts []string
		for _, e := range findMF2(items, "h-entry") {
			texts = append(texts, e.get("content"))
		}
		if strings.Join(texts, "|") != "Espresso|Pour-over" {
			t.Errorf("GET %s lists %q, want Espresso and Pour-over", path, texts)
		}
		if !strings.Contains(string(body), "<h1>Tagged Coffee</h1>") {
			t.Errorf("GET %s does not show the display name Coffee", path)
		}
		if !strings.Contains(string(body), `<link rel="canonical" href="`+ts.Cfg.URL+`tags/coffee">`) {
			t.Errorf("GET %s has no canonical link to tags/coffee", path)
		}
		if !strings.Contains(string(body), `href="`+ts.Cfg.URL+`tags/coffee/feed.atom"`) {
			t.Errorf("GET %s does not advertise the tag's feed", path)
		}
	}
	if resp, _ := ts.get(t, "/tags/surprise%20party"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("tag carried only by a private post: status %d, want 404", resp.StatusCode)
	}
	_, body := ts.page(t, "/tags/")
	for _, want := range []string{
		`<a href="` + ts.Cfg.URL + `tags/coffee" rel="tag">Coffee</a> <span class="count">(2)</span>`,
		`<a href="` + ts.Cfg.URL + `tags/portland" rel="tag">Portland</a> <span class="count">(1)</span>`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("tag list lacks %s\n%s", want, body)
		}
	}
	if strings.Contains(string(body), "Surprise") {
		t.Error("tag list shows a tag only a private post carries")
	}
	ts.Client().CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if resp, _ := ts.get(t, "/tags"); resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != ts.Cfg.URL+"tags/" {
		t.Errorf("GET /tags: %d to %q, want 301 to the tag list", resp.StatusCode, resp.Header.Get("Location"))
	}
	req, _ := http.NewRequest(http.MethodHead, ts.URL+"/tags/coffee", nil)
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == "" {
		t.Errorf("HEAD /tags/coffee: %d, ETag %q", resp.StatusCode, resp.Header.Get("ETag"))
	}
}

func TestDiscovery(t *testing.T) {
	ts := newSite(t)
	p := ts.createPost(t, note("hello"))
	want := map[string]string{
		"micropub":               ts.Cfg.URL + "micropub",
		"micropub_media":         ts.Cfg.URL + "media",
		"indieauth-metadata":     ts.Cfg.URL + ".well-known/oauth-authorization-server",
		"authorization_endpoint": ts.Cfg.URL + "auth",
		"token_endpoint":         ts.Cfg.URL + "token",
	}
	linkValue := regexp.MustCompile(`^<([^>]+)>; rel="([^"]+)"$`)
	for _, path := range []string{"/", p.URL, "/tags/", "/no/such/page"} {
		resp, body := ts.get(t, path)
		got := map[string]string{}
		// IndiePass splits Link headers naively: each value must be one link with one rel.
		for _, v := range resp.Header.Values("Link") {
			m := linkValue.FindStringSubmatch(v)
			if m == nil || strings.Contains(v, ",") {
				t.Errorf("GET %s: Link value %q is not one link with one rel", path, v)
				continue
			}
			got[m[2]] = m[1]
		}
		for rel, href := range want {
			if got[rel] != href {
				t.Errorf("GET %s: Link rel=%s = %q, want %q", path, rel, got[rel], href)
			}
			tag := fmt.Sprintf(`<link rel="%s" href="%s">`, rel, href)
			if !strings.Contains(string(body), tag) {
				t.Errorf("GET %s: no %s", path, tag)
			}
		}
		if strings.Contains(strings.ToLower(string(body)), "edituri") || strings.Contains(strings.ToLower(resp.Header.Get("Link")), "edituri") {
			t.Errorf("GET %s advertises EditURI", path)
		}
	}

	// External IndieAuth: the endpoints come from the configuration.
	ext := newSite(t, func(c *site.Config) {
		c.AuthorizationEndpoint = "https://indieauth.example.com/auth"
		c.TokenEndpoint = "https://tokens.example.com/token"
		c.MetadataEndpoint = "https://indieauth.example.com/.well-known/oauth-authorization-server"
		c.WebmentionEndpoint = "https://webmention.example.com/jane"
	})
	resp, body := ext.get(t, "/")
	for _, want := range []string{
		`<https://indieauth.example.com/auth>; rel="authorization_endpoint"`,
		`<https://tokens.example.com/token>; rel="token_endpoint"`,
		`<https://webmention.example.com/jane>; rel="webmention"`,
	} {
		found := false
		for _, v := range resp.Header.Values("Link") {
			found = found || v == want
		}
		if !found {
			t.Errorf("external auth: no Link %s in %q", want, resp.Header.Values("Link"))
		}
	}
	if !strings.Contains(string(body), `<link rel="token_endpoint" href="https://tokens.example.com/token">`) {
		t.Error("external auth: no <link> to the external token endpoint")
	}
}

// TestURLsFromConfig checks that no URL comes from the request's Host header.
func TestURLsFromConfig(t *testing.T) {
	ts := newSite(t, func(c *site.Config) { c.URL, c.Photo = "https://jane.example.com/", "/me.jpg" })
	items, _ := ts.page(t, "/")
	if cards := findMF2(items, "h-card"); len(cards) == 0 || cards[0].get("photo") != "https://jane.example.com/me.jpg" {
		t.Errorf("a photo given as a path is not made absolute from the site URL: %+v", cards)
	}
	p := ts.createPost(t, item(t, readFixture(t, "quill-note.form")))
	path := strings.TrimPrefix(p.URL, "https://jane.example.com")
	for _, u := range []string{"/", path, "/feed.atom", "/feed.json", "/tags/coffee"} {
		resp, body := ts.get(t, u, "Host", "evil.example.net", "X-Forwarded-Host", "evil.example.net")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", u, resp.StatusCode)
		}
		if strings.Contains(string(body), "evil.example.net") || strings.Contains(string(body), "127.0.0.1") {
			t.Errorf("GET %s: a URL comes from the request", u)
		}
		if !strings.Contains(string(body), "https://jane.example.com/") {
			t.Errorf("GET %s: no absolute URL from the configuration", u)
		}
	}
}

func TestConditionalGET(t *testing.T) {
	ts := newSite(t)
	p := ts.createPost(t, item(t, readFixture(t, "quill-note.form")))
	for _, u := range []string{"/", p.URL, "/tags/", "/tags/coffee", "/feed.atom", "/feed.rss", "/feed.json", "/tags/coffee/feed.json"} {
		resp, body := ts.get(t, u)
		etag, lastMod := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
		if resp.StatusCode != 200 || etag == "" || lastMod == "" {
			t.Fatalf("GET %s: %d, ETag %q, Last-Modified %q", u, resp.StatusCode, etag, lastMod)
		}
		for _, hdr := range [][]string{{"If-None-Match", etag}, {"If-Modified-Since", lastMod}, {"If-None-Match", `"other", ` + etag}} {
			resp, b := ts.get(t, u, hdr...)
			if resp.StatusCode != http.StatusNotModified || len(b) != 0 {
				t.Errorf("GET %s with %s: %d (%d bytes), want 304", u, hdr[0], resp.StatusCode, len(b))
			}
			if resp.Header.Get("ETag") != etag {
				t.Errorf("GET %s 304: ETag %q, want %q", u, resp.Header.Get("ETag"), etag)
			}
		}
		if resp, _ := ts.get(t, u, "If-None-Match", `"stale"`); resp.StatusCode != 200 {
			t.Errorf("GET %s with a stale ETag: %d, want 200", u, resp.StatusCode)
		}
		_ = body
	}
	// A new post changes the home page: the old validators no longer match.
	resp, _ := ts.get(t, "/")
	etag := resp.Header.Get("ETag")
	// (Published a moment ago: a post dated later is scheduled, and not on the page yet.)
	ts.createPost(t, note("Newer"), at(time.Now().Add(-time.Second)))
	resp, _ = ts.get(t, "/", "If-None-Match", etag)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == etag {
		t.Errorf("after a new post: %d with ETag %q, want 200 and a new ETag", resp.StatusCode, resp.Header.Get("ETag"))
	}
	resp, _ = ts.get(t, "/style.css")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/css; charset=utf-8" {
		t.Fatalf("GET /style.css: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, _ := ts.get(t, "/style.css", "If-None-Match", resp.Header.Get("ETag")); resp.StatusCode != http.StatusNotModified {
		t.Errorf("GET /style.css with its ETag: %d, want 304", resp.StatusCode)
	}
}

func TestThemeOverride(t *testing.T) {
	ts := newSite(t, func(c *site.Config) {
		dir := c.ThemeDir
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		write := func(name, s string) {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write("style.css", "body { color: rebeccapurple; }")
		write("home.html", `{{define "main"}}<p class="custom">{{.Site.Name}} custom home</p>{{template "feed" .Data}}{{end}}`)
	})
	ts.createPost(t, note("hello from a theme"))
	_, body := ts.page(t, "/")
	if !strings.Contains(string(body), `<p class="custom">Jane Example custom home</p>`) ||
		!strings.Contains(string(body), "hello from a theme") {
		t.Errorf("theme home.html not used:\n%s", body)
	}
	if _, css := ts.page2(t, "/style.css"); string(css) != "body { color: rebeccapurple; }" {
		t.Errorf("theme style.css not served: %q", css)
	}
	// A broken theme falls back to the embedded one rather than breaking the site.
	broken := newSite(t, func(c *site.Config) {
		os.MkdirAll(c.ThemeDir, 0o755)
		os.WriteFile(filepath.Join(c.ThemeDir, "entry.html"), []byte(`{{define "main"}}{{.Nope`), 0o644)
	})
	p := broken.createPost(t, note("still readable"))
	if _, body := broken.page(t, p.URL); !strings.Contains(string(body), "still readable") {
		t.Error("broken theme: post page not rendered with the default theme")
	}
}

// page2 fetches any 200 resource.
func (ts *testSite) page2(t testing.TB, u string) (*http.Response, []byte) {
	t.Helper()
	resp, body := ts.get(t, u)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	return resp, body
}

// TestChangesReachCachedPages checks that rendered pages kept for visitors never outlive a
// change to a post, and that Last-Modified moves with every change, backdated posts too.
func TestChangesReachCachedPages(t *testing.T) {
	ts := newSite(t)
	p := ts.createPost(t, note("first words"))
	ts.page(t, p.URL)
	resp, _ := ts.page2(t, "/")
	lastMod := resp.Header.Get("Last-Modified")

	update := func(fn func(*post.Post)) {
		t.Helper()
		if _, err := ts.DB.UpdatePost(context.Background(), p.URL, func(p *post.Post) error {
			fn(p)
			return p.Reindex(time.Now())
		}); err != nil {
			t.Fatal(err)
		}
	}
	update(func(p *post.Post) { p.Item.Properties["content"] = []any{"second words"} })
	if _, body := ts.page(t, p.URL); !strings.Contains(string(body), "second words") {
		t.Error("post page still shows the old content after an update")
	}
	if _, body := ts.page(t, "/"); !strings.Contains(string(body), "second words") {
		t.Error("home page still shows the old content after an update")
	}
	update(func(p *post.Post) { p.Item.Properties["visibility"] = []any{"private"} })
	if resp, _ := ts.get(t, p.URL); resp.StatusCode != http.StatusNotFound {
		t.Errorf("post made private: %d, want 404", resp.StatusCode)
	}
	if _, body := ts.page(t, p.URL, ownerHeader, "yes"); !strings.Contains(string(body), "second words") {
		t.Error("the owner does not see the private post")
	}
	update(func(p *post.Post) { delete(p.Item.Properties, "visibility"); p.Deleted = true })
	if resp, _ := ts.get(t, p.URL); resp.StatusCode != http.StatusGone {
		t.Errorf("deleted post: %d, want 410", resp.StatusCode)
	}
	if _, body := ts.page(t, "/"); strings.Contains(string(body), "second words") {
		t.Error("home page still lists a deleted post")
	}

	// Last-Modified has whole seconds: let one pass, then publish a backdated post.
	time.Sleep(1100 * time.Millisecond)
	ts.createPost(t, note("written long ago"), at(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)))
	resp, body := ts.get(t, "/", "If-Modified-Since", lastMod)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "written long ago") {
		t.Errorf("If-Modified-Since after a backdated post: %d, want 200 with the post", resp.StatusCode)
	}
}
