package indieauth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/indieauth"
)

// clientsDir holds request bodies recorded from real clients, in the repository's
// testdata (testdata/README.md); indieauth imports nothing internal, so it reads them itself.
const clientsDir = "../testdata/clients"

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(clientsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// knownTokens accepts two tokens, each for the same owner.
var knownTokens = indieauth.VerifierFunc(func(ctx context.Context, raw string) (*indieauth.Token, error) {
	switch raw {
	case "tok-a", "q7Lm2Zs9Xv4Rk1Tw8Bn3Yc6Hd0Fj5Gp", "oyg5Tn8Kw2Rb7Xq4Mv1Lc9Zp3Hs6Jd0F":
		return &indieauth.Token{Me: "https://example.com/", Scope: []string{"create"}, ClientID: raw}, nil
	case "tok-b":
		return &indieauth.Token{Me: "https://example.com/", Scope: []string{"create"}, ClientID: raw}, nil
	}
	return nil, indieauth.ErrInvalidToken
})

// echoServer runs Require in front of a handler that answers with the token it was given
// and the body it could still read. started is closed when the handler is entered.
func echoServer(t *testing.T, maxBody int64, started chan struct{}) *httptest.Server {
	t.Helper()
	auth := &indieauth.Authenticator{Verifier: knownTokens, MaxBody: maxBody}
	h := auth.Require("create")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if started != nil {
			close(started)
		}
		tok, ok := indieauth.FromContext(r.Context())
		if !ok {
			http.Error(w, "no token in context", http.StatusInternalServerError)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"token": tok.ClientID, "body": string(body)})
	}))
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

type echo struct {
	Token, Body      string
	Error            string
	ErrorDescription string `json:"error_description"`
}

func send(t *testing.T, req *http.Request) (*http.Response, echo) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e echo
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("%s %s: status %d, body %q is not JSON", req.Method, req.URL, resp.StatusCode, b)
	}
	if strings.Contains(string(b), `"error"`) {
		if e.Error == "" || e.ErrorDescription == "" {
			t.Errorf("error body %s lacks error or error_description", b)
		}
	}
	return resp, e
}

