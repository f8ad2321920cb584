package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
	"github.com/indiepub/indiepub/internal/token"
)

func TestHealthz(t *testing.T) {
	srv := servertest.New(t)
	resp, body := srv.Get(t, "/healthz", "")
	if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
		t.Fatalf("GET /healthz: %d %q, want 200 \"ok\\n\"", resp.StatusCode, body)
	}
}

// TestLoggerInConfig: what the server logs at start goes to the configured logger, here
// where the setup link of a fresh install is (the data directory's setup-link), and that
// link works.
func TestLoggerInConfig(t *testing.T) {
	var logs bytes.Buffer
	srv := servertest.New(t, func(c *server.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	file := filepath.Join(srv.Cfg.DataDir, "setup-link")
	m := regexp.MustCompile(`file="?([^"\s]+)`).FindStringSubmatch(logs.String())
	if m == nil || m[1] != file {
		t.Fatalf("the configured logger's output does not name %s: %q", file, logs.String())
	}
	link, err := os.ReadFile(file)
	if err != nil || !strings.HasPrefix(string(link), srv.Cfg.URL+"setup?token=") {
		t.Fatalf("setup link file: %q, %v", link, err)
	}
	if resp, _ := srv.Get(t, strings.TrimSpace(string(link)), ""); resp.StatusCode != http.StatusOK {
		t.Errorf("GET the setup link: %d, want 200", resp.StatusCode)
	}
}

// TestExternalAuthDiscovery checks that under external auth the home page sends clients
// to the owner's IndieAuth server, not to indiepub's own endpoints.
func TestExternalAuthDiscovery(t *testing.T) {
	const authz, tokens = "https://auth.example.net/auth", "https://auth.example.net/token"
	srv := servertest.New(t, func(c *server.Config) {
		c.Auth = server.AuthExternal
		c.AuthorizationEndpoint = authz
		c.TokenEndpoint = tokens
	})
	resp, body := srv.Get(t, "/", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d", resp.StatusCode)
	}
	links := strings.Join(resp.Header.Values("Link"), ", ")
	for _, want := range []string{
		`<` + authz + `>; rel="authorization_endpoint"`,
		`<` + tokens + `>; rel="token_endpoint"`,
		`<` + srv.Cfg.URL + `micropub>; rel="micropub"`,
	} {
		if !strings.Contains(links, want) {
			t.Errorf("Link headers %q lack %s", links, want)
		}
		if !strings.Contains(string(body), strings.Trim(strings.SplitN(want, ">", 2)[0], "<")) {
			t.Errorf("home page HTML lacks a link to %s", want)
		}
	}
	for _, own := range []string{srv.Cfg.URL + "auth>", srv.Cfg.URL + "token>", "indieauth-metadata"} {
		if strings.Contains(links, own) {
			t.Errorf("Link headers %q still advertise indiepub's own %s", links, own)
		}
	}
}

// TestTokenNamesTheSiteAsConfigured: a token issued from the command line under another
// address (or before the site moved) still names the site as it is configured now, so the
// main server, its token endpoint and a standalone media endpoint agree on whose it is.
func TestTokenNamesTheSiteAsConfigured(t *testing.T) {
	srv := servertest.New(t)
	raw, hash := token.Generate()
	err := srv.DB.CreateToken(context.Background(), &token.Token{Hash: hash, Me: "http://127.0.0.1:8080/",
		Scope: []string{"create"}, Issued: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	resp, body := srv.Get(t, "/token", raw)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /token: %d %s", resp.StatusCode, body)
	}
	var got struct{ Me string }
	if err := json.Unmarshal(body, &got); err != nil || got.Me != srv.Cfg.URL {
		t.Errorf("GET /token says me %q (%v), want the configured %q", got.Me, err, srv.Cfg.URL)
	}
	resp, body = srv.Do(t, http.MethodPost, "/introspect", raw, "application/x-www-form-urlencoded",
		strings.NewReader("token="+raw))
	if err := json.Unmarshal(body, &got); resp.StatusCode != http.StatusOK || err != nil || got.Me != srv.Cfg.URL {
		t.Errorf("introspection: %d %s, want me %q", resp.StatusCode, body, srv.Cfg.URL)
	}
}

// TestDebugLogsRequests: with debug logging (--debug) every request is logged with its
// status; without it, nothing is.
func TestDebugLogsRequests(t *testing.T) {
	var buf bytes.Buffer
	var level slog.LevelVar
	srv := servertest.New(t, func(c *server.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: &level}))
	})
	for _, l := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		buf.Reset()
		level.Set(l)
		srv.Get(t, "/no-such-page", "")
		logged := strings.Contains(buf.String(), `method=GET route="GET /" status=404`)
		if logged != (l == slog.LevelDebug) {
			t.Errorf("level %v: request logged %v, want %v: %q", l, logged, l == slog.LevelDebug, buf.String())
		}
	}
}
