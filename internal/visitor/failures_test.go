package visitor_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/visitor"
)

// page starts a visitor's website serving html at "/".
func page(t *testing.T, html string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, html)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// closedURL is the address of a port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/"
}

// wantNotice fails unless the answer is a themed page with status and title.
func wantNotice(t *testing.T, what string, resp *http.Response, body string, status int, title string) {
	t.Helper()
	if resp.StatusCode != status || !strings.Contains(body, `<h1 id="notice-title">`+title+`</h1>`) {
		t.Errorf("%s: %d, want %d %q; page:\n%s", what, resp.StatusCode, status, title, body)
	}
	if !strings.Contains(body, "Try again") || !strings.Contains(body, `class="site-header"`) {
		t.Errorf("%s: the page is not the site's themed page with a link to try again:\n%s", what, body)
	}
}

// TestSignInFailures: every way a sign-in fails is shown on a themed page in plain words,
// with a link back to the post to try again, and signs no one in.
func TestSignInFailures(t *testing.T) {
	a := newSite(t)
	b := newSite(t)
	aPost := a.post(t, "h=entry&content=Hello")
	bare := page(t, "<!doctype html><title>no endpoints</title><p>Just a page.</p>")
	// A website on another host that names B's authorization server: B vouches only for
	// its own site, whose me then is on another domain than the one entered.
	elsewhere := page(t, `<!doctype html><link rel="indieauth-metadata" href="`+b.URL+
		`/.well-known/oauth-authorization-server"><link rel="micropub" href="`+b.URL+`/micropub">`)

	t.Run("not a website address", func(t *testing.T) {
		resp, body := newBrowser(t, nil).signIn(aPost, "javascript:alert(1)")
		wantNotice(t, "sign in with javascript:", resp, body, http.StatusBadRequest, "That is not a website address")
	})
	t.Run("no endpoints", func(t *testing.T) {
		resp, body := newBrowser(t, nil).signIn(aPost, bare.URL)
		wantNotice(t, "sign in with a page without endpoints", resp, body, http.StatusBadRequest, "No sign-in found on your website")
	})
	t.Run("unreachable", func(t *testing.T) {
		resp, body := newBrowser(t, nil).signIn(aPost, closedURL(t))
		wantNotice(t, "sign in with a closed port", resp, body, http.StatusServiceUnavailable, "Your website could not be reached")
	})
	t.Run("denied", func(t *testing.T) {
		br := newBrowser(t, b.OwnerClient(t))
		resp, _ := br.signIn(aPost, b.URL)
		back := br.consent(resp.Header.Get("Location"), "deny")
		resp, body := br.get(back)
		wantNotice(t, "callback after deny", resp, body, http.StatusForbidden, "Sign-in denied")
		if br.cookie(a.URL, "indiepub_visitor") != "" {
			t.Error("signed in after a denial")
		}
	})
	tampered := []struct {
		name, param, value string
		title              string
	}{
		{"wrong state", "state", "not-the-state", "This sign-in cannot be finished"},
		{"wrong iss", "iss", "http://issuer.example/", "This sign-in cannot be finished"},
	}
	for _, tt := range tampered {
		t.Run(tt.name, func(t *testing.T) {
			br := newBrowser(t, b.OwnerClient(t))
			resp, _ := br.signIn(aPost, b.URL)
			back, _ := url.Parse(br.consent(resp.Header.Get("Location"), "approve"))
			q := back.Query()
			q.Set(tt.param, tt.value)
			back.RawQuery = q.Encode()
			resp, body := br.get(back.String())
			wantNotice(t, "callback with "+tt.name, resp, body, http.StatusBadRequest, tt.title)
			if br.cookie(a.URL, "indiepub_visitor") != "" {
				t.Errorf("signed in with %s", tt.name)
			}
		})
	}
	t.Run("posted from another site", func(t *testing.T) {
		for _, path := range []string{"/visitor/signin", "/visitor/respond", "/visitor/signout"} {
			req, _ := http.NewRequest(http.MethodPost, a.URL+path, strings.NewReader("url="+url.QueryEscape(b.URL)+"&return="+url.QueryEscape(aPost)))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			req.Header.Set("Accept", "text/html")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			wantNotice(t, "POST "+path+" from another site", resp, readAll(t, resp), http.StatusForbidden, "The form has expired")
		}
	})
	t.Run("not a browser", func(t *testing.T) {
		resp, body := a.PostForm(t, "/visitor/signin", "", "url="+url.QueryEscape(bare.URL))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"error":"invalid_request"`) ||
			!strings.Contains(string(body), "No sign-in found") {
			t.Errorf("sign in without asking for HTML: %d %s, want a JSON 400", resp.StatusCode, body)
		}
	})
	t.Run("no sign-in under way", func(t *testing.T) {
		resp, body := newBrowser(t, nil).get(a.URL + "/visitor/callback?code=x&state=y")
		wantNotice(t, "callback without a sign-in", resp, body, http.StatusBadRequest, "This sign-in cannot be finished")
	})
	t.Run("me on another domain", func(t *testing.T) {
		br := newBrowser(t, b.OwnerClient(t))
		resp, body := br.signIn(aPost, elsewhere.URL)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in with %s: %d %s", elsewhere.URL, resp.StatusCode, body)
		}
		back := br.consent(resp.Header.Get("Location"), "approve")
		resp, body = br.get(back)
		wantNotice(t, "callback vouching for B's site", resp, body, http.StatusForbidden, "Not signed in")
		if br.cookie(a.URL, "indiepub_visitor") != "" {
			t.Error("signed in as another domain's me")
		}
	})
}

// TestCookieRefused: a visitor cookie that was tampered with, has expired, or is another
// sealed value (the pending sign-in's) is refused, cleared, and signs no one in.
func TestCookieRefused(t *testing.T) {
	a := newSite(t)
	aPost := a.post(t, "h=entry&content=Hello")
	good := &visitor.Session{Me: "https://visitor.example/", CSRF: "c", Token: "t",
		Micropub: "https://visitor.example/micropub", Expires: time.Now().Add(time.Hour).Unix()}
	valid := visitor.EncodeSession(a.box, good)
	expired := *good
	expired.Expires = time.Now().Add(-time.Second).Unix()
	other := newSite(t)
	flip := []byte(valid)
	flip[len(flip)-5] ^= 1
	if flip[len(flip)-5] == '-' || flip[len(flip)-5] == '_' {
		flip[len(flip)-5] = 'A'
	}
	tests := []struct{ name, value string }{
		{"tampered", string(flip)},
		{"expired", visitor.EncodeSession(a.box, &expired)},
		{"another key", visitor.EncodeSession(other.box, good)},
		{"not sealed", `{"me":"https://visitor.example/","csrf":"c"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, aPost, nil)
			req.AddCookie(&http.Cookie{Name: "indiepub_visitor", Value: tt.value})
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, resp)
			cleared := false
			for _, c := range resp.Cookies() {
				cleared = cleared || (c.Name == "indiepub_visitor" && c.MaxAge < 0)
			}
			if !cleared || strings.Contains(body, "Signed in as") || !strings.Contains(body, `id="visitor-signin"`) {
				t.Errorf("%s cookie: cleared %v, page signed in %v; want cleared and the sign-in form", tt.name,
					cleared, strings.Contains(body, "Signed in as"))
			}
		})
	}
	t.Run("valid", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, aPost, nil)
		req.AddCookie(&http.Cookie{Name: "indiepub_visitor", Value: valid})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if body := readAll(t, resp); !strings.Contains(body, "Signed in as") || resp.Header.Get("Cache-Control") == "no-cache" {
			t.Errorf("a valid cookie: Cache-Control %q, page:\n%s", resp.Header.Get("Cache-Control"), body)
		}
	})
}
