package visitor_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/server"
)

var timeNow = time.Now

// TestRespondFromYourOwnSite is the whole story with two real indiepub servers: the
// visitor, owner of B, signs in to A with B's address, approving on B's own consent page;
// replies and likes under A's post; the reply and the like are posts on B, whose
// webmentions bring them back under A's post; signing out revokes the token on B; and
// A's data directory holds no trace of the token.
func TestRespondFromYourOwnSite(t *testing.T) {
	a := newSite(t, func(c *server.Config) { c.ApproveVisitorMentions = true })
	b := newSite(t)
	aPost := a.post(t, "h=entry&content=What+do+you+think%3F")
	br := newBrowser(t, b.OwnerClient(t))

	resp, page := br.signIn(aPost, b.URL)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), b.URL+"/auth?") {
		t.Fatalf("sign in with %s: %d to %q, want 303 to B's authorization endpoint; %s", b.URL, resp.StatusCode,
			resp.Header.Get("Location"), page)
	}
	auth, _ := url.Parse(resp.Header.Get("Location"))
	q := auth.Query()
	for k, want := range map[string]string{"client_id": a.Cfg.URL, "redirect_uri": a.Cfg.URL + "visitor/callback",
		"code_challenge_method": "S256", "scope": "profile create", "response_type": "code"} {
		if q.Get(k) != want {
			t.Errorf("authorization request %s = %q, want %q", k, q.Get(k), want)
		}
	}
	if q.Get("state") == "" || len(q.Get("code_challenge")) != 43 {
		t.Errorf("authorization request without state or an S256 challenge: %s", auth.RawQuery)
	}
	back := br.consent(auth.String(), "approve")
	if !strings.HasPrefix(back, a.Cfg.URL+"visitor/callback?") {
		t.Fatalf("B sent the visitor to %s, want A's callback", back)
	}
	resp, page = br.get(back)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != aPost {
		t.Fatalf("callback: %d to %q, want 303 back to the post; %s", resp.StatusCode, resp.Header.Get("Location"), page)
	}
	sess := br.session(a)
	if sess.Me != b.Cfg.URL || sess.Token == "" || sess.Micropub != b.Cfg.URL+"micropub" {
		t.Fatalf("session %+v, want B's me, a token and B's micropub endpoint", sess)
	}

	if known, err := a.DB.IsVisitorDomain(t.Context(), "127.0.0.1"); err != nil || !known {
		t.Errorf("with ApproveVisitorMentions the visitor's host is not remembered: %v %v", known, err)
	}
	_, page = br.get(aPost)
	if !strings.Contains(page, "Signed in as") {
		t.Fatalf("the post page does not show the signed-in visitor:\n%s", page)
	}
	replyAt := respond(t, br, page, "respond-reply", "content", "Fine by me, from my own site.")
	likeAt := respond(t, br, page, "respond-like")
	for at, prop := range map[string]string{replyAt: "in-reply-to", likeAt: "like-of"} {
		props := source(t, b, at)
		if got := props[prop]; len(got) != 1 || citedURL(got[0]) != aPost {
			t.Errorf("B's post %s: %s = %v, want [%s]", at, prop, got, aPost)
		}
	}

	// B's job runner sends the webmentions; A verifies them and, the visitor's host being
	// one that signed in (ApproveVisitorMentions), shows them at once.
	deadline := time.Now().Add(90 * time.Second) // generous: the machine may be busy
	for {
		_, got := a.Get(t, aPost, "")
		page = string(got)
		if strings.Contains(page, "Fine by me, from my own site.") && strings.Contains(page, likeAt) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 90 s A's post does not show B's reply and like:\n%s", page)
		}
		time.Sleep(200 * time.Millisecond)
	}

	_, page = br.get(aPost)
	action, f := form(t, page, "visitor-signout")
	resp, _ = br.post(action, f)
	if resp.StatusCode != http.StatusSeeOther || br.cookie(a.URL, "indiepub_visitor") != "" {
		t.Fatalf("sign out: %d, cookie %q; want 303 and no cookie", resp.StatusCode, br.cookie(a.URL, "indiepub_visitor"))
	}
	if resp, body := b.PostForm(t, "/micropub", sess.Token, "h=entry&content=after+sign-out"); resp.StatusCode < 400 || !strings.Contains(string(body), "invalid") {
		t.Errorf("B accepts the visitor's token after sign-out: %d %s", resp.StatusCode, body)
	}
	noTrace(t, a.Cfg.DataDir, sess.Token)
}

// respond submits one of the response forms of a post page and returns the Location the
// visitor's site answered, which the notice shows.
func respond(t *testing.T, br *browser, page, id string, fields ...string) string {
	t.Helper()
	action, f := form(t, page, id)
	for i := 0; i+1 < len(fields); i += 2 {
		f.Set(fields[i], fields[i+1])
	}
	resp, notice := br.post(action, f)
	if resp.StatusCode != http.StatusOK || !strings.Contains(notice, "Posted on your site") {
		t.Fatalf("%s: %d, want the notice of a post made; %s", id, resp.StatusCode, notice)
	}
	_, after, _ := strings.Cut(notice, `<ul class="notice-links">`)
	_, href, _ := strings.Cut(after, `href="`)
	loc, _, _ := strings.Cut(href, `"`)
	if loc == "" {
		t.Fatalf("%s: the notice names no Location:\n%s", id, notice)
	}
	return loc
}

// citedURL is the URL a response property names: the value itself, or the url of the
// h-cite that B's reply contexts make of it.
func citedURL(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	m, _ := v.(map[string]any)
	props, _ := m["properties"].(map[string]any)
	urls, _ := props["url"].([]any)
	if len(urls) == 0 {
		return ""
	}
	s, _ := urls[0].(string)
	return s
}

// source reads a post's properties through Micropub q=source on its site.
func source(t *testing.T, s *site, postURL string) map[string][]any {
	t.Helper()
	resp, body := s.Get(t, "/micropub?q=source&url="+url.QueryEscape(postURL), s.IssueToken(t, "create"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("q=source %s: %d %s", postURL, resp.StatusCode, body)
	}
	var item struct {
		Properties map[string][]any `json:"properties"`
	}
	if err := json.Unmarshal(body, &item); err != nil {
		t.Fatal(err)
	}
	return item.Properties
}

// noTrace fails if any file under dir (the database, its WAL, media) holds secret.
func noTrace(t *testing.T, dir, secret string) {
	t.Helper()
	if secret == "" {
		t.Fatal("no secret to look for")
	}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s holds the visitor's token", path)
		}
		return nil
	})
}
