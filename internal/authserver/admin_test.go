package authserver_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/admin"
	"github.com/indiepub/indiepub/internal/authserver"
	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/store/sqlite"
	"github.com/indiepub/indiepub/internal/token"
)

func TestAdminTokens(t *testing.T) {
	s := newSite(t)
	quill := newApp(t, "/", "html", hApp("Quill"))
	other := newApp(t, "/id", "json", metadataDoc("/id", "Other <App>", "{{base}}/cb"))
	b := newBrowser(t)
	verifier := strings.Repeat("k", 43)
	var quillTokens []string
	for range 2 {
		code := redeemFresh(t, s, b, quill, verifier)
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {quill.clientID()},
			"redirect_uri": {quill.URL + "/cb"}, "code_verifier": {verifier}}
		_, m, _ := postToken(t, s.URL+"/token", form.Encode(), "", "")
		quillTokens = append(quillTokens, m["access_token"].(string))
	}
	code := redeemFresh(t, s, b, other, verifier)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {other.clientID()},
		"redirect_uri": {other.URL + "/cb"}, "code_verifier": {verifier}}
	_, m, _ := postToken(t, s.URL+"/token", form.Encode(), "", "")
	otherToken := m["access_token"].(string)
	s.Get(t, "/micropub?q=config", otherToken) // sets last used

	resp, page := b.get(s.URL + "/admin/tokens")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/tokens: %d", resp.StatusCode)
	}
	for _, want := range []string{"<h2>Quill</h2>", "<h2>Other &lt;App&gt;</h2>", quill.clientID(), "create"} {
		if !strings.Contains(page, want) {
			t.Errorf("tokens page lacks %q", want)
		}
	}
	if n := strings.Count(page, `action="/admin/tokens/revoke"`); n != 3 {
		t.Errorf("tokens page has %d revoke buttons, want 3", n)
	}
	if strings.Contains(page, "<script") {
		t.Errorf("tokens page has a script")
	}
	// The other app's token shows when it was last used.
	if !regexp.MustCompile(`(?s)Other &lt;App&gt;.*?<td>create</td><td>[^<]+</td><td>\d{4}-\d\d-\d\d`).MatchString(page) {
		t.Errorf("last used time not shown for the used token:\n%s", page)
	}

	// Revoke the other app's single token, without and then with CSRF.
	var revokeOther url.Values
	doc := page
	for _, f := range regexp.MustCompile(`(?s)<form class="inline" method="post" action="/admin/tokens/revoke">.*?</form>`).FindAllString(doc, -1) {
		v := formFields(t, f, "/admin/tokens/revoke")
		tk, _ := s.DB.TokenByHash(context.Background(), token.Hash(otherToken))
		if v.Get("id") == strconv.FormatInt(tk.ID, 10) {
			revokeOther = v
		}
	}
	if revokeOther == nil {
		t.Fatal("no revoke form for the other app's token")
	}
	noCSRF := url.Values{"id": {revokeOther.Get("id")}}
	if resp, _ := b.post(s.URL+"/admin/tokens/revoke", noCSRF); resp.StatusCode != http.StatusForbidden {
		t.Errorf("revoke without CSRF: %d, want 403", resp.StatusCode)
	}
	if resp, _ := s.Get(t, "/micropub?q=config", otherToken); resp.StatusCode != http.StatusOK {
		t.Fatalf("token dead before revocation: %d", resp.StatusCode)
	}
	if resp, _ := b.post(s.URL+"/admin/tokens/revoke", revokeOther); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if resp, _ := s.Get(t, "/micropub?q=config", otherToken); resp.StatusCode < 400 {
		t.Errorf("token revoked on the page still works: %d", resp.StatusCode)
	}

	// Revoke all of Quill's.
	_, page = b.get(s.URL + "/admin/tokens")
	all := formFields(t, page, "/admin/tokens/revoke-client")
	if all.Get("client_id") != quill.clientID() {
		t.Fatalf("revoke-all form is for %q", all.Get("client_id"))
	}
	if resp, _ := b.post(s.URL+"/admin/tokens/revoke-client", all); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke all: %d", resp.StatusCode)
	}
	for _, tk := range quillTokens {
		if resp, _ := s.Get(t, "/micropub?q=config", tk); resp.StatusCode < 400 {
			t.Errorf("Quill token survived revoke-all: %d", resp.StatusCode)
		}
	}
	if _, page = b.get(s.URL + "/admin/tokens"); !strings.Contains(page, `id="no-tokens"`) {
		t.Errorf("tokens page still lists tokens after revoking all")
	}
}

