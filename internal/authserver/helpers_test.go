package authserver_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/fixture"

	"golang.org/x/net/html"

	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

const ownerPassword = "correct horse battery staple"

// clock is a settable clock shared by the server under test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// site is indiepub under test, with the owner's password set.
type site struct {
	*servertest.Server
	clock *clock
}

func newSite(t *testing.T) *site {
	t.Helper()
	clk := &clock{now: time.Now()}
	srv := servertest.New(t, func(c *server.Config) {
		c.AllowPrivateFetch = true
		c.Now = clk.Now
	})
	hash, err := owner.HashPassword(ownerPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.DB.SetOwnerPassword(context.Background(), hash, time.Now()); err != nil {
		t.Fatal(err)
	}
	return &site{Server: srv, clock: clk}
}

// app is a client application's website, standing in for its real client_id.
type app struct {
	*httptest.Server
	// page is served at the client_id path; kind is "json" for a client metadata
	// document, "html" for a page, set before the first request.
	path, kind, page string
	links            []string
}

// newApp starts a client site whose client_id is its URL + path. page may contain
// {{base}}, replaced with the server's URL.
func newApp(t *testing.T, path, kind, page string) *app {
	t.Helper()
	a := &app{path: path, kind: kind, page: page}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != a.path {
			io.WriteString(w, "callback")
			return
		}
		for _, l := range a.links {
			w.Header().Add("Link", l)
		}
		if a.kind == "json" {
			w.Header().Set("Content-Type", "application/json")
		} else {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		io.WriteString(w, strings.ReplaceAll(a.page, "{{base}}", a.URL))
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *app) clientID() string { return a.URL + a.path }

// metadataDoc returns a client metadata document for client_id {{base}}+path.
func metadataDoc(path, name string, redirects ...string) string {
	doc := map[string]any{"client_id": "{{base}}" + path, "client_name": name, "client_uri": "{{base}}/",
		"logo_uri": "{{base}}/logo.png", "redirect_uris": redirects}
	b, _ := json.Marshal(doc)
	return string(b)
}

func hApp(name string) string {
	return `<!doctype html><html><head><title>x</title></head><body>
<div class="h-app"><img class="u-logo" src="/logo.png" alt=""><a class="u-url p-name" href="/">` + name + `</a></div></body></html>`
}

// browser is the owner's browser: it keeps cookies and does not follow redirects, so tests
// see each one.
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	req.Header.Set("Accept", "text/html")
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) get(u string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(u string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// follow resolves a Location header against the request URL.
func follow(t *testing.T, resp *http.Response) string {
	t.Helper()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("%s %s: status %d, no Location: %v", resp.Request.Method, resp.Request.URL, resp.StatusCode, err)
	}
	return loc.String()
}

// login signs the browser in through the login page the site redirects to.
func (b *browser) login(s *site, password string) {
	b.t.Helper()
	resp, body := b.get(s.URL + "/login?next=/admin/tokens")
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("GET /login: %d %s", resp.StatusCode, body)
	}
	f := formFields(b.t, body, "/login")
	f.Set("password", password)
	resp, body = b.post(s.URL+"/login", f)
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("POST /login: %d, want 303; %s", resp.StatusCode, body)
	}
}

// authorize walks the browser through an authorization request: sign in if asked, then
// the consent page, unticking the scopes in untick; it returns the redirect to the client.
func (b *browser) authorize(s *site, query string, untick ...string) *url.URL {
	b.t.Helper()
	resp, body := b.consent(s, query)
	f := formFields(b.t, body, "/auth")
	for _, sc := range untick {
		vals := f["scopes"]
		for i, v := range vals {
			if v == sc {
				f["scopes"] = append(vals[:i:i], vals[i+1:]...)
				break
			}
		}
	}
	if strings.Contains(body, `id="allow-no-pkce"`) {
		f.Set("allow_no_pkce", "1")
	}
	f.Set("decision", "approve")
	resp, body = b.post(s.URL+"/auth", f)
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("POST /auth (approve): %d, want 302; %s", resp.StatusCode, body)
	}
	u, err := url.Parse(follow(b.t, resp))
	if err != nil {
		b.t.Fatal(err)
	}
	return u
}

