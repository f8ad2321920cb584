package authserver_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// discover finds the metadata document from the home page's Link headers, as a client
// does, and returns the metadata.
func discover(t *testing.T, s *site) map[string]any {
	t.Helper()
	resp, body := s.Get(t, "/", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d", resp.StatusCode)
	}
	var metaURL string
	for _, l := range resp.Header.Values("Link") {
		for _, part := range strings.Split(l, ",") {
			if strings.Contains(part, `rel="indieauth-metadata"`) {
				metaURL = strings.Trim(strings.TrimSpace(strings.Split(part, ";")[0]), "<>")
			}
		}
	}
	if metaURL == "" {
		t.Fatalf("GET /: no Link rel=indieauth-metadata in %q", resp.Header.Values("Link"))
	}
	if !regexp.MustCompile(`<link[^>]+rel="indieauth-metadata"`).Match(body) {
		t.Errorf("GET /: no <link rel=\"indieauth-metadata\"> in the HTML")
	}
	for _, rel := range []string{"authorization_endpoint", "token_endpoint"} {
		if !strings.Contains(strings.Join(resp.Header.Values("Link"), ","), `rel="`+rel+`"`) {
			t.Errorf("GET /: no Link rel=%s", rel)
		}
	}
	resp, body = s.Get(t, metaURL, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", metaURL, resp.StatusCode)
	}
	meta := map[string]any{}
	if err := json.Unmarshal(body, &meta); err != nil {
		t.Fatal(err)
	}
	return meta
}

