package authserver_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestLoginNextStaysLocal signs in with hostile post-login destinations: each must land
// on the tokens page, never on another site, while a real local path is kept.
func TestLoginNextStaysLocal(t *testing.T) {
	s := newSite(t)
	for _, tc := range []struct{ next, want string }{
		{"/\t/evil.example/", "/admin/tokens"},
		{"/\n/evil.example/", "/admin/tokens"},
		{"/\r/evil.example/", "/admin/tokens"},
		{"/\\evil.example/", "/admin/tokens"},
		{"/x\\..\\..\\/evil.example/", "/admin/tokens"},
		{"//evil.example/", "/admin/tokens"},
		{"/%2F/evil.example/", "/admin/tokens"},
		{"/%2f/evil.example/", "/admin/tokens"},
		{"https://evil.example/", "/admin/tokens"},
		{"https:evil.example", "/admin/tokens"},
		{"/ /evil.example/", "/admin/tokens"},
		{"/\x7f/evil.example/", "/admin/tokens"},
		{"evil.example", "/admin/tokens"},
		{"/admin/tokens?x=1", "/admin/tokens?x=1"},
		{"/auth?client_id=https%3A%2F%2Fapp.example%2F&state=s", "/auth?client_id=https%3A%2F%2Fapp.example%2F&state=s"},
	} {
		b := newBrowser(t)
		_, page := b.get(s.URL + "/login?next=" + url.QueryEscape(tc.next))
		f := formFields(t, page, "/login")
		if got := f.Get("next"); got != tc.want {
			t.Errorf("login page for next=%q carries next=%q, want %q", tc.next, got, tc.want)
		}
		f.Set("next", tc.next)
		f.Set("password", ownerPassword)
		resp, body := b.post(s.URL+"/login", f)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("login with next=%q: %d %s", tc.next, resp.StatusCode, body)
		}
		if loc := resp.Header.Get("Location"); loc != tc.want {
			t.Errorf("login with next=%q redirected to %q, want %q", tc.next, loc, tc.want)
		}
		if strings.Contains(follow(t, resp), "evil.example") {
			t.Errorf("login with next=%q leaves the site: %s", tc.next, follow(t, resp))
		}
	}
}
