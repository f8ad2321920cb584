package visitor_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/visitor"
)

// TestLimitedPost: a post with an audience is shown in full, marked limited, only to a
// listed visitor once signed in (with profile only, through B's real consent page); it is
// a 404 to everyone else and absent from listings and feeds; the owner's token still reads
// it with q=source.
func TestLimitedPost(t *testing.T) {
	a := newSite(t)
	b := newSite(t)
	limited := a.post(t, "h=entry&content=Only+for+you.&audience[]="+url.QueryEscape(b.Cfg.URL))
	public := a.post(t, "h=entry&content=For+everyone.")

	br := newBrowser(t, b.OwnerClient(t))
	if resp, body := br.get(limited); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Only for you.") {
		t.Fatalf("the limited post before sign-in: %d, want 404", resp.StatusCode)
	}
	// The sign-in form is on every post page; to read, a visitor asks for profile only.
	resp, body := br.signIn(public, b.URL, "scope", "profile", "return", limited)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in to read: %d %s", resp.StatusCode, body)
	}
	auth, _ := url.Parse(resp.Header.Get("Location"))
	if got := auth.Query().Get("scope"); got != "profile" {
		t.Errorf("scope asked = %q, want profile", got)
	}
	resp, _ = br.get(br.consent(auth.String(), "approve"))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != limited {
		t.Fatalf("callback: %d to %q, want back to the limited post", resp.StatusCode, resp.Header.Get("Location"))
	}
	if sess := br.session(a); sess.Token != "" || sess.Me != b.Cfg.URL {
		t.Errorf("a profile-only sign-in holds %+v, want B's me and no token", sess)
	}
	if known, err := a.DB.IsVisitorDomain(t.Context(), "127.0.0.1"); err != nil || known {
		t.Errorf("without ApproveVisitorMentions the visitor's host is remembered: %v %v", known, err)
	}
	resp, body = br.get(limited)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Only for you.") || !strings.Contains(body, `id="limited"`) {
		t.Fatalf("the limited post for its audience: %d, want it in full and marked limited:\n%s", resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "private") {
		t.Errorf("the limited post's Cache-Control %q, want private", cc)
	}
	if strings.Contains(body, `id="respond-like"`) {
		t.Error("a visitor signed in to read only is offered to respond")
	}

	someone := signedIn(t, a, &visitor.Session{Me: "https://someone.example/"})
	if resp, _ := someone.get(limited); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the limited post for a visitor not in its audience: %d, want 404", resp.StatusCode)
	}
	for _, path := range []string{"/", "/feed.atom", "/feed.rss", "/feed.json"} {
		_, body := br.get(a.URL + path)
		if strings.Contains(body, "Only for you.") || strings.Contains(body, limited) {
			t.Errorf("%s lists the limited post", path)
		}
		if !strings.Contains(body, public) {
			t.Errorf("%s does not list the public post", path)
		}
	}
	resp2, src := a.Get(t, "/micropub?q=source&url="+url.QueryEscape(limited), a.IssueToken(t, "update"))
	var item struct {
		Properties map[string][]any `json:"properties"`
	}
	json.Unmarshal(src, &item)
	if resp2.StatusCode != http.StatusOK || len(item.Properties["audience"]) != 1 {
		t.Errorf("q=source with the owner's token (update): %d %s, want the post and its audience", resp2.StatusCode, src)
	}
	if resp, _ := a.Get(t, "/micropub?q=source&url="+url.QueryEscape(limited), a.IssueToken(t, "create")); resp.StatusCode < 400 {
		t.Errorf("q=source with a token that may read only public posts: %d, want refused", resp.StatusCode)
	}
}

// TestClientIdentity: indiepub's client_id is the home page: a client metadata document
// for those who ask for JSON, an h-app and rel="redirect_uri" for the others.
func TestClientIdentity(t *testing.T) {
	a := newSite(t)
	req, _ := http.NewRequest(http.MethodGet, a.URL+"/", nil)
	req.Header.Set("Accept", "application/json, text/html;q=0.9, */*;q=0.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ClientID     string   `json:"client_id"`
		ClientName   string   `json:"client_name"`
		ClientURI    string   `json:"client_uri"`
		RedirectURIs []string `json:"redirect_uris"`
	}
	body := readAll(t, resp)
	if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.ClientID != a.Cfg.URL || doc.ClientName == "" ||
		len(doc.RedirectURIs) != 1 || doc.RedirectURIs[0] != a.Cfg.URL+"visitor/callback" {
		t.Errorf("client metadata document: %s (%v)", body, err)
	}
	_, page := a.Get(t, "/", "")
	for _, want := range []string{`class="h-app"`, `<link rel="redirect_uri" href="` + a.Cfg.URL + `visitor/callback">`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the home page lacks %s", want)
		}
	}
}
