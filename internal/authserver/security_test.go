package authserver_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/store/sqlite"
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

// loginAttempt posts the login form from b with password, optionally with an
// X-Forwarded-For header, and returns the status.
func loginAttempt(t *testing.T, b *browser, base, password, forwardedFor string) int {
	t.Helper()
	_, page := b.get(base + "/login")
	f := formFields(t, page, "/login")
	f.Set("password", password)
	req, err := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(f.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	resp, _ := b.do(req)
	return resp.StatusCode
}

// browserFrom is a browser whose connections come from the loopback address local, so
// that the server sees another client address.
func browserFrom(t *testing.T, local string) *browser {
	b := newBrowser(t)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	b.c.Transport = &http.Transport{DialContext: d.DialContext}
	return b
}

// TestLoginBurst: twenty wrong passwords sent at once from one address get at most five
// password checks; the rest are refused with 429 before any check. The owner, at
// another address, still signs in.
func TestLoginBurst(t *testing.T) {
	s := newSite(t)
	attacker := newBrowser(t)
	_, page := attacker.get(s.URL + "/login")
	f := formFields(t, page, "/login")
	f.Set("password", "not the password at all")
	statuses := make(chan int, 20)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/login", strings.NewReader(f.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept", "text/html")
			resp, err := attacker.c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for st := range statuses {
		count[st]++
	}
	if count[http.StatusUnauthorized] > 5 || count[http.StatusUnauthorized]+count[http.StatusTooManyRequests] != 20 {
		t.Errorf("20 parallel wrong passwords: %v, want at most five 401 and the rest 429", count)
	}
	if st := loginAttempt(t, attacker, s.URL, ownerPassword, ""); st != http.StatusTooManyRequests {
		t.Errorf("right password from the guessing address: %d, want 429", st)
	}
	if st := loginAttempt(t, browserFrom(t, "127.0.0.2"), s.URL, ownerPassword, ""); st != http.StatusSeeOther {
		t.Errorf("owner from another address after the burst: %d, want 303", st)
	}
	// Without a trusted proxy configured, X-Forwarded-For is the client's to forge and
	// buys no fresh attempts.
	if st := loginAttempt(t, attacker, s.URL, ownerPassword, "198.51.100.7"); st != http.StatusTooManyRequests {
		t.Errorf("guessing address claiming another in X-Forwarded-For: %d, want 429", st)
	}
}

