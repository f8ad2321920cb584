package authserver_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/token"
)

// TestRefreshAfterRevocation: the refresh token of a pair that was revoked, by whatever
// way, is refused as revoked, not as a replay: it was never used, and nothing was issued
// in its place, so the client's later tokens live on.
func TestRefreshAfterRevocation(t *testing.T) {
	s := newSite(t)
	a := newApp(t, "/", "html", hApp("Revoked App"))
	b := newBrowser(t)
	ctx := context.Background()
	idOf := func(access string) int64 {
		t.Helper()
		tk, err := s.DB.TokenByHash(ctx, token.Hash(access))
		if err != nil {
			t.Fatal(err)
		}
		return tk.ID
	}
	tests := []struct {
		name   string
		revoke func(access, refresh string)
	}{
		{"revocation endpoint, access token", func(access, _ string) {
			postToken(t, s.URL+"/revoke", "token="+access, "", "")
		}},
		{"revocation endpoint, refresh token", func(_, refresh string) {
			postToken(t, s.URL+"/revoke", "token="+refresh, "", "")
		}},
		{"legacy action=revoke", func(access, _ string) {
			postToken(t, s.URL+"/token", "action=revoke&token="+access, "", "")
		}},
		{"owner's token page", func(access, _ string) {
			_, page := b.get(s.URL + "/admin/tokens")
			id := strconv.FormatInt(idOf(access), 10)
			for _, f := range regexp.MustCompile(`(?s)<form class="inline" method="post" action="/admin/tokens/revoke">.*?</form>`).FindAllString(page, -1) {
				if v := formFields(t, f, "/admin/tokens/revoke"); v.Get("id") == id {
					if resp, body := b.post(s.URL+"/admin/tokens/revoke", v); resp.StatusCode != http.StatusSeeOther {
						t.Fatalf("revoke on the tokens page: %d %s", resp.StatusCode, body)
					}
					return
				}
			}
			t.Fatalf("no revoke form for token %s on the tokens page", id)
		}},
		{"indiepub token revoke ID", func(access, _ string) {
			if err := s.DB.RevokeToken(ctx, idOf(access)); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pair, _, _ := issueViaFlow(t, s, b, a, "create", "application/json")
			access, refresh := pair["access_token"].(string), pair["refresh_token"].(string)
			tt.revoke(access, refresh)
			if resp, _ := s.Get(t, "/micropub?q=config", access); resp.StatusCode < 400 {
				t.Fatalf("revoked access token still works: %d", resp.StatusCode)
			}
			later, _, _ := issueViaFlow(t, s, b, a, "create", "application/json")

			v := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {a.clientID()}}
			status, m, _ := postToken(t, s.URL+"/token", v.Encode(), "", "")
			desc, _ := m["error_description"].(string)
			if status != http.StatusBadRequest || m["error"] != "invalid_grant" ||
				!strings.Contains(desc, "revoked") || strings.Contains(desc, "already used") {
				t.Errorf("refresh of a revoked pair: %d %v, want 400 invalid_grant saying it was revoked", status, m)
			}
			if resp, _ := s.Get(t, "/micropub?q=config", later["access_token"].(string)); resp.StatusCode != http.StatusOK {
				t.Errorf("the client's later token died when the revoked refresh token came back: %d", resp.StatusCode)
			}
		})
	}
}
