package visitor_test

import (
	"crypto/rand"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/indiepub/indiepub/internal/secret"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
	"github.com/indiepub/indiepub/internal/visitor"
)

// site is an indiepub under test whose visitor cookies are sealed with a key the test
// knows, so that it can open them.
type site struct {
	*servertest.Server
	box *secret.Box
}

func newSite(t *testing.T, modify ...func(*server.Config)) *site {
	t.Helper()
	key := make([]byte, secret.KeySize)
	rand.Read(key)
	box, err := secret.New(key)
	if err != nil {
		t.Fatal(err)
	}
	srv := servertest.New(t, append([]func(*server.Config){func(c *server.Config) {
		c.AllowPrivateFetch = true
		c.Secrets = box
	}}, modify...)...)
	return &site{Server: srv, box: box}
}

// post creates a note on s and returns its URL.
func (s *site) post(t *testing.T, form string) string {
	t.Helper()
	resp, body := s.PostForm(t, "/micropub", s.IssueToken(t, "create"), form)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create %s: %d %s", form, resp.StatusCode, body)
	}
	return resp.Header.Get("Location")
}

// browser is a visitor's browser: a cookie jar, redirects not followed.
type browser struct {
	t *testing.T
	*http.Client
}

func newBrowser(t *testing.T, c *http.Client) *browser {
	if c != nil {
		cc := *c
		c = &cc
	}
	if c == nil {
		jar, _ := cookiejar.New(nil)
		c = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	c.Transport = acceptHTML{}
	return &browser{t: t, Client: c}
}

// acceptHTML asks for pages, as browsers do.
type acceptHTML struct{}

func (acceptHTML) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	return http.DefaultTransport.RoundTrip(r)
}

func (b *browser) get(u string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) post(u string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.PostForm(u, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// cookie returns the value of the named cookie the browser holds for u, "" if none.
func (b *browser) cookie(u, name string) string {
	pu, _ := url.Parse(u)
	for _, c := range b.Jar.Cookies(pu) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// form reads the form with the given id, or the first whose action is id, as a browser
// would submit it untouched: its action and its inputs, ticked checkboxes and selected
// options.
func form(t *testing.T, page, id string) (action string, v url.Values) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var f *html.Node
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.Data == "form" && (attr(n, "id") == id || attr(n, "action") == id) {
			f = n
			break
		}
	}
	if f == nil {
		t.Fatalf("no form %s in page:\n%s", id, page)
	}
	v = url.Values{}
	for n := range f.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		name := attr(n, "name")
		switch {
		case n.Data == "input" && attr(n, "type") == "checkbox":
			if hasAttr(n, "checked") {
				v.Add(name, attr(n, "value"))
			}
		case n.Data == "input" && name != "":
			v.Add(name, attr(n, "value"))
		case n.Data == "option" && hasAttr(n, "selected"):
			v.Add("expiry", attr(n, "value"))
		}
	}
	return attr(f, "action"), v
}

func attr(n *html.Node, k string) string {
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

// signIn starts a sign-in on a's page at postURL with the website me, and returns the
// redirect to the visitor's authorization endpoint (or the failure page, status aside).
func (b *browser) signIn(postURL, me string, extra ...string) (*http.Response, string) {
	b.t.Helper()
	_, page := b.get(postURL)
	action, f := form(b.t, page, "visitor-signin")
	f.Set("url", me)
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return b.post(action, f)
}

// consent opens the authorization URL on the visitor's own indiepub, where its owner is
// signed in in this browser, and answers the consent page with decision; it returns the
// redirect back to the client.
func (b *browser) consent(authURL, decision string) string {
	b.t.Helper()
	resp, page := b.get(authURL)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("GET %s: %d, want the consent page; %s", authURL, resp.StatusCode, page)
	}
	action, f := form(b.t, page, "/auth")
	f.Set("decision", decision)
	u, _ := url.Parse(authURL)
	resp, page = b.post(u.Scheme+"://"+u.Host+action, f)
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("POST /auth (%s): %d, want 302; %s", decision, resp.StatusCode, page)
	}
	return resp.Header.Get("Location")
}

// session opens the browser's visitor cookie on s.
func (b *browser) session(s *site) *visitor.Session {
	b.t.Helper()
	v := b.cookie(s.URL, "indiepub_visitor")
	if v == "" {
		b.t.Fatal("no visitor cookie")
	}
	sess, err := visitor.DecodeSession(s.box, v, timeNow())
	if err != nil {
		b.t.Fatalf("open the visitor cookie: %v", err)
	}
	return sess
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
