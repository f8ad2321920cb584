package authserver_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// TestClientFixtures runs every real client's authorization request and code exchange
// from testdata/clients, with their shapes and quirks kept, against clients served locally
// in place of their real client_ids.
func TestClientFixtures(t *testing.T) {
	tests := []struct {
		name string
		// The client's site: path of its client_id, kind and page.
		path, kind, page string
		// authorize and token are fixture files; token may be empty, then tokenForm is
		// built here from what INDEX.md says the client sends.
		authorize, token string
		tokenForm        func(a *app, code, verifier string) string
		accept           string
		// verifier replaces the request's code_challenge when the fixture has no token
		// form to carry a matching verifier.
		verifier string
		untick   string
		// want lists fields the client reads; identityOnly: no access token expected.
		want         []string
		wantScope    string
		identityOnly bool
	}{
		{name: "quill", path: "/", kind: "html", page: hApp("Quill"),
			authorize: "quill-authorize.txt", token: "quill-token.form",
			want: []string{"access_token", "scope", "me", "profile"}, wantScope: "create update media profile"},
		{name: "ownyourswarm", path: "/client.json", kind: "json",
			page:      metadataDoc("/client.json", "OwnYourSwarm", "{{base}}/auth/callback"),
			authorize: "ownyourswarm-authorize.txt", verifier: strings.Repeat("0123456789abcdef", 4),
			tokenForm: func(a *app, code, verifier string) string {
				return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {a.clientID()},
					"redirect_uri": {a.URL + "/auth/callback"}, "code_verifier": {verifier}}.Encode()
			},
			want: []string{"access_token", "scope", "me"}, wantScope: "create update"},
		{name: "micropublish", path: "/", kind: "html", page: hApp("Micropublish"),
			authorize: "micropublish-authorize.txt", token: "micropublish-token.form", untick: "undelete",
			want: []string{"access_token", "scope", "me"}, wantScope: "create update delete"},
		{name: "sparkles", path: "/id", kind: "json", page: metadataDoc("/id", "Sparkles", "{{base}}/callback"),
			authorize: "sparkles-authorize.txt", verifier: strings.Repeat("sparkle", 8), accept: "application/json",
			tokenForm: func(a *app, code, verifier string) string {
				return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {a.clientID()},
					"redirect_uri": {a.URL + "/callback"}, "code_verifier": {verifier}}.Encode()
			},
			want: []string{"access_token", "scope", "token_type"}, wantScope: "create"},
		{name: "sunlit", path: "/", kind: "html",
			page:      `<html><body><div class="h-x-app"><span class="p-name">Sunlit</span></div></body></html>`,
			authorize: "sunlit-authorize.txt", token: "sunlit-token.form",
			want: []string{"access_token"}, wantScope: "create"},
		{name: "indiepass", path: "/", kind: "html", page: `<html><body><p>IndiePass</p></body></html>`,
			authorize: "indiepass-authorize.txt", token: "indiepass-token.form", accept: "application/json",
			want: []string{"access_token"}, wantScope: "create update delete media"},
		{name: "indielogin", path: "/id", kind: "json",
			page:      metadataDoc("/id", "indielogin.com", "{{base}}/redirect/indieauth"),
			authorize: "indielogin-authorize.txt", token: "indielogin-token.form", accept: "application/json",
			want: []string{"me", "profile"}, identityOnly: true},
		{name: "microblog", path: "/", kind: "html", page: hApp("Micro.blog"),
			tokenForm: func(a *app, code, _ string) string {
				// The Micro.blog app posts only these four fields.
				return "client_id=" + url.QueryEscape(a.clientID()) + "&code=" + code +
					"&redirect_uri=" + url.QueryEscape(a.URL+"/indieauth/redirect") + "&grant_type=authorization_code"
			},
			want: []string{"access_token", "scope", "me"}, wantScope: "create"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSite(t)
			a := newApp(t, tt.path, tt.kind, tt.page)
			var query string
			if tt.authorize != "" {
				query = rewriteHosts(readFixture(t, tt.authorize), a, s.Cfg.URL)
			} else {
				// Micro.blog: no PKCE, state 0-9999.
				query = "client_id=" + url.QueryEscape(a.clientID()) + "&redirect_uri=" +
					url.QueryEscape(a.URL+"/indieauth/redirect") + "&state=4711&scope=create&me=" +
					url.QueryEscape(s.Cfg.URL) + "&response_type=code"
			}
			if tt.verifier != "" {
				v, _ := url.ParseQuery(query)
				query = strings.Replace(query, "code_challenge="+v.Get("code_challenge"), "code_challenge="+challenge(tt.verifier), 1)
			}
			sent, err := url.ParseQuery(query)
			if err != nil {
				t.Fatal(err)
			}
			b := newBrowser(t)
			var untick []string
			if tt.untick != "" {
				untick = append(untick, tt.untick)
			}
			back := b.authorize(s, query, untick...)
			q := back.Query()
			if back.Scheme+"://"+back.Host+back.Path != sent.Get("redirect_uri") {
				t.Fatalf("redirected to %s, want %s", back, sent.Get("redirect_uri"))
			}
			if q.Get("code") == "" || q.Get("state") != sent.Get("state") || q.Get("iss") != s.Cfg.URL {
				t.Fatalf("redirect %v: want code, state %q and iss", q, sent.Get("state"))
			}
			var form string
			if tt.token != "" {
				form = replaceCode(rewriteHosts(readFixture(t, tt.token), a, s.Cfg.URL), q.Get("code"))
			} else {
				form = tt.tokenForm(a, q.Get("code"), tt.verifier)
			}
			status, resp, _ := postToken(t, s.URL+"/token", form, tt.accept, "")
			if status != http.StatusOK {
				t.Fatalf("token exchange %s: %d %v", form, status, resp)
			}
			for _, f := range tt.want {
				if resp[f] == nil || resp[f] == "" {
					t.Errorf("token response %v lacks %s", resp, f)
				}
			}
			if resp["me"] != nil && resp["me"] != s.Cfg.URL {
				t.Errorf("me = %v, want %s", resp["me"], s.Cfg.URL)
			}
			if tt.identityOnly {
				if resp["access_token"] != nil {
					t.Errorf("identity-only sign-in got an access token: %v", resp)
				}
				return
			}
			if resp["scope"] != tt.wantScope {
				t.Errorf("scope = %v, want %q", resp["scope"], tt.wantScope)
			}
			if r, body := s.Get(t, "/micropub?q=config", resp["access_token"].(string)); r.StatusCode != http.StatusOK {
				t.Errorf("GET /micropub?q=config with %s's token: %d %s", tt.name, r.StatusCode, body)
			}
		})
	}
}