// TestLoginLimitsShared: two instances of indiepub on one database share the sign-in
// limits: an address that failed five times at one is refused at the other.
func TestLoginLimitsShared(t *testing.T) {
	s := newSite(t)
	db, err := sqlite.Open(t.Context(), filepath.Join(s.Cfg.DataDir, "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h, err := server.New(t.Context(), s.Cfg, db)
	if err != nil {
		t.Fatal(err)
	}
	// Its job runner stops before its store closes (cleanups run last first).
	t.Cleanup(func() { h.StopJobs(context.Background()) })
	other := httptest.NewServer(h)
	t.Cleanup(other.Close)

	b := newBrowser(t)
	for i := range 5 {
		if st := loginAttempt(t, b, s.URL, "wrong password", ""); st != http.StatusUnauthorized {
			t.Fatalf("wrong password %d at the first instance: %d, want 401", i, st)
		}
	}
	if st := loginAttempt(t, b, other.URL, ownerPassword, ""); st != http.StatusTooManyRequests {
		t.Errorf("right password at the second instance after five failures at the first: %d, want 429", st)
	}
	if st := loginAttempt(t, browserFrom(t, "127.0.0.2"), other.URL, ownerPassword, ""); st != http.StatusSeeOther {
		t.Errorf("owner from another address at the second instance: %d, want 303", st)
	}
}

// TestLoginBehindProxy: behind a trusted reverse proxy every connection comes from the
// proxy, and attempts count against the address the proxy forwarded.
func TestLoginBehindProxy(t *testing.T) {
	s := newSite(t)
	own := owner.New(owner.Config{
		URL:            s.Cfg.URL,
		Logger:         slog.Default(),
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
	}, s.DB)
	mux := http.NewServeMux()
	server.Routes{Owner: own}.Mount(mux)
	proxied := httptest.NewServer(mux)
	t.Cleanup(proxied.Close)

	b := newBrowser(t)
	for i := range 5 {
		if st := loginAttempt(t, b, proxied.URL, "wrong password", "203.0.113.7"); st != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d, want 401", i, st)
		}
	}
	for name, xff := range map[string]string{
		"same address":                  "203.0.113.7",
		"a forged address on the left":  "192.0.2.99, 203.0.113.7",
		"two headers, the proxy's last": "",
	} {
		req := func() int {
			if xff != "" {
				return loginAttempt(t, b, proxied.URL, ownerPassword, xff)
			}
			_, page := b.get(proxied.URL + "/login")
			f := formFields(t, page, "/login")
			f.Set("password", ownerPassword)
			r, _ := http.NewRequest(http.MethodPost, proxied.URL+"/login", strings.NewReader(f.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Add("X-Forwarded-For", "192.0.2.99")
			r.Header.Add("X-Forwarded-For", "203.0.113.7")
			resp, _ := b.do(r)
			return resp.StatusCode
		}
		if st := req(); st != http.StatusTooManyRequests {
			t.Errorf("%s after five failures: %d, want 429", name, st)
		}
	}
	if st := loginAttempt(t, newBrowser(t), proxied.URL, ownerPassword, "203.0.113.8"); st != http.StatusSeeOther {
		t.Errorf("owner at another forwarded address: %d, want 303", st)
	}
}

// TestAuthorizeNoRedirectNoFetchBeforeSignIn: a stranger's authorization request, good
// or bad, neither redirects to its redirect_uri nor makes indiepub fetch its client_id;
// the signed-in owner's bad request is shown on indiepub's page; only the owner's
// explicit deny goes back to the client.
func TestAuthorizeNoRedirectNoFetchBeforeSignIn(t *testing.T) {
	s := newSite(t)
	var fetches atomic.Int32
	client := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, hApp("Counted App"))
	}))
	t.Cleanup(client.Close)
	a := &app{Server: client, path: "/"}
	verifier := strings.Repeat("k", 43)
	good := authQuery(a, a.URL+"/cb", "create", verifier, "s", "")
	bad := map[string]string{
		"response_type token": strings.Replace(good, "response_type=code", "response_type=token", 1),
		"no state":            strings.Replace(good, "state=s", "state=", 1),
		"plain PKCE":          strings.Replace(good, "code_challenge_method=S256", "code_challenge_method=plain", 1),
		"evil redirect_uri":   authQuery(a, "https://evil.example/cb", "create", verifier, "s", ""),
	}

	stranger := newBrowser(t)
	for name, q := range bad {
		resp, _ := stranger.get(s.URL + "/auth?" + q)
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusBadRequest && !strings.HasPrefix(loc, "/login?") {
			t.Errorf("signed out, %s: %d Location %q, want a 400 page or the login page", name, resp.StatusCode, loc)
		}
	}
	resp, _ := stranger.get(s.URL + "/auth?" + good)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?") {
		t.Errorf("signed out, good request: %d Location %q, want the login page", resp.StatusCode, loc)
	}
	if n := fetches.Load(); n != 0 {
		t.Errorf("signed-out requests fetched the client_id %d times, want 0", n)
	}

	owner := newBrowser(t)
	owner.login(s, ownerPassword)
	for name, q := range bad {
		resp, body := owner.get(s.URL + "/auth?" + q)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(body, "error") {
			t.Errorf("signed in, %s: %d Location %q, want a 400 page", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	_, page := owner.consent(s, good)
	if fetches.Load() == 0 {
		t.Errorf("the consent page did not fetch the client's information")
	}
	// A tampered consent form is shown, not redirected.
	f := formFields(t, page, "/auth")
	f.Set("decision", "approve")
	f.Set("code_challenge_method", "plain")
	if resp, _ := owner.post(s.URL+"/auth", f); resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("tampered consent form: %d Location %q, want a 400 page", resp.StatusCode, resp.Header.Get("Location"))
	}
	f = formFields(t, page, "/auth")
	f.Set("decision", "deny")
	resp, _ = owner.post(s.URL+"/auth", f)
	back, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || back.Query().Get("error") != "access_denied" ||
		!strings.HasPrefix(back.String(), a.URL+"/cb?") {
		t.Errorf("deny: %d Location %q, want a 302 to the client with error=access_denied", resp.StatusCode, back)
	}
}

// issueViaFlow authorizes app a for scope as the owner and exchanges the code, returning
// the token response and its headers.
func issueViaFlow(t *testing.T, s *site, b *browser, a *app, scope, accept string) (map[string]any, http.Header, string) {
	t.Helper()
	verifier := strings.Repeat("p", 43)
	back := b.authorize(s, authQuery(a, a.URL+"/cb", scope, verifier, "s", ""))
	form := url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")}, "client_id": {a.clientID()},
		"redirect_uri": {a.URL + "/cb"}, "code_verifier": {verifier}}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token exchange: %d %s", resp.StatusCode, raw)
	}
	m := map[string]any{}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		json.Unmarshal(raw, &m)
	}
	return m, resp.Header, string(raw)
}