// TestSetupLink: a fresh install writes a one-time link to a file only its user can read,
// and logs where the file is, never the link; the link sets the password once and signs
// the owner in, and its file goes.
func TestSetupLink(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var logs bytes.Buffer
	mux := http.NewServeMux()
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	linkFile := filepath.Join(t.TempDir(), "setup-link")
	own := owner.New(owner.Config{URL: ts.URL + "/", Logger: logger, SetupLinkFile: linkFile}, db)
	server.Routes{
		Owner: own,
		AuthServer: authserver.New(authserver.Config{
			PageConfig: owner.PageConfig{URL: ts.URL + "/", Logger: logger},
			Verifier:   &token.Local{Store: db},
			Fetch:      indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: true}),
		}, db, own),
		Admin: admin.New(admin.Config{PageConfig: owner.PageConfig{URL: ts.URL + "/", Logger: logger}}, db, own, nil),
	}.Mount(mux)
	if err := own.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	written, err := os.ReadFile(linkFile)
	if err != nil {
		t.Fatalf("no setup link written: %v", err)
	}
	if fi, err := os.Stat(linkFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("setup link file: %v, mode %v, want 0600", err, fi.Mode())
	}
	link := regexp.MustCompile(`^(\S+/setup\?token=(\S+))\n$`).FindStringSubmatch(string(written))
	if link == nil {
		t.Fatalf("setup link file holds %q, want the link and a newline", written)
	}
	if strings.Contains(logs.String(), link[2]) {
		t.Errorf("the setup link's token is in the log: %q", logs.String())
	}
	if !strings.Contains(logs.String(), linkFile) {
		t.Errorf("the log does not say where the setup link is: %q", logs.String())
	}
	b := newBrowser(t)
	if resp, page := b.get(ts.URL + "/login"); !strings.Contains(page, "No password is set") {
		t.Errorf("login page before setup: %d, want the no-password notice", resp.StatusCode)
	}
	resp, page := b.get(link[1])
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET setup link: %d %s", resp.StatusCode, page)
	}
	f := formFields(t, page, "/setup")
	f.Set("password", "a fine long password")
	f.Set("confirm", "a fine long passwore")
	if resp, _ := b.post(ts.URL+"/setup", f); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("mismatched passwords: %d, want 400", resp.StatusCode)
	}
	f.Set("confirm", "a fine long password")
	noCSRF := url.Values{"token": {f.Get("token")}, "password": {"a fine long password"}, "confirm": {"a fine long password"}}
	if resp, _ := b.post(ts.URL+"/setup", noCSRF); resp.StatusCode != http.StatusForbidden {
		t.Errorf("setup without CSRF: %d, want 403", resp.StatusCode)
	}
	resp, _ = b.post(ts.URL+"/setup", f)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup: %d", resp.StatusCode)
	}
	if resp, _ := b.get(ts.URL + "/admin/tokens"); resp.StatusCode != http.StatusOK {
		t.Errorf("signed in after setup: %d", resp.StatusCode)
	}
	if _, err := os.Stat(linkFile); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the used setup link's file: %v, want it gone", err)
	}
	if resp, _ := newBrowser(t).get(link[1]); resp.StatusCode != http.StatusNotFound {
		t.Errorf("setup link reused: %d, want 404", resp.StatusCode)
	}
	hash, err := db.OwnerPassword(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := owner.CheckPassword(hash, "a fine long password"); !ok {
		t.Errorf("stored password does not match")
	}
	logs.Reset()
	if err := own.Start(context.Background()); err != nil || logs.Len() != 0 {
		t.Errorf("start with a password set logged %q, %v", logs.String(), err)
	}
}

// TestOwnerSeesDrafts: the website asks the IndieAuth server's session whether the
// request is the owner's; a draft is visible only through the owner's signed-in browser.
func TestOwnerSeesDrafts(t *testing.T) {
	s := newSite(t)
	tok := s.IssueToken(t, "create")
	resp, body := s.PostForm(t, "/micropub", tok, "h=entry&content=secret+draft&post-status=draft")
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusAccepted {
		t.Fatalf("create draft: %d %s", resp.StatusCode, body)
	}
	draft := resp.Header.Get("Location")
	if resp, _ := s.Get(t, draft, ""); resp.StatusCode == http.StatusOK {
		t.Fatalf("a visitor sees the draft at %s", draft)
	}
	ownerClient := s.OwnerClient(t)
	resp2, err := ownerClient.Get(draft)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusOK {
		t.Errorf("the signed-in owner gets %d for the draft, want 200", resp2.StatusCode)
	}
}
