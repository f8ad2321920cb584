package visitor_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/visitor"
)

// signedIn returns a browser holding a visitor cookie for s, sealed by the test with s's
// key: the visitor's servers are the real ones of b.
func signedIn(t *testing.T, s *site, sess *visitor.Session) *browser {
	t.Helper()
	br := newBrowser(t, nil)
	if sess.Expires == 0 {
		sess.Expires = time.Now().Add(time.Hour).Unix()
	}
	if sess.CSRF == "" {
		sess.CSRF = "csrf-of-the-test"
	}
	u, _ := url.Parse(s.URL)
	br.Jar.SetCookies(u, []*http.Cookie{{Name: "indiepub_visitor", Value: visitor.EncodeSession(s.box, sess), Path: "/"}})
	return br
}

// TestRespondFailures: what the visitor's server answers is shown, never swallowed: 401 or
// 403 asks to sign in again (a 401 also ends the sign-in), other errors show their
// message; a stale form is refused on indiepub's side.
func TestRespondFailures(t *testing.T) {
	a := newSite(t)
	b := newSite(t)
	aPost := a.post(t, "h=entry&content=Hello")
	like := url.Values{"url": {aPost}, "kind": {"like"}, "csrf": {"csrf-of-the-test"}}
	tests := []struct {
		name     string
		sess     visitor.Session
		form     url.Values
		status   int
		title    string
		contains string
	}{
		{"token unknown to their server", visitor.Session{Token: "not-a-token", Micropub: b.URL + "/micropub"},
			like, http.StatusUnauthorized, "Sign in again", "invalid token"},
		{"token without create", visitor.Session{Token: b.IssueToken(t, "media"), Micropub: b.URL + "/micropub"},
			like, http.StatusUnauthorized, "Sign in again", "create"},
		{"their error message", visitor.Session{Token: b.IssueToken(t, "create"), Micropub: b.URL + "/token"},
			like, http.StatusBadGateway, "Your website refused", "grant_type"},
		{"their server unreachable", visitor.Session{Token: "t", Micropub: closedURL(t) + "micropub"},
			like, http.StatusServiceUnavailable, "Your website could not be reached", ""},
		{"stale form", visitor.Session{Token: "t", Micropub: b.URL + "/micropub"},
			url.Values{"url": {aPost}, "kind": {"like"}, "csrf": {"another"}}, http.StatusForbidden, "The form has expired", ""},
		{"signed in to read only", visitor.Session{Micropub: b.URL + "/micropub"},
			like, http.StatusForbidden, "Sign in again to respond", ""},
		{"empty reply", visitor.Session{Token: "t", Micropub: b.URL + "/micropub"},
			url.Values{"url": {aPost}, "kind": {"reply"}, "csrf": {"csrf-of-the-test"}}, http.StatusBadRequest, "Bad request", "text"},
		{"another site's post", visitor.Session{Token: "t", Micropub: b.URL + "/micropub"},
			url.Values{"url": {b.URL + "/x"}, "kind": {"like"}, "csrf": {"csrf-of-the-test"}}, http.StatusBadRequest, "Bad request", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.sess.Me = b.Cfg.URL
			br := signedIn(t, a, &tt.sess)
			resp, body := br.post(a.URL+"/visitor/respond", tt.form)
			wantNotice(t, tt.name, resp, body, tt.status, tt.title)
			if !strings.Contains(body, tt.contains) {
				t.Errorf("%s: the page does not say %q:\n%s", tt.name, tt.contains, body)
			}
			if gone := br.cookie(a.URL, "indiepub_visitor") == ""; gone != (resp.StatusCode == http.StatusUnauthorized && tt.name == "token unknown to their server") {
				t.Errorf("%s: cookie cleared %v", tt.name, gone)
			}
		})
	}
	t.Run("not signed in", func(t *testing.T) {
		resp, body := newBrowser(t, nil).post(a.URL+"/visitor/respond", like)
		wantNotice(t, "respond without a cookie", resp, body, http.StatusUnauthorized, "Sign in again")
	})
}
