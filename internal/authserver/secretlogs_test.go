package authserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// lockedBuffer collects the server's log lines from every goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestNoSecretInLogs runs a whole life of the site with a debug-level JSON logger and the
// access log on, capturing every line: a wrong and a right password, an authorization
// with PKCE, the code exchange, Micropub with the token in the header, the form body and
// the query, a refresh, the owner's pages with the session cookie, revocation, and tokens
// that fail. Then no secret it used may appear in any line, as sent or URL- or
// JSON-encoded. The one-time setup link of the fresh install (written to a file, the
// log saying where) is one of those secrets.
func TestNoSecretInLogs(t *testing.T) {
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clk := &clock{now: time.Now()}
	srv := servertest.New(t, func(c *server.Config) {
		c.AllowPrivateFetch = true
		c.Now = clk.Now
		c.Logger = logger
		c.AccessLog = true
	})
	hash, err := owner.HashPassword(ownerPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.DB.SetOwnerPassword(context.Background(), hash, time.Now()); err != nil {
		t.Fatal(err)
	}
	s := &site{Server: srv, clock: clk}
	var secrets []string
	secret := func(v string) string {
		t.Helper()
		if v == "" {
			t.Fatal("an empty secret")
		}
		secrets = append(secrets, v)
		return v
	}
	link, err := os.ReadFile(filepath.Join(srv.Cfg.DataDir, "setup-link"))
	if err != nil {
		t.Fatalf("the fresh install's setup link: %v", err)
	}
	_, setupToken, _ := strings.Cut(strings.TrimSpace(string(link)), "token=")
	secret(setupToken)
	secret(ownerPassword)

	// A wrong password first, then the right one, through the real login form.
	b := newBrowser(t)
	_, page := b.get(s.URL + "/login")
	f := formFields(t, page, "/login")
	secret(f.Get("csrf"))
	f.Set("password", secret("wrong horse battery staple"))
	if resp, _ := b.post(s.URL+"/login", f); resp.StatusCode == http.StatusSeeOther {
		t.Fatal("a wrong password signed in")
	}

	// The authorization code flow with PKCE; b.authorize signs in on the way.
	a := newApp(t, "/id", "json", metadataDoc("/id", "Secret Writer", "{{base}}/callback"))
	verifier := secret(strings.Repeat("s3cret-verifier-", 4))
	back := b.authorize(s, authQuery(a, a.URL+"/callback", "create update delete media", verifier, secret("st4te-secret"), s.Cfg.URL))
	code := secret(back.Query().Get("code"))
	for _, c := range b.c.Jar.Cookies(mustURL(s.URL)) {
		secret(c.Value) // the session cookie
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {a.clientID()},
		"redirect_uri": {a.URL + "/callback"}, "code_verifier": {verifier}}
	status, tok, _ := postToken(t, s.URL+"/token", form.Encode(), "", "")
	if status != http.StatusOK {
		t.Fatalf("token exchange: %d %v", status, tok)
	}
	access, refresh := secret(tok["access_token"].(string)), secret(tok["refresh_token"].(string))

	// Refresh, then Micropub with the new token in the header, the body and the query.
	status, tok, _ = postToken(t, s.URL+"/token", url.Values{"grant_type": {"refresh_token"},
		"refresh_token": {refresh}, "client_id": {a.clientID()}}.Encode(), "", "")
	if status != http.StatusOK {
		t.Fatalf("refresh: %d %v", status, tok)
	}
	access, refresh = secret(tok["access_token"].(string)), secret(tok["refresh_token"].(string))
	if resp, body := s.PostForm(t, "/micropub", access, "h=entry&content=from+the+header"); resp.StatusCode != http.StatusCreated {
		t.Fatalf("Micropub with the token in the header: %d %s", resp.StatusCode, body)
	}
	if resp, body := s.PostForm(t, "/micropub", "", "h=entry&content=from+the+body&access_token="+url.QueryEscape(access)); resp.StatusCode != http.StatusCreated {
		t.Fatalf("Micropub with the token in the body: %d %s", resp.StatusCode, body)
	}
	if resp, body := s.PostJSON(t, "/micropub", "", `{"type":["h-entry"],"properties":{"content":["json"]},"access_token":"`+access+`"}`); resp.StatusCode != http.StatusCreated {
		t.Fatalf("Micropub with the token in a JSON body: %d %s", resp.StatusCode, body)
	}
	s.Get(t, "/micropub?q=config&access_token="+url.QueryEscape(access), "")
	s.Do(t, "GET", "/token", access, "", nil) // legacy verification
	// Two different tokens (refused), an unknown one, and one too short to be real.
	s.PostForm(t, "/micropub", access, "h=entry&content=x&access_token="+secret("another-secret-token-1234567890"))
	s.Get(t, "/micropub?q=config", secret("unknown-secret-token-0987654321"))
	s.PostForm(t, "/media", secret("bad-media-token-5555"), "")

	// The owner's pages with the session cookie: list and revoke the app's tokens.
	resp, page := b.get(s.URL + "/admin/tokens")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/tokens: %d", resp.StatusCode)
	}
	// Revocation by the app, and the legacy form, and a refresh after it.
	postToken(t, s.URL+"/revoke", "token="+url.QueryEscape(access), "", "")
	postToken(t, s.URL+"/token", "action=revoke&token="+url.QueryEscape(refresh), "", "")
	postToken(t, s.URL+"/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh},
		"client_id": {a.clientID()}}.Encode(), "", "")
	s.Get(t, "/micropub?q=config", access)              // revoked
	postToken(t, s.URL+"/token", form.Encode(), "", "") // the code again
	b.post(s.URL+"/logout", formFields(t, page, "/admin/tokens/revoke-client"))

	lines := strings.Split(logs.String(), "\n")
	for _, route := range []string{`"route":"POST /login"`, `"route":"POST /token"`, `"route":"POST /micropub"`, `"route":"POST /revoke"`, `"level":"WARN"`} {
		if !strings.Contains(logs.String(), route) {
			t.Fatalf("no %s in the log: the run was not logged\n%s", route, logs.String())
		}
	}
	for i, line := range lines {
		for _, sec := range secrets {
			js, _ := json.Marshal(sec)
			for _, form := range []string{sec, url.QueryEscape(sec), url.PathEscape(sec), string(js[1 : len(js)-1])} {
				if strings.Contains(line, form) {
					t.Errorf("log line %d holds the secret %q: %s", i, sec, line)
				}
			}
		}
	}
}