func TestMetadata(t *testing.T) {
	s := newSite(t)
	resp, body := s.Get(t, "/.well-known/oauth-authorization-server", "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("metadata: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var meta map[string]any
	if err := json.Unmarshal(body, &meta); err != nil {
		t.Fatal(err)
	}
	base := s.Cfg.URL
	want := map[string]any{
		"issuer": base, "authorization_endpoint": base + "auth", "token_endpoint": base + "token",
		"introspection_endpoint": base + "introspect", "revocation_endpoint": base + "revoke",
		"authorization_response_iss_parameter_supported": true,
	}
	for k, v := range want {
		if meta[k] != v {
			t.Errorf("metadata %s = %v, want %v", k, meta[k], v)
		}
	}
	for k, v := range map[string]string{
		"code_challenge_methods_supported": `["S256"]`, "response_types_supported": `["code"]`,
		"grant_types_supported": `["authorization_code","refresh_token"]`,
		"scopes_supported":      `["create","update","delete","undelete","media","draft","profile","email"]`,
	} {
		got, _ := json.Marshal(meta[k])
		if string(got) != v {
			t.Errorf("metadata %s = %s, want %s", k, got, v)
		}
	}
}

// TestFullFlow is a client's whole life: discovery, sign-in and consent, the PKCE
// exchange, using the token, introspection, refresh with rotation and revocation.
func TestFullFlow(t *testing.T) {
	s := newSite(t)
	a := newApp(t, "/id", "json", metadataDoc("/id", "Test Writer", "{{base}}/callback"))
	meta := discover(t, s)
	if meta["authorization_endpoint"] != s.Cfg.URL+"auth" || meta["token_endpoint"] != s.Cfg.URL+"token" {
		t.Fatalf("discovered endpoints %v, %v", meta["authorization_endpoint"], meta["token_endpoint"])
	}
	b := newBrowser(t)
	verifier := strings.Repeat("v3rifier-", 6)
	query := authQuery(a, a.URL+"/callback", "create update media profile", verifier, "st4te", s.Cfg.URL)

	_, page := b.consent(s, query)
	for _, want := range []string{"Test Writer", a.URL + "/logo.png", `value="media"`, `value="profile"`} {
		if !strings.Contains(page, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	back := b.authorize(s, query, "media")
	q := back.Query()
	if got := back.Scheme + "://" + back.Host + back.Path; got != a.URL+"/callback" {
		t.Fatalf("redirected to %s, want the client's callback", got)
	}
	if q.Get("state") != "st4te" || q.Get("iss") != s.Cfg.URL || q.Get("code") == "" {
		t.Fatalf("redirect query %v: want code, state=st4te, iss=%s", q, s.Cfg.URL)
	}
	if strings.ContainsAny(q.Get("code"), "+/=&%") {
		t.Errorf("code %q is not URL-safe", q.Get("code"))
	}

	form := url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "client_id": {a.clientID()},
		"redirect_uri": {a.URL + "/callback"}, "code_verifier": {verifier}}
	status, tok, _ := postToken(t, meta["token_endpoint"].(string), form.Encode(), "application/json", "")
	if status != http.StatusOK {
		t.Fatalf("token exchange: %d %v", status, tok)
	}
	if tok["scope"] != "create update profile" || tok["me"] != s.Cfg.URL || tok["token_type"] != "Bearer" {
		t.Errorf("token response %v: want scope \"create update profile\" (media unticked), me, Bearer", tok)
	}
	if tok["expires_in"] == nil || tok["refresh_token"] == nil {
		t.Errorf("token response %v: want expires_in and refresh_token", tok)
	}
	if p, _ := tok["profile"].(map[string]any); p["url"] != s.Cfg.URL || p["name"] == "" || p["email"] != nil {
		t.Errorf("profile %v: want name and url, no email (not granted)", tok["profile"])
	}
	access := tok["access_token"].(string)

	resp, body := s.Get(t, "/micropub?q=config", access)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /micropub?q=config with the new token: %d %s", resp.StatusCode, body)
	}

	owner := s.IssueToken(t, "create")
	introspect := func(raw string) map[string]any {
		t.Helper()
		status, m, _ := postToken(t, meta["introspection_endpoint"].(string), "token="+raw, "", owner)
		if status != http.StatusOK {
			t.Fatalf("introspect: %d %v", status, m)
		}
		return m
	}
	if m := introspect(access); m["active"] != true || m["scope"] != "create update profile" ||
		m["client_id"] != a.clientID() || m["me"] != s.Cfg.URL {
		t.Errorf("introspection of the new token: %v", m)
	}
	if status, m, _ := postToken(t, s.URL+"/introspect", "token="+access, "", ""); status != http.StatusUnauthorized {
		t.Errorf("introspection without authorization: %d %v, want 401", status, m)
	}

	// Refresh: a new pair, and the old pair stops working.
	oldRefresh := tok["refresh_token"].(string)
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {oldRefresh}, "client_id": {a.clientID()}}
	status, tok2, _ := postToken(t, s.URL+"/token", refresh.Encode(), "", "")
	if status != http.StatusOK || tok2["access_token"] == nil || tok2["refresh_token"] == oldRefresh ||
		tok2["scope"] != "create update profile" {
		t.Fatalf("refresh: %d %v", status, tok2)
	}
	if m := introspect(access); m["active"] != false {
		t.Errorf("the access token of a rotated pair is still active: %v", m)
	}
	access = tok2["access_token"].(string)
	if resp, _ := s.Get(t, "/micropub?q=config", access); resp.StatusCode != http.StatusOK {
		t.Fatalf("refreshed token at /micropub: %d", resp.StatusCode)
	}

	// Revocation takes effect at once.
	if status, _, _ := postToken(t, meta["revocation_endpoint"].(string), "token="+access, "", ""); status != http.StatusOK {
		t.Fatalf("revoke: %d", status)
	}
	if resp, body := s.Get(t, "/micropub?q=config", access); resp.StatusCode < 400 {
		t.Errorf("revoked token still works at /micropub: %d %s", resp.StatusCode, body)
	}
	if m := introspect(access); m["active"] != false {
		t.Errorf("revoked token introspects as %v", m)
	}
	if status, _, _ := postToken(t, s.URL+"/revoke", "token=never-issued", "", ""); status != http.StatusOK {
		t.Errorf("revoking an unknown token: %d, want 200 (RFC 7009)", status)
	}
	// A rotated refresh token is spent (and presenting it kills its successors, see
	// TestRefreshReuseRevokesSuccessors).
	if status, m, _ := postToken(t, s.URL+"/token", refresh.Encode(), "", ""); status != http.StatusBadRequest || m["error"] != "invalid_grant" {
		t.Errorf("reusing a rotated refresh token: %d %v, want 400 invalid_grant", status, m)
	}
}

// redeemFresh runs a fresh authorization and returns the code.
func redeemFresh(t *testing.T, s *site, b *browser, a *app, verifier string) string {
	t.Helper()
	back := b.authorize(s, authQuery(a, a.URL+"/cb", "create", verifier, "x", s.Cfg.URL))
	return back.Query().Get("code")
}

