package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// saveSettings posts the settings form with the page's CSRF token.
func saveSettings(t *testing.T, s *servertest.Server, c *http.Client, fields url.Values) (*http.Response, string) {
	t.Helper()
	csrf, _ := studioCSRF(t, s, c, "/admin/settings")
	fields.Set("csrf", csrf)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/admin/settings", strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, readBody(t, resp)
}

// TestSettingsApplyAtOnce saves the settings page and checks, over HTTP, that the
// website (the home page's h-card, feeds) and Micropub (a new post's URL and visibility)
// use them from the next request on, without a restart; and that the page shows what it
// saved.
func TestSettingsApplyAtOnce(t *testing.T) {
	s := servertest.New(t)
	owner := s.OwnerClient(t)
	tok := s.IssueToken(t, "create update")

	// The home page, rendered and kept for visitors before the change.
	if _, home := get(t, s, nil, "/"); strings.Contains(home, "Grace Hopper") {
		t.Fatal("home page names the owner before any settings")
	}
	resp, body := saveSettings(t, s, owner, url.Values{
		"name": {"Grace Hopper"}, "photo": {"/media/grace.jpg"}, "note": {"Writes compilers."},
		"url_patterns": {"note=/n/{yyyy}/{slug}\r\narticle = /essays/{slug}"}, "default_visibility": {"unlisted"},
	})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/settings?saved=1" {
		t.Fatalf("save: %d to %q, want 303 to /admin/settings?saved=1\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	_, page := get(t, s, owner, "/admin/settings?saved=1")
	for _, want := range []string{`id="done"`, `value="Grace Hopper"`, `value="/media/grace.jpg"`, "Writes compilers.",
		"article=/essays/{slug}\nnote=/n/{yyyy}/{slug}", `<option value="unlisted" selected>`} {
		if !strings.Contains(page, want) {
			t.Errorf("settings page after saving lacks %q\n%s", want, page)
		}
	}

	_, home := get(t, s, nil, "/")
	for _, want := range []string{"Grace Hopper", `src="` + s.Cfg.URL + `media/grace.jpg"`, "Writes compilers."} {
		if !strings.Contains(home, want) {
			t.Errorf("home page for a visitor lacks %q after saving", want)
		}
	}
	_, feed := get(t, s, nil, "/feed.json")
	if !strings.Contains(feed, `"name": "Grace Hopper"`) {
		t.Errorf("JSON feed's author is not the saved name:\n%s", feed)
	}

	resp, b := s.PostForm(t, "/micropub", tok, "h=entry&content=first+note&mp-slug=first")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, s.Cfg.URL+"n/") || !strings.HasSuffix(loc, "/first") {
		t.Errorf("new note at %s, want %sn/{yyyy}/first", loc, s.Cfg.URL)
	}
	if got := source(t, s, tok, loc)["visibility"]; !equalStrings(got, "unlisted") {
		t.Errorf("new post's visibility %v, want the default [unlisted]", got)
	}
	resp, b = s.PostForm(t, "/micropub", tok, "h=entry&name=On+compilers&content=long&mp-slug=compilers&visibility=public")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusCreated || loc != s.Cfg.URL+"essays/compilers" {
		t.Errorf("article: %d at %q, want 201 at %sessays/compilers (%s)", resp.StatusCode, loc, s.Cfg.URL, b)
	} else if got := source(t, s, tok, loc)["visibility"]; !equalStrings(got, "public") {
		t.Errorf("article sent with visibility=public: %v", got)
	}

	// The write form starts with the default, and keeps Public when the owner picks it.
	_, write := get(t, s, owner, "/admin/write")
	if !strings.Contains(write, `<option value="unlisted" selected>`) {
		t.Errorf("write form does not start with the default visibility")
	}
}

func equalStrings(v any, want ...string) bool {
	vs, ok := v.([]any)
	if !ok || len(vs) != len(want) {
		return false
	}
	for i := range vs {
		if vs[i] != want[i] {
			return false
		}
	}
	return true
}