func TestExtractToken(t *testing.T) {
	ts := echoServer(t, 1<<20, nil)
	quillNote := string(fixture(t, "quill-note.form"))
	tests := []struct {
		name, query, header, contentType, body string
		wantStatus                             int
		wantToken, wantError                   string
	}{
		{"header", "", "Bearer tok-a", "", "", 200, "tok-a", ""},
		{"header, lower-case scheme", "", "bearer tok-a", "", "", 200, "tok-a", ""},
		{"query", "access_token=tok-a", "", "", "", 200, "tok-a", ""},
		{"form body", "", "", "application/x-www-form-urlencoded", "h=entry&access_token=tok-b&content=hi", 200, "tok-b", ""},
		{"form body with charset", "", "", "application/x-www-form-urlencoded; charset=utf-8", "access_token=tok-b", 200, "tok-b", ""},
		{"json body", "", "", "application/json", `{"type":["h-entry"],"access_token":"tok-b"}`, 200, "tok-b", ""},
		{"form key escaped", "", "", "application/x-www-form-urlencoded", "h=entry&%61ccess_token=tok-b", 200, "tok-b", ""},
		{"json key escaped", "", "", "application/json", `{"\u0061ccess_token":"tok-b"}`, 200, "tok-b", ""},
		{"json key in capitals (encoding/json ignores case)", "", "", "application/json", `{"ACCESS_TOKEN":"tok-b"}`, 200, "tok-b", ""},
		{"json key with a long s (a Unicode fold of s)", "", "", "application/json", `{"acceſs_token":"tok-b"}`, 200, "tok-b", ""},
		{"quill: same token in header and body", "", "Bearer q7Lm2Zs9Xv4Rk1Tw8Bn3Yc6Hd0Fj5Gp", "application/x-www-form-urlencoded", quillNote, 200, "q7Lm2Zs9Xv4Rk1Tw8Bn3Yc6Hd0Fj5Gp", ""},
		{"quill body only", "", "", "application/x-www-form-urlencoded", quillNote, 200, "q7Lm2Zs9Xv4Rk1Tw8Bn3Yc6Hd0Fj5Gp", ""},
		{"same in header and query", "access_token=tok-a", "Bearer tok-a", "", "", 200, "tok-a", ""},
		{"header and different form token", "", "Bearer tok-a", "application/x-www-form-urlencoded", "access_token=tok-b", 400, "", "invalid_request"},
		{"header and different json token", "", "Bearer tok-a", "application/json", `{"access_token":"tok-b"}`, 400, "", "invalid_request"},
		{"query and different form token", "access_token=tok-a", "", "application/x-www-form-urlencoded", "access_token=tok-b", 400, "", "invalid_request"},
		{"two form tokens", "", "", "application/x-www-form-urlencoded", "access_token=tok-a&access_token=tok-b", 400, "", "invalid_request"},
		{"no token", "", "", "", "", 401, "", "unauthorized"},
		{"basic auth is no token", "", "Basic dXNlcjpwYXNz", "", "", 401, "", "unauthorized"},
		{"non-string json token", "", "", "application/json", `{"access_token":["tok-a"]}`, 401, "", "unauthorized"},
		{"invalid json is left to the handler", "", "Bearer tok-a", "application/json", `{"access_token":`, 200, "tok-a", ""},
		{"unknown token", "", "Bearer nope", "", "", 403, "", "forbidden"},
		{"form body over the limit", "", "Bearer tok-a", "application/x-www-form-urlencoded", "content=" + strings.Repeat("x", 1<<20), 413, "", "invalid_request"},
		{"json body over the limit", "", "", "application/json", `{"content":"` + strings.Repeat("x", 1<<20) + `"}`, 413, "", "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := http.MethodGet
			if tt.body != "" {
				method = http.MethodPost
			}
			req, err := http.NewRequest(method, ts.URL+"/micropub?"+tt.query, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, got := send(t, req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d (%s: %s), want %d", resp.StatusCode, got.Error, got.ErrorDescription, tt.wantStatus)
			}
			if got.Token != tt.wantToken || got.Error != tt.wantError {
				t.Errorf("token %q error %q, want %q and %q", got.Token, got.Error, tt.wantToken, tt.wantError)
			}
			if tt.wantStatus == 200 && got.Body != tt.body {
				t.Errorf("handler read body %.80q, want %.80q", got.Body, tt.body)
			}
			if tt.wantStatus == 401 && resp.Header.Get("WWW-Authenticate") != "Bearer" {
				t.Errorf("WWW-Authenticate %q, want Bearer", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
}

// TestExtractTokenMultipartStreams checks that a multipart body reaches the handler while
// the client is still sending the file: the client holds back the rest of the file until
// the handler has started, which would deadlock if the middleware buffered the body.
func TestExtractTokenMultipartStreams(t *testing.T) {
	quill := fixture(t, "quill-photo.multipart.txt")
	const boundary = "a101ffe603e64fb777d1b6f4f9fadd74"
	fileAt := bytes.Index(quill, []byte("<<JPEG"))
	if fileAt < 0 {
		t.Fatal("fixture has no photo part")
	}
	tokenAfterFile := fmt.Sprintf("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\nJPEG\r\n"+
		"--%[1]s\r\nContent-Disposition: form-data; name=\"access_token\"\r\n\r\ntok-a\r\n--%[1]s--\r\n", boundary)
	bigFile := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB, past the scan limit
	tests := []struct {
		name, header string
		head, tail   []byte // the client sends tail only once the handler has started
		wantStatus   int
		wantToken    string
	}{
		{"header token: body untouched", "Bearer q7Lm2Zs9Xv4Rk1Tw8Bn3Yc6Hd0Fj5Gp", nil, quill, 200, "q7Lm2Zs9Xv4Rk1Tw8Bn3Yc6Hd0Fj5Gp"},
		{"token part before the file", "", quill[:fileAt+2], append(bigFile, quill[fileAt+2:]...), 200, "q7Lm2Zs9Xv4Rk1Tw8Bn3Yc6Hd0Fj5Gp"},
		{"ownyourgram", "", fixture(t, "ownyourgram-photo.multipart.txt"), nil, 200, "oyg5Tn8Kw2Rb7Xq4Mv1Lc9Zp3Hs6Jd0F"},
		{"token part after the file is not read", "", []byte(tokenAfterFile), nil, 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			started := make(chan struct{})
			ts := echoServer(t, 1<<10, started) // the form limit must not apply to multipart
			want := append(append([]byte{}, tt.head...), tt.tail...)
			ct := "multipart/form-data; boundary=" + boundary
			if bytes.Contains(tt.head, []byte("5d41c6a0f3e9b8727c1e0d4a9b2f6e31")) {
				ct = "multipart/form-data; boundary=5d41c6a0f3e9b8727c1e0d4a9b2f6e31"
			}
			pr, pw := io.Pipe()
			go func() {
				pw.Write(tt.head)
				if tt.tail != nil {
					select {
					case <-started:
					case <-time.After(5 * time.Second):
						pw.CloseWithError(fmt.Errorf("handler did not start before the file was sent"))
						return
					}
					pw.Write(tt.tail)
				}
				pw.Close()
			}()
			req, err := http.NewRequest(http.MethodPost, ts.URL+"/micropub", pr)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", ct)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			resp, got := send(t, req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d (%s: %s), want %d", resp.StatusCode, got.Error, got.ErrorDescription, tt.wantStatus)
			}
			if got.Token != tt.wantToken {
				t.Errorf("token %q, want %q", got.Token, tt.wantToken)
			}
			if tt.wantStatus == 200 && got.Body != string(want) {
				t.Errorf("handler read %d bytes, want the %d sent, unchanged", len(got.Body), len(want))
			}
		})
	}
}
