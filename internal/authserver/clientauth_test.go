package authserver_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// postBasic posts a form with an Authorization header and decodes the JSON answer.
func postBasic(t *testing.T, endpoint, authorization string, form url.Values) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	m := map[string]any{}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("POST %s: body %q is not JSON: %v", endpoint, raw, err)
	}
	return resp.StatusCode, m, resp.Header
}

// basic is an Authorization header of client credentials encoded as RFC 6749 section
// 2.3.1 says: each part form-urlencoded, then HTTP Basic.
func basic(clientID, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(clientID)+":"+url.QueryEscape(secret)))
}

// TestClientAuthBasic: the client_id may come as HTTP Basic with an empty secret on the
// code grant, the refresh grant and code redemption at the authorization endpoint; a
// secret, a different client_id in the body or a malformed header are refused.
func TestClientAuthBasic(t *testing.T) {
	s := newSite(t)
	a := newApp(t, "/", "html", hApp("Basic App"))
	b := newBrowser(t)
	verifier := strings.Repeat("b", 43)
	codeForm := func(withClientID string) url.Values {
		v := url.Values{"grant_type": {"authorization_code"}, "code": {redeemFresh(t, s, b, a, verifier)},
			"redirect_uri": {a.URL + "/cb"}, "code_verifier": {verifier}}
		if withClientID != "" {
			v.Set("client_id", withClientID)
		}
		return v
	}

	status, tok, _ := postBasic(t, s.URL+"/token", basic(a.clientID(), ""), codeForm(""))
	if status != http.StatusOK || tok["access_token"] == nil || tok["refresh_token"] == nil {
		t.Fatalf("code grant with Basic: %d %v", status, tok)
	}
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}}
	status, tok, _ = postBasic(t, s.URL+"/token", basic(a.clientID(), ""), refresh)
	if status != http.StatusOK || tok["access_token"] == nil {
		t.Fatalf("refresh grant with Basic: %d %v", status, tok)
	}
	if resp, _ := s.Get(t, "/micropub?q=config", tok["access_token"].(string)); resp.StatusCode != http.StatusOK {
		t.Errorf("token refreshed with Basic at /micropub: %d", resp.StatusCode)
	}

	// Code redemption for the identity only, at the authorization endpoint.
	form := codeForm("")
	status, m, _ := postBasic(t, s.URL+"/auth", basic(a.clientID(), ""), form)
	if status != http.StatusOK || m["me"] != s.Cfg.URL || m["access_token"] != nil {
		t.Errorf("POST /auth with Basic: %d %v, want 200 with me only", status, m)
	}

	// The same client_id in the body as well is accepted (indielib sends both).
	if status, m, _ := postBasic(t, s.URL+"/token", basic(a.clientID(), ""), codeForm(a.clientID())); status != http.StatusOK {
		t.Errorf("Basic and the same client_id in the body: %d %v, want 200", status, m)
	}
	// A client_id URL sent unencoded, with an empty secret, is read as sent.
	raw := "Basic " + base64.StdEncoding.EncodeToString([]byte(a.clientID()+":"))
	if status, m, _ := postBasic(t, s.URL+"/token", raw, codeForm("")); status != http.StatusOK {
		t.Errorf("Basic with an unencoded client_id: %d %v, want 200", status, m)
	}
	// Any other scheme is no client authentication, as before.
	if status, m, _ := postBasic(t, s.URL+"/token", "Bearer whatever", codeForm(a.clientID())); status != http.StatusOK {
		t.Errorf("Bearer header with client_id in the body: %d %v, want 200", status, m)
	}

	tests := []struct {
		name, endpoint, authorization string
		form                          url.Values
		status                        int
		code                          string
	}{
		{"secret", "/token", basic(a.clientID(), "s3cret"), codeForm(""), http.StatusUnauthorized, "invalid_client"},
		{"secret on refresh", "/token", basic(a.clientID(), "s3cret"), refresh, http.StatusUnauthorized, "invalid_client"},
		{"secret at /auth", "/auth", basic(a.clientID(), "s3cret"), codeForm(""), http.StatusUnauthorized, "invalid_client"},
		{"not base64", "/token", "Basic %%%", codeForm(""), http.StatusUnauthorized, "invalid_client"},
		{"no colon", "/token", "Basic " + base64.StdEncoding.EncodeToString([]byte("nocolon")), codeForm(""), http.StatusUnauthorized, "invalid_client"},
		{"other client_id in the body", "/token", basic(a.clientID(), ""), codeForm("https://other.example/"), http.StatusBadRequest, "invalid_request"},
		{"other client_id in the body at /auth", "/auth", basic(a.clientID(), ""), codeForm("https://other.example/"), http.StatusBadRequest, "invalid_request"},
		{"another client's Basic", "/token", basic("https://other.example/", ""), codeForm(""), http.StatusBadRequest, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, m, h := postBasic(t, s.URL+tt.endpoint, tt.authorization, tt.form)
			if status != tt.status || m["error"] != tt.code || m["error_description"] == "" {
				t.Errorf("got %d %v, want %d %s with a description", status, m, tt.status, tt.code)
			}
			// RFC 6749 section 5.2: a failed Basic authentication is challenged in Basic.
			if challenge := h.Get("WWW-Authenticate"); (status == http.StatusUnauthorized) != strings.HasPrefix(challenge, "Basic ") {
				t.Errorf("status %d with WWW-Authenticate %q", status, challenge)
			}
		})
	}
}