// consent opens the authorization URL and signs in if needed, returning the consent page.
func (b *browser) consent(s *site, query string) (*http.Response, string) {
	b.t.Helper()
	resp, body := b.get(s.URL + "/auth?" + query)
	if resp.StatusCode == http.StatusSeeOther {
		next := follow(b.t, resp)
		if !strings.Contains(next, "/login") {
			b.t.Fatalf("GET /auth redirected to %s, want the login page", next)
		}
		b.login(s, ownerPassword)
		resp, body = b.get(s.URL + "/auth?" + query)
	}
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("GET /auth?%s: %d, want the consent page; %s", query, resp.StatusCode, body)
	}
	return resp, body
}

// formFields reads the form with that action as a browser would submit it untouched:
// hidden and text inputs, ticked checkboxes and the selected options.
func formFields(t *testing.T, page, action string) url.Values {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	v := url.Values{}
	var form *html.Node
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.Data == "form" && attrOf(n, "action") == action {
			form = n
			break
		}
	}
	if form == nil {
		t.Fatalf("no form with action %s in page:\n%s", action, page)
	}
	for n := range form.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		name := attrOf(n, "name")
		switch {
		case n.Data == "input" && attrOf(n, "type") == "checkbox":
			if hasAttr(n, "checked") {
				v.Add(name, attrOf(n, "value"))
			}
		case n.Data == "input" && attrOf(n, "type") != "submit" && name != "":
			v.Add(name, attrOf(n, "value"))
		case n.Data == "option" && hasAttr(n, "selected"):
			v.Add("expiry", attrOf(n, "value"))
		}
	}
	return v
}

func attrOf(n *html.Node, k string) string {
	for _, a := range n.Attr {
		if a.Key == k {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, k string) bool {
	for _, a := range n.Attr {
		if a.Key == k {
			return true
		}
	}
	return false
}

// postToken posts a form body as it is, with an optional Accept header, and decodes JSON.
func postToken(t *testing.T, endpoint, body, accept, bearer string) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	m := map[string]any{}
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("POST %s: body %q is not JSON: %v", endpoint, raw, err)
		}
	}
	return resp.StatusCode, m, resp.Header
}

func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// authQuery builds a standard authorization request.
func authQuery(a *app, redirect, scope, verifier, state, me string) string {
	v := url.Values{"response_type": {"code"}, "client_id": {a.clientID()}, "redirect_uri": {redirect},
		"state": {state}, "me": {me}}
	if scope != "" {
		v.Set("scope", scope)
	}
	if verifier != "" {
		v.Set("code_challenge", challenge(verifier))
		v.Set("code_challenge_method", "S256")
	}
	return v.Encode()
}

func readFixture(t testing.TB, name string) string {
	t.Helper()
	return string(fixture.Read(t, name))
}

var (
	clientHostRE = regexp.MustCompile(`https?(://|%3A%2F%2F)[a-z]+\.example\.com`)
	siteHostRE   = regexp.MustCompile(`(://|%3A%2F%2F)example\.com`)
	codeRE       = regexp.MustCompile(`(^|&)code=[^&]*`)
)

// rewriteHosts points a fixture's example.com hosts at the local servers, keeping its
// encoding (percent-encoded or raw) and, for the site, the scheme the client wrote.
func rewriteHosts(s string, a *app, siteURL string) string {
	appHost := strings.TrimPrefix(a.URL, "http://")
	siteHost := strings.TrimSuffix(strings.TrimPrefix(siteURL, "http://"), "/")
	s = clientHostRE.ReplaceAllStringFunc(s, func(m string) string {
		if strings.Contains(m, "%3A%2F%2F") {
			return "http%3A%2F%2F" + url.QueryEscape(appHost)
		}
		return "http://" + appHost
	})
	return siteHostRE.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(m, "%3A") {
			return "%3A%2F%2F" + url.QueryEscape(siteHost)
		}
		return "://" + siteHost
	})
}

// replaceCode puts code into a token form where the client's code was, unencoded, as
// clients insert it.
func replaceCode(form, code string) string {
	return codeRE.ReplaceAllStringFunc(form, func(m string) string {
		prefix, _, _ := strings.Cut(m, "code=")
		return prefix + "code=" + code
	})
}
