package server_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/servertest"
)

// get fetches path with c (nil: a visitor without cookies) and returns the body.
func get(t *testing.T, s *servertest.Server, c *http.Client, path string) (*http.Response, string) {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
	req.Header.Set("Accept", "text/html")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// studioPosts creates a public post, a draft and a private post through Micropub.
func studioPosts(t *testing.T, s *servertest.Server) {
	t.Helper()
	tok := s.IssueToken(t, "create")
	for _, form := range []string{
		"h=entry&content=Public+words",
		"h=entry&content=Draft+words&post-status=draft",
		"h=entry&content=Private+words&visibility=private",
	} {
		if resp, body := s.PostForm(t, "/micropub", tok, form); resp.StatusCode != http.StatusCreated {
			t.Fatalf("create %s: %d %s", form, resp.StatusCode, body)
		}
	}
}

// TestOwnerOnSite checks the website as a visitor and as the signed-in owner: the
// footer's Sign in link, the owner's bar with a working Sign out, drafts and private
// posts in listings, marked, with Edit / Delete on each post.
func TestOwnerOnSite(t *testing.T) {
	s := servertest.New(t)
	studioPosts(t, s)
	ownerClient := s.OwnerClient(t)

	_, visitor := get(t, s, nil, "/")
	if !strings.Contains(visitor, `href="`+s.URL+`/login" rel="nofollow">Sign in</a>`) {
		t.Errorf("visitor's home page has no Sign in link in the footer:\n%s", visitor)
	}
	for _, hidden := range []string{"owner-bar", "Draft words", "Private words", "Edit</a>", "Sign out"} {
		if strings.Contains(visitor, hidden) {
			t.Errorf("visitor's home page shows %q", hidden)
		}
	}

	_, own := get(t, s, ownerClient, "/")
	for _, want := range []string{
		`<nav class="owner-bar" aria-label="Owner">`,
		`<a href="` + s.URL + `/admin/tokens">Apps</a>`,
		"Sign out</button>",
		"Public words", "Draft words", "Private words",
		`<span class="badge">Draft</span>`, `<span class="badge">private</span>`,
	} {
		if !strings.Contains(own, want) {
			t.Errorf("owner's home page lacks %q", want)
		}
	}
	if strings.Contains(own, ">Sign in</a>") {
		t.Error("owner's home page still offers Sign in")
	}
	if n := strings.Count(own, ">Edit</a> · <a href="); n != 3 {
		t.Errorf("owner's home page: %d posts with Edit / Delete, want 3", n)
	}

	// Each post's own page has the controls too.
	entry := regexp.MustCompile(`href="` + regexp.QuoteMeta(s.URL) + `/admin/posts/edit\?url=([^"]+)"`).FindStringSubmatch(own)
	if entry == nil {
		t.Fatal("no Edit link on the owner's home page")
	}
	postURL, _ := url.QueryUnescape(entry[1])
	_, page := get(t, s, ownerClient, strings.TrimPrefix(postURL, s.URL))
	if !strings.Contains(page, `class="owner-controls"`) || !strings.Contains(page, "owner-bar") {
		t.Errorf("owner's view of %s lacks the bar or the controls", postURL)
	}

	// Sign out from the bar's form: the next page is a visitor's again.
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(own)
	resp, err := ownerClient.PostForm(s.URL+"/logout", url.Values{"csrf": {csrf[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out from the bar: %d, want 303", resp.StatusCode)
	}
	if _, after := get(t, s, ownerClient, "/"); strings.Contains(after, "owner-bar") || strings.Contains(after, "Draft words") {
		t.Error("after signing out the home page still shows the owner's view")
	}
}

// TestOwnerViewNeverCached checks that the public page cache never gives the owner's
// view to a visitor nor a visitor's view to the owner, whichever asks first.
func TestOwnerViewNeverCached(t *testing.T) {
	s := servertest.New(t)
	studioPosts(t, s)
	ownerClient := s.OwnerClient(t)
	for _, path := range []string{"/", "/tags/"} {
		for _, ownerFirst := range []bool{true, false} {
			for i := range 2 {
				order := []*http.Client{nil, ownerClient}
				if ownerFirst {
					order = []*http.Client{ownerClient, nil}
				}
				for _, c := range order {
					resp, body := get(t, s, c, path)
					isOwner := c != nil
					if got := strings.Contains(body, "owner-bar"); got != isOwner {
						t.Errorf("%s (round %d, owner first %t): owner=%t got owner bar %t", path, i, ownerFirst, isOwner, got)
					}
					if isOwner && path == "/" && !strings.Contains(body, "Draft words") {
						t.Errorf("%s: the owner got a visitor's listing", path)
					}
					if !isOwner && strings.Contains(body, "Draft words") {
						t.Errorf("%s: a visitor got the owner's listing", path)
					}
					if isOwner && !strings.Contains(resp.Header.Get("Cache-Control"), "private") {
						t.Errorf("%s: owner's page Cache-Control %q, want private", path, resp.Header.Get("Cache-Control"))
					}
				}
			}
		}
	}
}

// TestOwnerPagesThemed checks that /login and the owner's pages wear the site's
// stylesheet and lead back to the site, and that the owner's pages show the owner's bar.
func TestOwnerPagesThemed(t *testing.T) {
	s := servertest.New(t)
	_, login := get(t, s, nil, "/login")
	ownerClient := s.OwnerClient(t)
	_, tokens := get(t, s, ownerClient, "/admin/tokens")
	for name, page := range map[string]string{"/login": login, "/admin/tokens": tokens} {
		for _, want := range []string{`<link rel="stylesheet" href="` + s.URL + `/style.css">`, `href="` + s.URL + `/">← Back to the site</a>`} {
			if !strings.Contains(page, want) {
				t.Errorf("%s lacks %s", name, want)
			}
		}
	}
	if !strings.Contains(tokens, `<nav class="owner-bar" aria-label="Owner">`) {
		t.Error("/admin/tokens has no owner's bar")
	}
	if strings.Contains(login, "owner-bar") {
		t.Error("/login shows the owner's bar to a visitor")
	}
	resp, _ := get(t, s, nil, "/style.css")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /style.css: %d", resp.StatusCode)
	}
}

// TestDeleteFromStudio follows a post's Delete link as the owner: the page asks to
// confirm, the form deletes the post (410 for visitors, 400 from q=source, as a Micropub
// delete), the page confirms it and offers Undelete, which brings the post back. A
// visitor is sent to sign in, and a form without its CSRF token is refused with the
// themed page and changes nothing.
func TestDeleteFromStudio(t *testing.T) {
	s := servertest.New(t)
	tok := s.IssueToken(t, "create update")
	resp, body := s.PostForm(t, "/micropub", tok, "h=entry&content=Short+lived")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	postURL := resp.Header.Get("Location")
	path := strings.TrimPrefix(postURL, s.URL)
	ownerClient := s.OwnerClient(t)
	confirmPath := "/admin/posts/delete?url=" + url.QueryEscape(postURL)

	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, _ := get(t, s, noFollow, confirmPath); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("visitor GET %s: %d to %q, want 303 to /login", confirmPath, resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := get(t, s, ownerClient, confirmPath)
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if csrf == nil || !strings.Contains(page, `action="/admin/posts/delete"`) {
		t.Fatalf("confirmation page has no delete form:\n%s", page)
	}

	post := func(c *http.Client, action string, form url.Values) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodPost, s.URL+action, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "text/html")
		if c == nil {
			c = http.DefaultClient
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	status := func() int {
		resp, _ := get(t, s, nil, path)
		return resp.StatusCode
	}

	// Without the CSRF token, and from a visitor: refused, nothing changed.
	if resp, body := post(ownerClient, "/admin/posts/delete", url.Values{"url": {postURL}}); resp.StatusCode != http.StatusForbidden ||
		!strings.Contains(body, "CSRF") || !strings.Contains(body, "style.css") {
		t.Errorf("delete without CSRF: %d, want 403 with the themed page:\n%s", resp.StatusCode, body)
	}
	// A visitor's browser is sent to sign in (TestOwnerRoutesRefuse).
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, _ := post(noRedirect, "/admin/posts/delete", url.Values{"url": {postURL}, "csrf": {csrf[1]}}); resp.StatusCode != http.StatusSeeOther ||
		!strings.HasSuffix(resp.Header.Get("Location"), "/login") {
		t.Errorf("visitor's delete: %d to %q, want 303 to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := status(); got != http.StatusOK {
		t.Fatalf("after refused deletes the post answers %d, want 200", got)
	}

	resp, _ = post(ownerClient, "/admin/posts/delete", url.Values{"url": {postURL}, "csrf": {csrf[1]}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d, want 303", resp.StatusCode)
	}
	_, done := get(t, s, ownerClient, resp.Header.Get("Location"))
	if !strings.Contains(done, `id="done"`) || !strings.Contains(done, `action="/admin/posts/undelete"`) {
		t.Errorf("after deleting, the page confirms nothing or offers no Undelete:\n%s", done)
	}
	if got := status(); got != http.StatusGone {
		t.Errorf("deleted post answers %d, want 410", got)
	}
	if resp, _ := s.Get(t, "/micropub?q=source&url="+url.QueryEscape(postURL), tok); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("q=source of the deleted post: %d, want 400", resp.StatusCode)
	}

	resp, _ = post(ownerClient, "/admin/posts/undelete", url.Values{"url": {postURL}, "csrf": {csrf[1]}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("undelete: %d, want 303", resp.StatusCode)
	}
	if got := status(); got != http.StatusOK {
		t.Errorf("undeleted post answers %d, want 200", got)
	}
	if resp, body := s.Get(t, "/micropub?q=source&url="+url.QueryEscape(postURL), tok); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Short lived") {
		t.Errorf("q=source of the undeleted post: %d %s", resp.StatusCode, body)
	}
}