// TestSettingsRefused: each wrong field is answered 400 with the themed page, its message
// next to the field, and nothing saved.
func TestSettingsRefused(t *testing.T) {
	s := servertest.New(t)
	owner := s.OwnerClient(t)
	good := url.Values{"name": {"Ada"}, "photo": {""}, "note": {""}, "url_patterns": {""}, "default_visibility": {"public"}}
	tests := []struct {
		name, field, value, errorID string
	}{
		{"name on two lines", "name", "Ada\nLovelace", "name-error"},
		{"name too long", "name", strings.Repeat("a", 201), "name-error"},
		{"photo not a URL", "photo", "javascript:alert(1)", "photo-error"},
		{"photo another scheme", "photo", "ftp://example.com/a.jpg", "photo-error"},
		{"note too long", "note", strings.Repeat("n", 1001), "note-error"},
		{"pattern without slug", "url_patterns", "note=/{yyyy}/", "url_patterns-error"},
		{"pattern without type", "url_patterns", "/{slug}", "url_patterns-error"},
		{"pattern not a path", "url_patterns", "note=/a/../{slug}", "url_patterns-error"},
		{"unknown visibility", "default_visibility", "secret", "default_visibility-error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fingerprint(t, s)
			f := url.Values{}
			for k, v := range good {
				f[k] = v
			}
			f.Set(tt.field, tt.value)
			resp, body := saveSettings(t, s, owner, f)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="`+tt.errorID+`"`) ||
				!strings.Contains(body, `href="`+s.Cfg.URL+`style.css"`) {
				t.Errorf("%s=%q: %d, want 400 with #%s on the themed page\n%s", tt.field, tt.value, resp.StatusCode, tt.errorID, body)
			}
			if fingerprint(t, s) != before {
				t.Errorf("%s=%q: refused settings changed the database", tt.field, tt.value)
			}
		})
	}
}

// TestSettingsFlagsOverride: a setting given by flag is used whatever is saved, and the
// page says which flag sets it; a flag's URL pattern wins for its type only.
func TestSettingsFlagsOverride(t *testing.T) {
	s := servertest.New(t, func(c *server.Config) {
		c.Name = "Flag Name"
		c.URLPatterns = map[string]string{"note": "/flag/{slug}"}
	})
	owner := s.OwnerClient(t)
	tok := s.IssueToken(t, "create update")
	resp, body := saveSettings(t, s, owner, url.Values{"name": {"Stored Name"}, "note": {"Stored note."},
		"url_patterns": {"note=/stored/{slug}\narticle=/a/{slug}"}, "default_visibility": {"public"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", resp.StatusCode, body)
	}
	_, page := get(t, s, owner, "/admin/settings")
	for _, want := range []string{"Set by --name (INDIEPUB_NAME)", "Set by --url-pattern (INDIEPUB_URL_PATTERNS)", `value="Stored Name"`} {
		if !strings.Contains(page, want) {
			t.Errorf("settings page lacks %q", want)
		}
	}
	_, home := get(t, s, nil, "/")
	if !strings.Contains(home, "Flag Name") || strings.Contains(home, "Stored Name") || !strings.Contains(home, "Stored note.") {
		t.Errorf("home page: want the flag's name and the stored note\n%s", home)
	}
	for form, want := range map[string]string{
		"h=entry&content=a+note&mp-slug=n1":              "flag/n1",
		"h=entry&name=T&content=an+article&mp-slug=art1": "a/art1",
	} {
		resp, b := s.PostForm(t, "/micropub", tok, form)
		if loc := resp.Header.Get("Location"); loc != s.Cfg.URL+want {
			t.Errorf("%s: %d at %q, want %s%s (%s)", form, resp.StatusCode, loc, s.Cfg.URL, want, b)
		}
	}
}