func TestTokenNegatives(t *testing.T) {
	s := newSite(t)
	a := newApp(t, "/", "html", hApp("Negative App"))
	b := newBrowser(t)
	verifier := strings.Repeat("a", 50)
	exchange := func(code, redirect, v string) (int, map[string]any) {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {a.clientID()},
			"redirect_uri": {redirect}}
		if v != "" {
			form.Set("code_verifier", v)
		}
		status, m, _ := postToken(t, s.URL+"/token", form.Encode(), "", "")
		return status, m
	}
	tests := []struct {
		name     string
		run      func(code string) (int, map[string]any)
		wantCode string
	}{
		{"wrong verifier", func(c string) (int, map[string]any) { return exchange(c, a.URL+"/cb", strings.Repeat("b", 50)) }, "invalid_grant"},
		{"missing verifier", func(c string) (int, map[string]any) { return exchange(c, a.URL+"/cb", "") }, "invalid_grant"},
		{"mismatched redirect_uri", func(c string) (int, map[string]any) { return exchange(c, a.URL+"/other", verifier) }, "invalid_grant"},
		{"expired code", func(c string) (int, map[string]any) {
			s.clock.Add(11 * time.Minute)
			defer s.clock.Add(-11 * time.Minute)
			return exchange(c, a.URL+"/cb", verifier)
		}, "invalid_grant"},
		{"other client", func(c string) (int, map[string]any) {
			form := url.Values{"grant_type": {"authorization_code"}, "code": {c}, "client_id": {"https://evil.example/"},
				"redirect_uri": {a.URL + "/cb"}, "code_verifier": {verifier}}
			status, m, _ := postToken(t, s.URL+"/token", form.Encode(), "", "")
			return status, m
		}, "invalid_grant"},
		{"no client_id", func(c string) (int, map[string]any) {
			status, m, _ := postToken(t, s.URL+"/token", "grant_type=authorization_code&code="+c, "", "")
			return status, m
		}, "invalid_request"},
		{"unknown grant", func(c string) (int, map[string]any) {
			status, m, _ := postToken(t, s.URL+"/token", "grant_type=password&username=me", "", "")
			return status, m
		}, "unsupported_grant_type"},
		{"bad form encoding", func(c string) (int, map[string]any) {
			status, m, _ := postToken(t, s.URL+"/token", "grant_type=authorization_code&code=%zz", "", "")
			return status, m
		}, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := redeemFresh(t, s, b, a, verifier)
			status, m := tt.run(code)
			wantStatus := http.StatusBadRequest
			if status != wantStatus || m["error"] != tt.wantCode || m["error_description"] == "" {
				t.Errorf("got %d %v, want %d %s with a description", status, m, wantStatus, tt.wantCode)
			}
		})
	}

	t.Run("reused code revokes its token", func(t *testing.T) {
		code := redeemFresh(t, s, b, a, verifier)
		status, m := exchange(code, a.URL+"/cb", verifier)
		if status != http.StatusOK {
			t.Fatalf("first exchange: %d %v", status, m)
		}
		access := m["access_token"].(string)
		if status, m := exchange(code, a.URL+"/cb", verifier); status != http.StatusBadRequest || m["error"] != "invalid_grant" {
			t.Errorf("second exchange: %d %v, want 400 invalid_grant", status, m)
		}
		if resp, _ := s.Get(t, "/token", access); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("token bought by a replayed code still verifies: %d", resp.StatusCode)
		}
	})
	t.Run("wrong verifier burns the code", func(t *testing.T) {
		code := redeemFresh(t, s, b, a, verifier)
		exchange(code, a.URL+"/cb", "wrong-wrong-wrong-wrong-wrong-wrong-wrong-wrong")
		if status, m := exchange(code, a.URL+"/cb", verifier); status != http.StatusBadRequest {
			t.Errorf("right verifier after a wrong one: %d %v, want 400", status, m)
		}
	})
}