// TestTokenResponsesUncacheable: token responses, JSON or form-encoded, and token
// errors forbid caching for HTTP/1.1 and HTTP/1.0 caches (RFC 6749 section 5.1); a
// request without client_id is invalid_request, not a failed client authentication.
func TestTokenResponsesUncacheable(t *testing.T) {
	s := newSite(t)
	a := newApp(t, "/", "html", hApp("Cache Test"))
	b := newBrowser(t)
	uncacheable := func(what string, h http.Header) {
		t.Helper()
		if h.Get("Cache-Control") != "no-store" || h.Get("Pragma") != "no-cache" {
			t.Errorf("%s: Cache-Control %q, Pragma %q; want no-store and no-cache", what, h.Get("Cache-Control"), h.Get("Pragma"))
		}
	}
	tok, h, _ := issueViaFlow(t, s, b, a, "create", "application/json")
	uncacheable("JSON token response", h)
	_, h, raw := issueViaFlow(t, s, b, a, "create", "application/x-www-form-urlencoded")
	if !strings.Contains(raw, "access_token=") {
		t.Fatalf("form-encoded token response %q", raw)
	}
	uncacheable("form-encoded token response", h)

	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}}
	status, m, h := postToken(t, s.URL+"/token", refresh.Encode(), "", "")
	if status != http.StatusBadRequest || m["error"] != "invalid_request" || h.Get("WWW-Authenticate") != "" {
		t.Errorf("refresh without client_id: %d %v WWW-Authenticate %q, want 400 invalid_request", status, m, h.Get("WWW-Authenticate"))
	}
	uncacheable("token error", h)
	refresh.Set("client_id", a.clientID())
	status, m, h = postToken(t, s.URL+"/token", refresh.Encode(), "", "")
	if status != http.StatusOK || m["access_token"] == nil {
		t.Fatalf("refresh: %d %v", status, m)
	}
	uncacheable("refresh response", h)
}

// TestRefreshReuseRevokesSuccessors: presenting a refresh token again after it was
// rotated is refused and kills the access and refresh token issued in its place (RFC 9700
// section 4.14.2), while the client's older tokens and other clients' tokens live on.
func TestRefreshReuseRevokesSuccessors(t *testing.T) {
	s := newSite(t)
	a := newApp(t, "/", "html", hApp("Rotating App"))
	other := newApp(t, "/", "html", hApp("Other App"))
	b := newBrowser(t)
	older, _, _ := issueViaFlow(t, s, b, a, "create", "application/json")
	bystander, _, _ := issueViaFlow(t, s, b, other, "create", "application/json")
	first, _, _ := issueViaFlow(t, s, b, a, "create", "application/json")

	refresh := func(rt string) (int, map[string]any) {
		v := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {a.clientID()}}
		status, m, _ := postToken(t, s.URL+"/token", v.Encode(), "", "")
		return status, m
	}
	works := func(access string) bool {
		resp, _ := s.Get(t, "/micropub?q=config", access)
		return resp.StatusCode == http.StatusOK
	}
	status, second := refresh(first["refresh_token"].(string))
	if status != http.StatusOK || !works(second["access_token"].(string)) {
		t.Fatalf("refresh: %d %v", status, second)
	}
	if status, m := refresh(first["refresh_token"].(string)); status != http.StatusBadRequest || m["error"] != "invalid_grant" ||
		!strings.Contains(m["error_description"].(string), "already used") {
		t.Errorf("reused refresh token: %d %v, want 400 invalid_grant saying it was already used", status, m)
	}
	if works(second["access_token"].(string)) {
		t.Errorf("the access token issued in place of a reused refresh token still works")
	}
	if status, m := refresh(second["refresh_token"].(string)); status != http.StatusBadRequest || m["error"] != "invalid_grant" {
		t.Errorf("the refresh token issued in place of a reused one: %d %v, want 400 invalid_grant", status, m)
	}
	if !works(older["access_token"].(string)) || !works(bystander["access_token"].(string)) {
		t.Errorf("the client's older token or another client's token died with the reused pair")
	}
	// An unknown refresh token revokes nothing.
	if status, m := refresh("never-issued"); status != http.StatusBadRequest || m["error"] != "invalid_grant" {
		t.Errorf("unknown refresh token: %d %v, want 400 invalid_grant", status, m)
	}
	if !works(older["access_token"].(string)) {
		t.Errorf("an unknown refresh token revoked the client's token")
	}
}

