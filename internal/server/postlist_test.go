package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/servertest"
)

// TestPostList lists the owner's posts over HTTP: every post not deleted, each with its
// status; filtered by type, status (published, draft, scheduled, deleted), visibility and
// tag; searched; paged by cursor; and only for the owner.
func TestPostList(t *testing.T) {
	s := servertest.New(t)
	tok := s.IssueToken(t, "create delete")
	create := func(form string) string {
		t.Helper()
		resp, body := s.PostForm(t, "/micropub", tok, form)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create %s: %d %s", form, resp.StatusCode, body)
		}
		return resp.Header.Get("Location")
	}
	for i := range 30 {
		create(fmt.Sprintf("h=entry&content=Filler+%02d&published=2025-01-01T10:%02d:00Z", i, i))
	}
	create("h=entry&name=An+article&content=Long+text&category=Garden&published=2025-02-01T10:00:00Z")
	create("h=entry&content=Secret+draft&post-status=draft&published=2025-02-02T10:00:00Z")
	create("h=entry&content=Hidden+one&visibility=private&published=2025-02-03T10:00:00Z")
	create("h=entry&content=Coming+soon&published=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	gone := create("h=entry&content=Gone+now&published=2025-02-04T10:00:00Z")
	if resp, body := s.PostForm(t, "/micropub", tok, "action=delete&url="+url.QueryEscape(gone)); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d %s", resp.StatusCode, body)
	}
	c := s.OwnerClient(t)
	row := regexp.MustCompile(`<td class="title"><a href="[^"]+">([^<]+)</a></td>`)
	list := func(query string) ([]string, string) {
		t.Helper()
		resp, page := get(t, s, c, "/admin/posts?"+query)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /admin/posts?%s: %d\n%s", query, resp.StatusCode, page)
		}
		var titles []string
		for _, m := range row.FindAllStringSubmatch(page, -1) {
			titles = append(titles, m[1])
		}
		return titles, page
	}

	titles, page := list("")
	if len(titles) != 25 || titles[0] != "Coming soon" || titles[1] != "Hidden one" || titles[2] != "Secret draft" {
		t.Errorf("first page: %q, want 25 posts from Coming soon, Hidden one, Secret draft", titles)
	}
	for _, want := range []string{`<span class="badge status-scheduled">scheduled</span>`, `<span class="badge status-draft">draft</span>`,
		`href="` + s.URL + `/admin/posts">Posts</a>`, `<label for="q">Search</label>`} {
		if !strings.Contains(page, want) {
			t.Errorf("list lacks %s", want)
		}
	}
	older := regexp.MustCompile(`<a href="/admin/posts\?([^"]+)" rel="next">Older</a>`).FindStringSubmatch(page)
	if older == nil {
		t.Fatal("first page has no Older link")
	}
	rest, _ := list(strings.ReplaceAll(older[1], "&amp;", "&"))
	if len(rest) != 9 || rest[8] != "Filler 00" {
		t.Errorf("second page: %q, want the 9 oldest, ending with Filler 00", rest)
	}

	for _, tt := range []struct{ query, want string }{
		{"status=draft", "[Secret draft]"},
		{"status=scheduled", "[Coming soon]"},
		{"status=deleted", "[Gone now]"},
		{"visibility=private", "[Hidden one]"},
		{"type=article", "[An article]"},
		{"tag=garden", "[An article]"},
		{"q=filler+2", "[Filler 29 Filler 28 Filler 27 Filler 26 Filler 25 Filler 24 Filler 23 Filler 22 Filler 21 Filler 20]"},
		{"q=LONG", "[An article]"},
		{"q=nothing+like+it", "[]"},
	} {
		if got, _ := list(tt.query); fmt.Sprint(got) != tt.want {
			t.Errorf("?%s: %q, want %s", tt.query, got, tt.want)
		}
	}
	if got, _ := list("status=published"); len(got) != 25 || got[0] != "Hidden one" {
		t.Errorf("?status=published: %q, want 25 from Hidden one (the scheduled and draft posts left out)", got)
	}
	for _, bad := range []string{"status=lost", "visibility=secret", "before=garbage", "type=%3Cscript%3E"} {
		if resp, _ := get(t, s, c, "/admin/posts?"+bad); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("?%s: %d, want 400", bad, resp.StatusCode)
		}
	}
	visitor := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, _ := get(t, s, visitor, "/admin/posts"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("visitor's GET /admin/posts: %d, want 303 to /login", resp.StatusCode)
	}
}