func TestAuthorizeNegatives(t *testing.T) {
	s := newSite(t)
	a := newApp(t, "/app", "json", metadataDoc("/app", "Listed", "{{base}}/cb", "https://elsewhere.example/cb"))
	b := newBrowser(t)
	b.login(s, ownerPassword)
	verifier := strings.Repeat("z", 43)

	// Problems with client_id or redirect_uri are shown to the owner, never redirected.
	for name, q := range map[string]string{
		"unlisted redirect on another site": authQuery(a, "https://evil.example/cb", "create", verifier, "s", ""),
		"client_id with fragment":           "response_type=code&state=s&client_id=" + url.QueryEscape(a.clientID()+"#x") + "&redirect_uri=" + url.QueryEscape(a.URL+"/cb"),
		"client_id is an IP":                "response_type=code&state=s&client_id=http%3A%2F%2F10.0.0.1%2F&redirect_uri=http%3A%2F%2F10.0.0.1%2Fcb",
		"no client_id":                      "response_type=code&state=s&redirect_uri=" + url.QueryEscape(a.URL+"/cb"),
	} {
		resp, body := b.get(s.URL + "/auth?" + q)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invalid_request") {
			t.Errorf("%s: %d, want 400 page; %s", name, resp.StatusCode, body)
		}
	}
	// A redirect_uri on another site is fine when the client metadata lists it.
	if resp, body := b.get(s.URL + "/auth?" + authQuery(a, "https://elsewhere.example/cb", "create", verifier, "s", "")); resp.StatusCode != http.StatusOK {
		t.Errorf("listed redirect_uri: %d %s", resp.StatusCode, body)
	}
	// Errors about the request itself are shown too: before the owner has answered,
	// nothing goes back to the client (RFC 9700 section 4.11.2).
	for name, tc := range map[string]struct{ query, want string }{
		"plain PKCE": {"response_type=code&state=s&code_challenge=" + verifier + "&code_challenge_method=plain&client_id=" +
			url.QueryEscape(a.clientID()) + "&redirect_uri=" + url.QueryEscape(a.URL+"/cb"), "invalid_request"},
		"response_type token": {"response_type=token&state=s&client_id=" + url.QueryEscape(a.clientID()) +
			"&redirect_uri=" + url.QueryEscape(a.URL+"/cb"), "unsupported_response_type"},
	} {
		resp, body := b.get(s.URL + "/auth?" + tc.query)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d Location %q, want a 400 page saying %s", name, resp.StatusCode, resp.Header.Get("Location"), tc.want)
		}
	}

	// Deny.
	q := authQuery(a, a.URL+"/cb", "create", verifier, "deny-state", "")
	_, page := b.consent(s, q)
	f := formFields(t, page, "/auth")
	f.Set("decision", "deny")
	resp, _ := b.post(s.URL+"/auth", f)
	back, _ := url.Parse(follow(t, resp))
	if back.Query().Get("error") != "access_denied" || back.Query().Get("state") != "deny-state" || back.Query().Get("iss") != s.Cfg.URL {
		t.Errorf("deny redirected to %s, want error=access_denied, state and iss", back)
	}

	// A consent form without its CSRF token is refused.
	f = formFields(t, page, "/auth")
	f.Del("csrf")
	f.Set("decision", "approve")
	if resp, _ := b.post(s.URL+"/auth", f); resp.StatusCode != http.StatusForbidden {
		t.Errorf("consent without CSRF token: %d, want 403", resp.StatusCode)
	}
	// ... as is one from a browser that is not signed in, even with a token.
	f = formFields(t, page, "/auth")
	f.Set("decision", "approve")
	if resp, _ := newBrowser(t).post(s.URL+"/auth", f); resp.StatusCode != http.StatusForbidden {
		t.Errorf("consent from another browser: %d, want 403", resp.StatusCode)
	}
}

