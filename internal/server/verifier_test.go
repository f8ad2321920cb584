package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// tokenEndpoint is the owner's IndieAuth server when indiepub runs with --auth external:
// another machine in real life, a local HTTP server here. It knows one token, "valid",
// issued to whatever me() returns; its home page advertises its token endpoint.
type tokenEndpoint struct {
	*httptest.Server
	me             atomic.Value // string
	calls          atomic.Int32 // legacy GET /token
	introspections atomic.Int32 // POST /introspect
}

func newTokenEndpoint(t *testing.T) *tokenEndpoint {
	t.Helper()
	e := &tokenEndpoint{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", `</token>; rel="token_endpoint"`)
		w.Write([]byte("<!doctype html><title>home</title>"))
	})
	mux.HandleFunc("GET /token", func(w http.ResponseWriter, r *http.Request) {
		e.calls.Add(1)
		if r.Header.Get("Authorization") != "Bearer valid" {
			http.Error(w, `{"error":"invalid_token"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"me": e.me.Load().(string), "client_id": "https://quill.p3k.io/", "scope": "create"})
	})
	mux.HandleFunc("POST /introspect", func(w http.ResponseWriter, r *http.Request) {
		e.introspections.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if r.PostFormValue("token") != "valid" {
			w.Write([]byte(`{"active":false}`))
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"active": true, "me": e.me.Load().(string),
			"client_id": "https://quill.p3k.io/", "scope": "create"})
	})
	e.Server = httptest.NewServer(mux)
	t.Cleanup(e.Close)
	return e
}

func TestExternalAuthIntrospection(t *testing.T) {
	ep := newTokenEndpoint(t)
	s := servertest.New(t, func(c *server.Config) {
		c.Auth = server.AuthExternal
		c.IntrospectionEndpoint = ep.URL + "/introspect"
		c.AllowPrivateFetch = true
		c.TokenCacheTTL = -1
	})
	ep.me.Store(s.Cfg.URL)
	if resp, body := s.Get(t, "/micropub?q=config", "valid"); resp.StatusCode != http.StatusOK {
		t.Fatalf("valid token by introspection: status %d %s", resp.StatusCode, body)
	}
	if resp, body := s.Get(t, "/micropub?q=config", "stolen"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("inactive token: status %d %s, want 403", resp.StatusCode, body)
	}
	if n, legacy := ep.introspections.Load(), ep.calls.Load(); n != 2 || legacy != 0 {
		t.Errorf("introspection asked %d times and the legacy endpoint %d, want 2 and 0", n, legacy)
	}
}

func errorCode(t *testing.T, body []byte) string {
	t.Helper()
	var e struct{ Error string }
	json.Unmarshal(body, &e)
	return e.Error
}

func TestExternalAuth(t *testing.T) {
	ep := newTokenEndpoint(t)
	s := servertest.New(t, func(c *server.Config) {
		c.Auth = server.AuthExternal
		c.TokenEndpoint = ep.URL + "/token"
		c.AllowPrivateFetch = true
	})
	ep.me.Store(strings.ToUpper(s.Cfg.URL[:4]) + s.Cfg.URL[4:]) // HTTP://…: the same me, spelled differently
	for range 5 {
		if resp, body := s.Get(t, "/micropub?q=config", "valid"); resp.StatusCode != http.StatusOK {
			t.Fatalf("valid external token: status %d %s", resp.StatusCode, body)
		}
	}
	if n := ep.calls.Load(); n != 1 {
		t.Errorf("5 requests asked the token endpoint %d times, want 1 (cached)", n)
	}
	local := s.IssueToken(t, "create")
	if resp, body := s.Get(t, "/micropub?q=config", local); resp.StatusCode != http.StatusForbidden || errorCode(t, body) != "forbidden" {
		t.Errorf("token from the local store under external auth: status %d %s, want 403 forbidden", resp.StatusCode, body)
	}
}

func TestExternalAuthDiscoversFromURL(t *testing.T) {
	ep := newTokenEndpoint(t)
	s := servertest.New(t, func(c *server.Config) {
		c.URL = ep.URL + "/" // the owner's homepage, which advertises the token endpoint
		c.Auth = server.AuthExternal
		c.AllowPrivateFetch = true
		c.TokenCacheTTL = -1
	})
	ep.me.Store(ep.URL + "/")
	for i := range 3 {
		if resp, body := s.Get(t, "/micropub?q=config", "valid"); resp.StatusCode != http.StatusOK {
			t.Fatalf("valid token: status %d %s", resp.StatusCode, body)
		}
		if n := ep.calls.Load(); n != int32(i+1) {
			t.Errorf("request %d: token endpoint asked %d times; the cache is off", i+1, n)
		}
	}
	if resp, body := s.Get(t, "/micropub?q=config", "stolen"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("unknown token: status %d %s, want 403", resp.StatusCode, body)
	}
}

func TestExternalAuthWrongMe(t *testing.T) {
	ep := newTokenEndpoint(t)
	ep.me.Store("https://someone-else.example/")
	s := servertest.New(t, func(c *server.Config) {
		c.Auth = server.AuthExternal
		c.TokenEndpoint = ep.URL + "/token"
		c.AllowPrivateFetch = true
	})
	resp, body := s.Get(t, "/micropub?q=config", "valid")
	if resp.StatusCode != http.StatusForbidden || errorCode(t, body) != "forbidden" {
		t.Errorf("token for someone else: status %d %s, want 403 forbidden", resp.StatusCode, body)
	}
}

func TestExternalAuthRefusesPrivateByDefault(t *testing.T) {
	ep := newTokenEndpoint(t)
	s := servertest.New(t, func(c *server.Config) {
		c.Auth = server.AuthExternal
		c.TokenEndpoint = ep.URL + "/token" // a loopback address
	})
	ep.me.Store(s.Cfg.URL)
	resp, body := s.Get(t, "/micropub?q=config", "valid")
	if resp.StatusCode != http.StatusServiceUnavailable || errorCode(t, body) != "temporarily_unavailable" {
		t.Errorf("status %d %s, want 503 temporarily_unavailable", resp.StatusCode, body)
	}
	if n := ep.calls.Load(); n != 0 {
		t.Errorf("the loopback token endpoint was reached %d times", n)
	}
}

// TestExternalAuthOwnEndpoint runs external auth against indiepub's own token endpoint, as
// happens when --token-endpoint names it or discovery from --url finds it: verification must
// go round once, not ask itself in a loop until the timeout.
func TestExternalAuthOwnEndpoint(t *testing.T) {
	s := servertest.New(t, func(c *server.Config) {
		c.Auth = server.AuthExternal
		c.TokenEndpoint = c.URL + "token"
		c.AllowPrivateFetch = true
	})
	tok := s.IssueToken(t, "create")
	start := time.Now()
	resp, body := s.Get(t, "/micropub?q=config", tok)
	if resp.StatusCode != http.StatusOK || time.Since(start) > 3*time.Second {
		t.Errorf("status %d %s after %v, want 200 at once", resp.StatusCode, body, time.Since(start))
	}
}
