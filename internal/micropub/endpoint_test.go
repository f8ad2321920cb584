package micropub_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/servertest"
)

// TestEndpointAnswers checks what every answer at /micropub carries, whoever gives it:
// the Link header naming the endpoint (the token check's 401 and 403 included), and a
// JSON error for methods the endpoint does not serve.
func TestEndpointAnswers(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, allScopes)
	readOnly := srv.IssueToken(t, "profile")
	wantLink := "<" + srv.Cfg.URL + `micropub>; rel="micropub"`
	tests := []struct {
		name, method, tok, contentType, body string
		status                               int
		code                                 string // the JSON error, if any
	}{
		{"config", http.MethodGet, tok, "", "", 200, ""},
		{"HEAD", http.MethodHead, tok, "", "", 200, ""},
		{"create", http.MethodPost, tok, "application/x-www-form-urlencoded", "h=entry&content=linked", 201, ""},
		{"bad request", http.MethodPost, tok, "application/json", "{", 400, "invalid_request"},
		{"no token", http.MethodGet, "", "", "", 401, "unauthorized"},
		{"unknown token", http.MethodPost, "not-a-token", "application/x-www-form-urlencoded", "h=entry&content=x", 403, "forbidden"},
		{"insufficient scope", http.MethodPost, readOnly, "application/x-www-form-urlencoded", "h=entry&content=x", 403, "insufficient_scope"},
		{"PUT", http.MethodPut, tok, "application/json", "{}", 405, "invalid_request"},
		{"DELETE", http.MethodDelete, tok, "", "", 405, "invalid_request"},
		{"PATCH without a token", http.MethodPatch, "", "application/json", "{}", 405, "invalid_request"},
		{"OPTIONS", http.MethodOptions, "", "", "", 405, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := srv.Do(t, tt.method, "/micropub", tt.tok, tt.contentType, strings.NewReader(tt.body))
			if tt.code == "" {
				wantStatus(t, resp, body, tt.status)
			} else {
				wantError(t, resp, body, tt.status, tt.code)
			}
			if links := resp.Header.Values("Link"); len(links) != 1 || links[0] != wantLink {
				t.Errorf("Link %q, want just %q", links, wantLink)
			}
			if tt.status == 405 {
				if allow := resp.Header.Get("Allow"); allow != "GET, HEAD, POST" {
					t.Errorf("Allow %q, want GET, HEAD, POST", allow)
				}
				if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q, want application/json", ct)
				}
			}
		})
	}
}