func TestMissingPKCE(t *testing.T) {
	s := newSite(t)
	a := newApp(t, "/", "html", hApp("No PKCE App"))
	b := newBrowser(t)
	q := authQuery(a, a.URL+"/cb", "create", "", "s", "")
	_, page := b.consent(s, q)
	if !strings.Contains(page, `id="no-pkce"`) {
		t.Fatalf("consent page for a request without PKCE has no warning")
	}
	f := formFields(t, page, "/auth")
	f.Set("decision", "approve")
	if resp, body := b.post(s.URL+"/auth", f); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("approving without allowing no-PKCE: %d %s, want 400", resp.StatusCode, body)
	}
	back := b.authorize(s, q) // ticks "allow without PKCE"
	code := back.Query().Get("code")
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {a.clientID()}, "redirect_uri": {a.URL + "/cb"}}
	if status, m, _ := postToken(t, s.URL+"/token", form.Encode(), "", ""); status != http.StatusOK || m["access_token"] == nil {
		t.Fatalf("exchange for an allowed client without PKCE: %d %v", status, m)
	}
	// The choice is remembered: the next consent page only mentions it.
	_, page = b.consent(s, q)
	if strings.Contains(page, `id="no-pkce"`) || !strings.Contains(page, "which you allowed before") {
		t.Errorf("second consent page still asks about PKCE")
	}
	// The owner withdraws it on the tokens page.
	_, tokens := b.get(s.URL + "/admin/tokens")
	f = formFields(t, tokens, "/admin/pkce/withdraw")
	if f.Get("client_id") != a.clientID() {
		t.Fatalf("tokens page withdraw form is for %q, want %q", f.Get("client_id"), a.clientID())
	}
	if resp, _ := b.post(s.URL+"/admin/pkce/withdraw", f); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", resp.StatusCode)
	}
	if _, page = b.consent(s, q); !strings.Contains(page, `id="no-pkce"`) {
		t.Errorf("after withdrawing, the consent page does not warn again")
	}
	// A verifier for a code issued without a challenge is refused (downgrade).
	back = b.authorize(s, q)
	form.Set("code", back.Query().Get("code"))
	form.Set("code_verifier", strings.Repeat("q", 43))
	if status, m, _ := postToken(t, s.URL+"/token", form.Encode(), "", ""); status != http.StatusBadRequest {
		t.Errorf("verifier without challenge: %d %v, want 400", status, m)
	}
}

func TestLogin(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	resp, _ := b.get(s.URL + "/admin/tokens")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(follow(t, resp), s.URL+"/login?next=") {
		t.Fatalf("tokens page signed out: %d, want a redirect to the login page", resp.StatusCode)
	}
	_, page := b.get(s.URL + "/login")
	f := formFields(t, page, "/login")
	for _, c := range b.c.Jar.Cookies(mustURL(s.URL)) {
		if c.Name == "indiepub_csrf" && c.Value != f.Get("csrf") {
			t.Errorf("csrf cookie and field differ")
		}
	}
	// Without the CSRF field: refused.
	noCSRF := url.Values{"password": {ownerPassword}}
	if resp, _ := b.post(s.URL+"/login", noCSRF); resp.StatusCode != http.StatusForbidden {
		t.Errorf("login without CSRF: %d, want 403", resp.StatusCode)
	}
	// Wrong password: 401, then rate-limited after five.
	f.Set("password", "not the password")
	for i := range 5 {
		if resp, body := b.post(s.URL+"/login", f); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "login-failed") {
			t.Fatalf("wrong password %d: %d, want 401 with a message", i, resp.StatusCode)
		}
	}
	f.Set("password", ownerPassword)
	if resp, _ := b.post(s.URL+"/login", f); resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth attempt: %d, want 429 with Retry-After", resp.StatusCode)
	}
	s.clock.Add(16 * time.Minute)
	resp, _ = b.post(s.URL+"/login", f)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("right password after the window: %d, want 303", resp.StatusCode)
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "indiepub_session" {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure on http", session)
	}
	if resp, _ := b.get(s.URL + "/admin/tokens"); resp.StatusCode != http.StatusOK {
		t.Errorf("tokens page signed in: %d", resp.StatusCode)
	}
	// Open redirects are not possible through next.
	f.Set("next", "//evil.example/")
	b2 := newBrowser(t)
	_, page = b2.get(s.URL + "/login")
	f2 := formFields(t, page, "/login")
	f2.Set("password", ownerPassword)
	f2.Set("next", "//evil.example/")
	if resp, _ := b2.post(s.URL+"/login", f2); follow(t, resp) != s.URL+"/admin/tokens" {
		t.Errorf("login with next=//evil.example/ went to %s", follow(t, resp))
	}
	// Logout needs the session's CSRF token and ends the session.
	_, page = b.get(s.URL + "/admin/tokens")
	lf := formFields(t, page, "/logout")
	if resp, _ := b.post(s.URL+"/logout", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout without CSRF: %d, want 403", resp.StatusCode)
	}
	if resp, _ := b.post(s.URL+"/logout", lf); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("logout: %d", resp.StatusCode)
	}
	if resp, _ := b.get(s.URL + "/admin/tokens"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("tokens page after logout: %d, want a redirect to login", resp.StatusCode)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestLegacyVerificationAndRevoke(t *testing.T) {
	s := newSite(t)
	raw := s.IssueToken(t, "create update")
	resp, body := s.Get(t, "/token", raw)
	var m map[string]any
	json.Unmarshal(body, &m)
	if resp.StatusCode != http.StatusOK || m["me"] != s.Cfg.URL || m["client_id"] != "https://client.example/" || m["scope"] != "create update" {
		t.Fatalf("GET /token with Bearer: %d %s", resp.StatusCode, body)
	}
	if resp, _ := s.Get(t, "/token", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /token without a token: %d, want 401", resp.StatusCode)
	}
	// Quill's "reset login": action=revoke with the token in the body, no header.
	form := strings.Replace(readFixture(t, "quill-revoke.form"), "q7Lm2Zs9Xv4Rk1Tw8Bn3Yc6Hd0Fj5Gp", raw, 1)
	if status, m, _ := postToken(t, s.URL+"/token", form, "", ""); status != http.StatusOK {
		t.Fatalf("action=revoke: %d %v", status, m)
	}
	if resp, _ := s.Get(t, "/token", raw); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token still verifies: %d", resp.StatusCode)
	}
	if resp, _ := s.Get(t, "/micropub?q=config", raw); resp.StatusCode < 400 {
		t.Errorf("revoked token still works at /micropub: %d", resp.StatusCode)
	}
}

