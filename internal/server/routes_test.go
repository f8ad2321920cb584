package server_test

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	gitstore "github.com/indiepub/indiepub/internal/contentstore/git"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// TestRouteTable requests one path per route of the route table, signed out and without
// a token, and checks that the route's own handler answers it, not the mux's plain-text
// 404 or 405 nor a neighbouring pattern: each case names the status and Content-Type
// that handler gives (JSON errors, since the requests do not ask for HTML). Every
// pattern in routes.go must have a case, so that a route added there is tried here.
func TestRouteTable(t *testing.T) {
	tests := []struct {
		pattern, method, path string
		status                int
		contentType           string
	}{
		{"GET /login", "GET", "/login", 200, "text/html"},
		{"POST /login", "POST", "/login", 403, "application/json"},
		{"POST /logout", "POST", "/logout", 403, "application/json"},
		{"GET /setup", "GET", "/setup", 404, "application/json"},
		{"POST /setup", "POST", "/setup", 403, "application/json"},
		{"GET /.well-known/oauth-authorization-server", "GET", "/.well-known/oauth-authorization-server", 200, "application/json"},
		{"GET /auth", "GET", "/auth", 400, "application/json"},
		{"POST /auth", "POST", "/auth", 403, "application/json"},
		{"GET /token", "GET", "/token", 401, "application/json"},
		{"POST /token", "POST", "/token", 400, "application/json"},
		{"OPTIONS /token", "OPTIONS", "/token", 204, ""},
		{"POST /introspect", "POST", "/introspect", 401, "application/json"},
		{"POST /revoke", "POST", "/revoke", 400, "application/json"},
		{"OPTIONS /revoke", "OPTIONS", "/revoke", 204, ""},
		{"GET /admin/tokens", "GET", "/admin/tokens", 303, ""},
		{"POST /admin/tokens/revoke", "POST", "/admin/tokens/revoke", 403, "application/json"},
		{"POST /admin/tokens/revoke-client", "POST", "/admin/tokens/revoke-client", 403, "application/json"},
		{"POST /admin/pkce/withdraw", "POST", "/admin/pkce/withdraw", 403, "application/json"},
		{"GET /admin/mentions", "GET", "/admin/mentions", 303, ""},
		{"POST /admin/mentions/approve", "POST", "/admin/mentions/approve", 403, "application/json"},
		{"POST /admin/mentions/delete", "POST", "/admin/mentions/delete", 403, "application/json"},
		{"POST /admin/mentions/block", "POST", "/admin/mentions/block", 403, "application/json"},
		{"GET /admin/syndication", "GET", "/admin/syndication", 303, ""},
		{"POST /admin/syndication/add", "POST", "/admin/syndication/add", 403, "application/json"},
		{"POST /admin/syndication/edit", "POST", "/admin/syndication/edit", 403, "application/json"},
		{"POST /admin/syndication/remove", "POST", "/admin/syndication/remove", 403, "application/json"},
		{"POST /admin/syndication/test", "POST", "/admin/syndication/test", 403, "application/json"},
		{"POST /admin/syndication/retry", "POST", "/admin/syndication/retry", 403, "application/json"},
		{"POST /webmention", "POST", "/webmention", 400, "application/json"},
		{"GET /webmention/status/{key}", "GET", "/webmention/status/nonesuch", 404, "application/json"},
		{"GET /admin/posts/delete", "GET", "/admin/posts/delete", 303, ""},
		{"POST /admin/posts/delete", "POST", "/admin/posts/delete", 403, "application/json"},
		{"POST /admin/posts/undelete", "POST", "/admin/posts/undelete", 403, "application/json"},
		{"GET /admin/media", "GET", "/admin/media", 303, ""},
		{"GET /admin/write", "GET", "/admin/write", 303, ""},
		{"POST /admin/write", "POST", "/admin/write", 403, "application/json"},
		{"GET /admin/posts", "GET", "/admin/posts", 303, ""},
		{"GET /admin/posts/edit", "GET", "/admin/posts/edit", 303, ""},
		{"POST /admin/posts/edit", "POST", "/admin/posts/edit", 403, "application/json"},
		{"POST /admin/media/upload", "POST", "/admin/media/upload", 403, "application/json"},
		{"POST /admin/media/delete", "POST", "/admin/media/delete", 403, "application/json"},
		{"GET /admin/studio.js", "GET", "/admin/studio.js", 303, ""},
		{"POST /admin/preview", "POST", "/admin/preview", 403, "application/json"},
		{"GET /admin/settings", "GET", "/admin/settings", 303, ""},
		{"POST /admin/settings", "POST", "/admin/settings", 403, "application/json"},
		{"GET /micropub", "GET", "/micropub", 401, "application/json"},
		{"POST /micropub", "POST", "/micropub", 401, "application/json"},
		{"PUT /micropub", "PUT", "/micropub", 405, "application/json"},
		{"PATCH /micropub", "PATCH", "/micropub", 405, "application/json"},
		{"DELETE /micropub", "DELETE", "/micropub", 405, "application/json"},
		{"OPTIONS /micropub", "OPTIONS", "/micropub", 405, "application/json"},
		{"POST /media", "POST", "/media", 401, "application/json"},
		{"GET /media", "GET", "/media", 401, "application/json"},
		{"GET /media/", "GET", "/media/ab/cd/nothing.jpg", 404, "application/json"},
		{"GET /healthz", "GET", "/healthz", 200, "text/plain"},
		{"POST /syndicate", "POST", "/syndicate", 401, "application/json"},
		{"POST /git/pull", "POST", "/git/pull", 401, "application/json"},
		{"GET /readyz", "GET", "/readyz", 200, "application/json"},
		{"GET /{$}", "GET", "/", 200, "text/html"},
		{"POST /visitor/signin", "POST", "/visitor/signin", 400, "application/json"},
		{"GET /visitor/callback", "GET", "/visitor/callback", 400, "application/json"},
		{"POST /visitor/signout", "POST", "/visitor/signout", 303, ""},
		{"POST /visitor/respond", "POST", "/visitor/respond", 400, "application/json"},
		{"GET /feed.atom", "GET", "/feed.atom", 200, "application/atom+xml"},
		{"GET /feed.rss", "GET", "/feed.rss", 200, "application/rss+xml"},
		{"GET /feed.json", "GET", "/feed.json", 200, "application/feed+json"},
		{"GET /style.css", "GET", "/style.css", 200, "text/css"},
		{"GET /tags/{$}", "GET", "/tags/", 200, "text/html"},
		{"GET /tags", "GET", "/tags", 301, ""},
		{"GET /tags/{tag}", "GET", "/tags/coffee", 404, "text/html"},
		{"GET /tags/{tag}/feed.atom", "GET", "/tags/coffee/feed.atom", 404, "text/html"},
		{"GET /tags/{tag}/feed.rss", "GET", "/tags/coffee/feed.rss", 404, "text/html"},
		{"GET /tags/{tag}/feed.json", "GET", "/tags/coffee/feed.json", 404, "text/html"},
		{"GET /search", "GET", "/search?q=coffee", 200, "text/html"},
		{"GET /", "GET", "/notes/2026/11/nothing", 404, "text/html"},
	}
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	inTable := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?:mux|st)\.Handle\("([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
		inTable[m[1]] = true
	}
	tried := map[string]bool{}
	for _, tt := range tests {
		tried[tt.pattern] = true
		if !inTable[tt.pattern] {
			t.Errorf("case %q: no such pattern in routes.go", tt.pattern)
		}
	}
	for p := range inTable {
		if !tried[p] {
			t.Errorf("route %q of routes.go has no case here", p)
		}
	}

	// The git content store is on, for POST /git/pull: a local repository (no remote).
	srv := servertest.New(t, func(c *server.Config) {
		repo, err := gitstore.Open(t.Context(), gitstore.Config{Dir: filepath.Join(c.DataDir, "git"), SiteURL: c.URL,
			Preset: gitstore.Presets["hugo"]})
		if err != nil {
			t.Fatal(err)
		}
		c.Git = repo
	})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		ct := resp.Header.Get("Content-Type")
		if resp.StatusCode != tt.status || !strings.HasPrefix(ct, tt.contentType) {
			t.Errorf("%s %s (%s): %d %q, want %d %q", tt.method, tt.path, tt.pattern, resp.StatusCode, ct, tt.status, tt.contentType)
		}
	}
}