// TestConsentNeedsAnAccessScope: unticking every access scope an app asked for would
// make it fail to sign in (no access_token in the token response), so the consent page
// comes back with the owner's choices and a message; an identity-only request may still
// be approved with nothing ticked.
func TestConsentNeedsAnAccessScope(t *testing.T) {
	s := newSite(t)
	a := newApp(t, "/", "html", hApp("Quillish"))
	b := newBrowser(t)
	verifier := strings.Repeat("q", 43)
	q := authQuery(a, a.URL+"/cb", "create media profile", verifier, "s", "")
	_, page := b.consent(s, q)
	f := formFields(t, page, "/auth")
	f["scopes"] = []string{"profile"}
	f.Set("expiry", "7d")
	f.Set("decision", "approve")
	resp, body := b.post(s.URL+"/auth", f)
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(body, `id="consent-problem"`) ||
		!strings.Contains(body, "create, media") {
		t.Fatalf("approve with only profile ticked: %d Location %q, want the consent page again with a message; %s",
			resp.StatusCode, resp.Header.Get("Location"), body)
	}
	again := formFields(t, body, "/auth")
	if got := strings.Join(again["scopes"], " "); got != "profile" || again.Get("expiry") != "7d" {
		t.Errorf("re-shown consent page has scopes %q expiry %q, want the owner's choices: profile, 7d", got, again.Get("expiry"))
	}
	delete(f, "scopes")
	if resp, _ := b.post(s.URL+"/auth", f); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("approve with nothing ticked: %d, want 400 and the consent page", resp.StatusCode)
	}
	f["scopes"] = []string{"media"}
	resp, _ = b.post(s.URL+"/auth", f)
	back, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || back.Query().Get("code") == "" {
		t.Fatalf("approve with media ticked: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")}, "client_id": {a.clientID()},
		"redirect_uri": {a.URL + "/cb"}, "code_verifier": {verifier}}
	if status, m, _ := postToken(t, s.URL+"/token", form.Encode(), "", ""); status != http.StatusOK || m["access_token"] == nil || m["scope"] != "media" {
		t.Errorf("token for the ticked scope: %d %v, want an access token for media", status, m)
	}

	// Sign-in only: nothing to grant, nothing to insist on.
	back = b.authorize(s, authQuery(a, a.URL+"/cb", "profile", verifier, "s", ""), "profile")
	if back.Query().Get("code") == "" {
		t.Errorf("identity-only request with profile unticked: %s, want a code", back)
	}
}

// TestSignInReturnsToAuthorization: a signed-out owner sent to the login page comes back
// to the same authorization request, even one whose state holds a raw backslash.
func TestSignInReturnsToAuthorization(t *testing.T) {
	s := newSite(t)
	a := newApp(t, "/", "html", hApp("Backslash App"))
	q := authQuery(a, a.URL+"/cb", "create", strings.Repeat("v", 43), "PLACEHOLDER", "")
	q = strings.Replace(q, "PLACEHOLDER", `a\b`, 1)
	b := newBrowser(t)
	resp, _ := b.get(s.URL + "/auth?" + q)
	login := follow(t, resp)
	_, page := b.get(login)
	f := formFields(t, page, "/login")
	f.Set("password", ownerPassword)
	resp, body := b.post(s.URL+"/login", f)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	back := follow(t, resp)
	if !strings.HasPrefix(back, s.URL+"/auth?") {
		t.Fatalf("after login went to %s, want the authorization request", back)
	}
	resp, page = b.get(back)
	if resp.StatusCode != http.StatusOK || formFields(t, page, "/auth").Get("state") != `a\b` {
		t.Errorf("consent after login: %d, state %q, want the page with state a\\b", resp.StatusCode, formFields(t, page, "/auth").Get("state"))
	}
}