// TestFormEncodedResponse: a client that accepts only form encoding gets it.
func TestFormEncodedResponse(t *testing.T) {
	s := newSite(t)
	a := newApp(t, "/", "html", hApp("Old Client"))
	b := newBrowser(t)
	verifier := strings.Repeat("f", 43)
	code := redeemFresh(t, s, b, a, verifier)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {a.clientID()},
		"redirect_uri": {a.URL + "/cb"}, "code_verifier": {verifier}}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	v, err := url.ParseQuery(string(body))
	if resp.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || err != nil ||
		v.Get("access_token") == "" || v.Get("scope") != "create" || v.Get("me") != s.Cfg.URL {
		t.Errorf("form-encoded token response: %s %q", resp.Header.Get("Content-Type"), body)
	}
}

func TestTokenEndpointCORS(t *testing.T) {
	s := newSite(t)
	resp, _ := s.Do(t, http.MethodOptions, "/token", "", "", nil)
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	status, _, h := postToken(t, s.URL+"/token", "grant_type=authorization_code&code=x&client_id=https%3A%2F%2Fa.example%2F", "", "")
	if status != http.StatusBadRequest || h.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("token error: %d, CORS %q", status, h.Get("Access-Control-Allow-Origin"))
	}
	if _, _, h := postToken(t, s.URL+"/introspect", "token=x", "", ""); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("introspection allows cross-origin calls")
	}
}

func TestRefreshScope(t *testing.T) {
	s := newSite(t)
	a := newApp(t, "/", "html", hApp("Refresher"))
	verifier := strings.Repeat("r", 43)
	back := newBrowser(t).authorize(s, authQuery(a, a.URL+"/cb", "create update media", verifier, "s", ""))
	form := url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")}, "client_id": {a.clientID()},
		"redirect_uri": {a.URL + "/cb"}, "code_verifier": {verifier}}
	_, tok, _ := postToken(t, s.URL+"/token", form.Encode(), "", "")
	refresh := func(rt, clientID, scope string) (int, map[string]any) {
		v := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {clientID}}
		if scope != "" {
			v.Set("scope", scope)
		}
		status, m, _ := postToken(t, s.URL+"/token", v.Encode(), "", "")
		return status, m
	}
	rt := tok["refresh_token"].(string)
	if status, m := refresh(rt, a.clientID(), "create delete"); status != http.StatusBadRequest || m["error"] != "invalid_scope" {
		t.Errorf("widening the scope: %d %v, want 400 invalid_scope", status, m)
	}
	if status, m := refresh(rt, "https://other.example/", ""); status != http.StatusBadRequest || m["error"] != "invalid_grant" {
		t.Errorf("another client's refresh: %d %v, want 400 invalid_grant", status, m)
	}
	status, m := refresh(rt, a.clientID(), "create")
	if status != http.StatusOK || m["scope"] != "create" || m["me"] != s.Cfg.URL {
		t.Fatalf("narrowing the scope: %d %v", status, m)
	}
	if resp, _ := s.Get(t, "/micropub?q=config", m["access_token"].(string)); resp.StatusCode != http.StatusOK {
		t.Errorf("refreshed token: %d", resp.StatusCode)
	}
}
