package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// failingHandler fails the test on any record: what the server logs must go to
// Config.Logger, never to the global default logger.
type failingHandler struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (h *failingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *failingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *failingHandler) WithGroup(string) slog.Handler            { return h }

func (h *failingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.done {
		h.t.Errorf("logged through slog.Default(): %s %q", r.Level, r.Message)
	}
	return nil
}

// forbidDefaultLogger makes any record sent to slog.Default() fail t until t's end,
// the servers' shutdown included (cleanups run last first, so call it before starting
// them). The tests of this package do not run in parallel.
func forbidDefaultLogger(t *testing.T) {
	h := &failingHandler{t: t}
	old := slog.Default()
	slog.SetDefault(slog.New(h))
	t.Cleanup(func() {
		h.mu.Lock()
		h.done = true
		h.mu.Unlock()
		slog.SetDefault(old)
	})
}

// TestLogsOnlyThroughConfig: failed requests, an unreachable token endpoint and a failed
// start-up render are logged through Config.Logger, and nothing through slog.Default().
func TestLogsOnlyThroughConfig(t *testing.T) {
	forbidDefaultLogger(t)
	logs := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	// A token endpoint on a private address, which the guarded client refuses: 503 and
	// a warning.
	ep := newTokenEndpoint(t)
	ext := servertest.New(t, func(c *server.Config) {
		c.Auth = server.AuthExternal
		c.TokenEndpoint = ep.URL + "/token"
		c.Logger = logger
	})
	if resp, body := ext.Get(t, "/micropub?q=config", "valid"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET /micropub with the token endpoint refused: %d %s, want 503", resp.StatusCode, body)
	}

	// A database gone away: the website, the token check and the start-up render fail.
	srv := servertest.New(t, func(c *server.Config) { c.Logger = logger })
	tok := srv.IssueToken(t, "create")
	srv.DB.SQL().Close()
	if resp, _ := srv.Get(t, "/", ""); resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("GET / on a closed database: %d, want 500", resp.StatusCode)
	}
	if resp, _ := srv.PostForm(t, "/micropub", tok, "h=entry&content=hi"); resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("POST /micropub on a closed database: %d, want 500", resp.StatusCode)
	}
	srv.Handler.Warm(t.Context())

	out := logs.String()
	for _, want := range []string{
		`level=WARN msg="token endpoint unavailable"`,
		`level=ERROR msg="request failed" path=/`,
		`level=ERROR msg="token verification failed"`,
		`level=WARN msg="render the home page at start"`,
		`msg=request method=GET route="GET /{$}" status=500`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Config.Logger's output lacks %s:\n%s", want, out)
		}
	}
	// A handler's own failure carries the request's ID, as its access log line does
	// (the start-up render has no request, and no ID).
	if !regexp.MustCompile(`msg="request failed" path=/ err=.* request_id=[0-9a-f]+-[0-9a-z]+\n`).MatchString(out) {
		t.Errorf("no failed request's line has a request_id:\n%s", out)
	}
}
