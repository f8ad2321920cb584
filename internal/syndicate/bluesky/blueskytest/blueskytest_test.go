package blueskytest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/syndicate/bluesky/blueskytest"
)

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func xrpc(t *testing.T, srv *blueskytest.Server, nsid, token, contentType string, body []byte) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/xrpc/"+nsid, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return answer{resp.StatusCode, resp.Header, m}
}

func jsonBody(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func signIn(t *testing.T, srv *blueskytest.Server) string {
	t.Helper()
	a := xrpc(t, srv, "com.atproto.server.createSession", "", "application/json",
		jsonBody(map[string]string{"identifier": blueskytest.Handle, "password": blueskytest.AppPassword}))
	if a.status != 200 || a.body["did"] != blueskytest.DID {
		t.Fatalf("createSession: %d %v", a.status, a.body)
	}
	return a.body["accessJwt"].(string)
}

func post(text string, facets ...[2]int) map[string]any {
	rec := map[string]any{"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-12-02T10:00:00.000Z"}
	var fs []any
	for _, f := range facets {
		fs = append(fs, map[string]any{
			"index":    map[string]any{"byteStart": f[0], "byteEnd": f[1]},
			"features": []any{map[string]any{"$type": "app.bsky.richtext.facet#tag", "tag": "x"}},
		})
	}
	if fs != nil {
		rec["facets"] = fs
	}
	return map[string]any{"repo": blueskytest.DID, "collection": "app.bsky.feed.post", "record": rec}
}

func TestRecordsAreValidated(t *testing.T) {
	srv := blueskytest.New()
	defer srv.Close()
	token := signIn(t, srv)
	tests := []struct {
		name string
		in   map[string]any
		want int
	}{
		{"valid", post("hi #x", [2]int{3, 5}), 200},
		{"facet past the text", post("hi #x", [2]int{3, 9}), 400},
		{"facet cutting a cluster", post("e\u0301 #x", [2]int{1, 3}), 400},
		{"301 graphemes", post(strings.Repeat("👍", 301)), 400},
		{"3001 bytes", post(strings.Repeat("e\u0301\u0301", 600)), 400},
		{"empty text without embed", post(""), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := xrpc(t, srv, "com.atproto.repo.createRecord", token, "application/json", jsonBody(tt.in))
			if a.status != tt.want {
				t.Errorf("status %d, want %d: %v", a.status, tt.want, a.body)
			}
			if tt.want == 400 && a.body["error"] != "InvalidRequest" {
				t.Errorf("error %v, want InvalidRequest", a.body)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	srv := blueskytest.New()
	defer srv.Close()
	if a := xrpc(t, srv, "com.atproto.server.createSession", "", "application/json", jsonBody(map[string]string{"identifier": blueskytest.Handle, "password": "nope"})); a.status != 401 || a.body["error"] != "AuthenticationRequired" {
		t.Errorf("wrong password: %d %v", a.status, a.body)
	}
	token := signIn(t, srv)
	srv.SetBlobLimit(10)
	if a := xrpc(t, srv, "com.atproto.repo.uploadBlob", token, "image/png", make([]byte, 11)); a.status != 400 || a.body["error"] != "BlobTooLarge" {
		t.Errorf("large blob: %d %v", a.status, a.body)
	}
	srv.FailNext(1, 429, "")
	if a := xrpc(t, srv, "com.atproto.repo.uploadBlob", token, "image/png", []byte{1}); a.status != 429 || a.body["error"] != "RateLimitExceeded" || a.header.Get("RateLimit-Remaining") != "0" || a.header.Get("RateLimit-Reset") == "" {
		t.Errorf("429: %d %v %v", a.status, a.body, a.header)
	}
	srv.ExpireTokens()
	if a := xrpc(t, srv, "com.atproto.repo.uploadBlob", token, "image/png", []byte{1}); a.status != 400 || a.body["error"] != "ExpiredToken" {
		t.Errorf("expired token: %d %v", a.status, a.body)
	}
	if a := xrpc(t, srv, "com.atproto.repo.uploadBlob", "", "image/png", []byte{1}); a.status != 401 || a.body["error"] != "AuthenticationRequired" {
		t.Errorf("no token: %d %v", a.status, a.body)
	}
}
