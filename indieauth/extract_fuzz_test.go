package indieauth_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/indieauth"
)

// contentTypeFor guesses the Content-Type a client sends with body: kind 0 is a form, 1 is
// JSON, 2 is multipart with the boundary taken from the body's first line.
func contentTypeFor(kind uint8, body string) string {
	switch kind % 3 {
	case 0:
		return "application/x-www-form-urlencoded"
	case 1:
		return "application/json"
	}
	first, _, _ := strings.Cut(body, "\r\n")
	return `multipart/form-data; boundary="` + strings.TrimPrefix(first, "--") + `"`
}

// FuzzExtractToken checks that finding the token never fails on a body the handler could
// read, and that the handler afterwards reads exactly the bytes the client sent.
func FuzzExtractToken(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(clientsDir, "*"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no client fixtures in %s", clientsDir)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		kind := uint8(0)
		switch {
		case strings.HasSuffix(name, ".json"):
			kind = 1
		case strings.HasSuffix(name, ".multipart.txt"):
			kind = 2
		}
		f.Add(kind, string(b), "")
		f.Add(kind, string(b), "Bearer q7Lm2Zs9Xv4Rk1Tw8Bn3Yc6Hd0Fj5Gp")
	}
	f.Add(uint8(0), "access_token=a&access_token=b", "")
	f.Add(uint8(1), `{"access_token":"a"}`, "Bearer b")
	f.Fuzz(func(t *testing.T, kind uint8, body, header string) {
		const limit = 1 << 16
		req := httptest.NewRequest(http.MethodPost, "/micropub", strings.NewReader(body))
		req.Header.Set("Content-Type", contentTypeFor(kind, body))
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		tok, err := indieauth.ExtractTokenLimit(req, limit)
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			if len(body) <= limit {
				t.Fatalf("%d-byte body reported too large", len(body))
			}
			return
		case err == nil && tok == "":
			t.Fatal("no error and no token")
		case err != nil && !errors.Is(err, indieauth.ErrNoToken) && !errors.Is(err, indieauth.ErrTwoTokens):
			t.Fatalf("unexpected error %v", err)
		}
		got, err := io.ReadAll(req.Body)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != body {
			t.Fatalf("handler reads %q, client sent %q", got, body)
		}
	})
}
