// Package servertest starts indiepub's real handler tree on a fresh SQLite file for tests,
// and offers the requests tests make most.
package servertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/store/sqlite"
	"github.com/indiepub/indiepub/internal/token"
)

// Server is a running indiepub on a temporary data directory.
type Server struct {
	*httptest.Server
	DB      *sqlite.DB
	Cfg     server.Config
	Handler *server.Handler
}

// New starts the real router on a fresh database. modify, if given, adjusts the config
// before the server is built; Cfg.URL is the test server's own URL unless modify sets it.
func New(t testing.TB, modify ...func(*server.Config)) *Server {
	t.Helper()
	dir := t.TempDir()
	s := &Server{}
	// The handler is built after the listener exists, so that the configured URL can be
	// the server's own address.
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Handler.ServeHTTP(w, r)
	}))
	s.Start()
	s.Cfg = server.Config{URL: s.URL + "/", DataDir: dir, RefuseFetch: RefuseNames}
	for _, m := range modify {
		m(&s.Cfg)
	}
	// The store indexes the files posts use under the media URLs the config gives.
	db, err := sqlite.OpenWith(t.Context(), filepath.Join(dir, "indiepub.db"), sqlite.Options{
		MediaURLs: []string{strings.TrimSuffix(s.Cfg.URL, "/") + "/media/", s.Cfg.MediaURL}})
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	t.Cleanup(s.Close)
	s.DB = db
	if s.Handler, err = server.New(t.Context(), s.Cfg, db); err != nil {
		t.Fatal(err)
	}
	// Cleanups run last first: the jobs stop before the store closes.
	t.Cleanup(func() { s.Handler.StopJobs(context.Background()) })
	return s
}

// RefuseNames refuses a request to any host that is not an IP address: the tests' own
// servers listen on 127.0.0.1, and a name (example.org, say) would be looked up in the
// DNS by a job. It is New's Config.RefuseFetch; a test that needs names sets its own.
func RefuseNames(r *http.Request) error {
	if _, err := netip.ParseAddr(strings.Trim(r.URL.Hostname(), "[]")); err != nil {
		return fmt.Errorf("servertest: no fetch of %s: the tests reach only IP addresses", r.URL.Host)
	}
	return nil
}

// IssueToken stores a new token for the owner with the given space-separated scopes.
func (s *Server) IssueToken(t testing.TB, scope string) string {
	t.Helper()
	raw, hash := token.Generate()
	err := s.DB.CreateToken(context.Background(), &token.Token{
		Hash: hash, Me: s.Cfg.URL, ClientID: "https://client.example/", Scope: token.ParseScope(scope),
		Issued: time.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// Do sends a request with an optional bearer token and returns the response, its body read.
func (s *Server) Do(t testing.TB, method, path, tok, contentType string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	url := path
	if !strings.HasPrefix(path, "http://") && !strings.HasPrefix(path, "https://") {
		url = s.URL + path
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// PostForm posts a form-encoded body.
func (s *Server) PostForm(t testing.TB, path, tok, form string) (*http.Response, []byte) {
	t.Helper()
	return s.Do(t, http.MethodPost, path, tok, "application/x-www-form-urlencoded", strings.NewReader(form))
}

// PostJSON posts v (a string is sent as it is, anything else is encoded).
func (s *Server) PostJSON(t testing.TB, path, tok string, v any) (*http.Response, []byte) {
	t.Helper()
	var body []byte
	if str, ok := v.(string); ok {
		body = []byte(str)
	} else {
		var err error
		if body, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	return s.Do(t, http.MethodPost, path, tok, "application/json", bytes.NewReader(body))
}

// Get sends a GET with an optional token.
func (s *Server) Get(t testing.TB, path, tok string) (*http.Response, []byte) {
	t.Helper()
	return s.Do(t, http.MethodGet, path, tok, "", nil)
}

// IssueClientToken stores a new token for the owner with the given scopes, issued to the
// app clientID, for tests where which app holds a token matters.
func (s *Server) IssueClientToken(t testing.TB, scope, clientID string) string {
	t.Helper()
	raw, hash := token.Generate()
	err := s.DB.CreateToken(context.Background(), &token.Token{
		Hash: hash, Me: s.Cfg.URL, ClientID: clientID, Scope: token.ParseScope(scope),
		Issued: time.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
