package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The tests of indiepub on PostgreSQL (migrate_test.go, instances_test.go) share these
// helpers; they need the server that INDIEPUB_TEST_POSTGRES names (pgtest).

// runCmd runs an indiepub command in this process and returns what it printed.
func runCmd(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := Main(context.Background(), args, nil, &out, &errOut); err != nil {
		t.Fatalf("indiepub %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}

// issue prints a new token from `indiepub token issue` with args.
func issue(t *testing.T, args ...string) string {
	t.Helper()
	return strings.TrimSpace(runCmd(t, append([]string{"token", "issue", "--scope", "create update delete undelete media"}, args...)...))
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

// do sends a request with the token (if any) and returns the status and body.
func do(t *testing.T, method, u, tok, contentType string, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// getWith fetches u with the token (if any) and fails unless it answers 200.
func getWith(t *testing.T, u, tok string) string {
	t.Helper()
	resp, body := do(t, http.MethodGet, u, tok, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s, want 200", u, resp.StatusCode, body)
	}
	return body
}

// source is the q=source answer for the post at postURL from the server at base.
func source(t *testing.T, base, tok, postURL string) string {
	t.Helper()
	return getWith(t, base+"micropub?q=source&url="+url.QueryEscape(postURL), tok)
}

// createPost posts a form to the Micropub endpoint at base and returns the new post's URL.
func createPost(t *testing.T, base, tok string, form url.Values) string {
	t.Helper()
	resp, body := do(t, http.MethodPost, base+"micropub", tok, "application/x-www-form-urlencoded",
		strings.NewReader(form.Encode()))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create %v: %d %s, want 201", form, resp.StatusCode, body)
	}
	return resp.Header.Get("Location")
}

// micropubJSON posts a JSON action and fails unless it answers want.
func micropubJSON(t *testing.T, base, tok, body string, want int) {
	t.Helper()
	resp, got := do(t, http.MethodPost, base+"micropub", tok, "application/json", strings.NewReader(body))
	if resp.StatusCode != want {
		t.Fatalf("POST %s: %d %s, want %d", body, resp.StatusCode, got, want)
	}
}

// TestBackupRefusesDatabase: backup and restore copy the SQLite file of --data, so with
// --database they refuse rather than write a backup without the site's data.
func TestBackupRefusesDatabase(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"backup", filepath.Join(dir, "b.tar.gz"), "--data", dir, "--database", "postgres://db.example/indiepub"},
		{"restore", filepath.Join(dir, "b.tar.gz"), "--data", dir, "--database", "postgres://db.example/indiepub"},
	} {
		err := Main(context.Background(), args, nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "pg_dump") {
			t.Errorf("indiepub %s: %v, want a refusal that points to pg_dump", strings.Join(args, " "), err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "b.tar.gz")); !os.IsNotExist(err) {
		t.Errorf("backup with --database wrote a file: %v", err)
	}
}