// TestRedeemAtAuthorizationEndpoint: a sign-in client redeems its code at the
// authorization endpoint and learns only who the owner is.
func TestRedeemAtAuthorizationEndpoint(t *testing.T) {
	s := newSite(t)
	a := newApp(t, "/id", "json", metadataDoc("/id", "indielogin.com", "{{base}}/redirect/indieauth"))
	query := rewriteHosts(readFixture(t, "indielogin-authorize.txt"), a, s.Cfg.URL)
	back := newBrowser(t).authorize(s, query)
	form := replaceCode(rewriteHosts(readFixture(t, "indielogin-token.form"), a, s.Cfg.URL), back.Query().Get("code"))
	status, resp, _ := postToken(t, s.URL+"/auth", form, "application/json", "")
	if status != http.StatusOK || resp["me"] != s.Cfg.URL || resp["access_token"] != nil {
		t.Fatalf("redeem at /auth: %d %v, want me only", status, resp)
	}
	if p, _ := resp["profile"].(map[string]any); p["url"] != s.Cfg.URL {
		t.Errorf("profile = %v", resp["profile"])
	}
	if status, resp, _ := postToken(t, s.URL+"/auth", form, "application/json", ""); status != http.StatusBadRequest || resp["error"] != "invalid_grant" {
		t.Errorf("second redemption: %d %v, want 400 invalid_grant", status, resp)
	}
}

// TestProfileAndEmail: the profile comes from the site's configuration, and the email only
// with the email scope.
func TestProfileAndEmail(t *testing.T) {
	clk := &clock{now: time.Now()}
	srv := servertest.New(t, func(c *server.Config) {
		c.AllowPrivateFetch, c.Now = true, clk.Now
		c.Name, c.Photo, c.Email = "Jane Doe", "https://cdn.example/jane.jpg", "jane@example.com"
	})
	hash, _ := owner.HashPassword(ownerPassword)
	if err := srv.DB.SetOwnerPassword(context.Background(), hash, time.Now()); err != nil {
		t.Fatal(err)
	}
	s := &site{Server: srv, clock: clk}
	a := newApp(t, "/", "html", hApp("Profile App"))
	verifier := strings.Repeat("p", 43)
	for _, tc := range []struct{ scope, wantEmail string }{{"profile", ""}, {"profile email", "jane@example.com"}} {
		back := newBrowser(t).authorize(s, authQuery(a, a.URL+"/cb", tc.scope, verifier, "s", ""))
		form := url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")}, "client_id": {a.clientID()},
			"redirect_uri": {a.URL + "/cb"}, "code_verifier": {verifier}}
		status, resp, _ := postToken(t, s.URL+"/token", form.Encode(), "", "")
		p, _ := resp["profile"].(map[string]any)
		if status != http.StatusOK || p["name"] != "Jane Doe" || p["photo"] != "https://cdn.example/jane.jpg" || p["url"] != s.Cfg.URL {
			t.Errorf("scope %q: %d %v", tc.scope, status, resp)
		}
		if email, _ := p["email"].(string); email != tc.wantEmail {
			t.Errorf("scope %q: email %q, want %q", tc.scope, email, tc.wantEmail)
		}
	}
}
