// Package mediaendpoint serves a Micropub media endpoint
// (https://www.w3.org/TR/micropub/#media-endpoint): uploads streamed into the
// content-addressed media store, the q=last and q=source queries, deletes, and the stored
// files themselves: the HTTP side of the media service (package media), which the
// Micropub endpoint calls too for the files sent to it directly.
package mediaendpoint

import (
	"context"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"sync"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/media"
)

// Config is the endpoint's configuration.
type Config struct {
	// URL is the absolute base URL, with a trailing slash: the endpoint is URL+"media"
	// and files are published under URL+"media/".
	URL string
	// MaxBody caps the body of requests other than uploads, in bytes.
	MaxBody int64
	// BodyTimeout and BodyMinRate bound the receiving of an upload received raw, on a
	// connection taken over from net/http (see reqbody.Limits, which bounds the others);
	// 0 means a minute and no minimum rate.
	BodyTimeout time.Duration
	BodyMinRate int64
	// RawMin is the smallest body received raw (see raw.go); 1 MiB if 0, never if
	// math.MaxInt64. Tests set it to have both ways of receiving.
	RawMin int64
	// RawAnywhere receives bodies raw even where the store says it does not pay (tmpfs),
	// for tests.
	RawAnywhere bool
	// Logger receives the failures a client is not told about; nil discards them.
	Logger *slog.Logger
}

// Handler is the media endpoint. Requests reach it through indieauth's Require, so the
// verified token is in the request context.
type Handler struct {
	cfg   Config
	media *media.Service
	// raw counts the uploads being received raw, on connections net/http no longer
	// tracks (see WaitUploads).
	raw inflight
}

// inflight counts work in progress.
type inflight struct {
	mu   sync.Mutex
	n    int
	none chan struct{} // closed when n falls to 0
}

func (in *inflight) add() {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.n == 0 {
		in.none = make(chan struct{})
	}
	in.n++
}

func (in *inflight) done() {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.n--; in.n == 0 {
		close(in.none)
	}
}

// wait waits until nothing is in progress, or ctx is done.
func (in *inflight) wait(ctx context.Context) error {
	in.mu.Lock()
	n, none := in.n, in.none
	in.mu.Unlock()
	if n == 0 {
		return nil
	}
	select {
	case <-none:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// WaitUploads waits until the uploads being received raw are done, or ctx is. A server
// calls it after http.Server.Shutdown, which does not wait for them: their connections
// have been taken over from net/http.
func (h *Handler) WaitUploads(ctx context.Context) error {
	if err := h.raw.wait(ctx); err != nil {
		return fmt.Errorf("uploads still in flight: %w", err)
	}
	return nil
}

// New returns the media endpoint over the media service.
func New(cfg Config, svc *media.Service) *Handler {
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.RawMin == 0 {
		cfg.RawMin = defaultRawMin
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{cfg: cfg, media: svc}
}

// EndpointURL is the media endpoint's absolute URL, as advertised in q=config.
func (h *Handler) EndpointURL() string { return h.cfg.URL + "media" }

// Endpoint is the endpoint at /media: uploads, actions and queries behind auth, which
// verifies the token (the handler checks the scopes per action).
func (h *Handler) Endpoint(auth *indieauth.Authenticator) http.Handler { return auth.Require()(h) }

// Files serves the stored files under /media/, public.
func (h *Handler) Files() http.Handler { return h.files("/media/") }

// ServeHTTP answers POST uploads and actions and GET queries.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.handle(func(w http.ResponseWriter, r *http.Request) error {
		switch r.Method {
		case http.MethodPost:
			return h.post(w, r)
		case http.MethodGet, http.MethodHead:
			return h.query(w, r)
		}
		w.Header().Set("Allow", "GET, HEAD, POST")
		return errMethod
	})(w, r)
}

func (h *Handler) post(w http.ResponseWriter, r *http.Request) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		return h.upload(w, r)
	case "application/x-www-form-urlencoded":
		return h.action(w, r)
	}
	return fmt.Errorf("%w: want multipart/form-data with a file part, or a form action, not %q",
		errBadRequest, r.Header.Get("Content-Type"))
}

// requireScope checks that the request's verified token grants one of scopes.
func requireScope(r *http.Request, scopes ...string) error {
	tok, ok := indieauth.FromContext(r.Context())
	if !ok {
		return indieauth.ErrNoToken
	}
	for _, s := range scopes {
		if tok.HasScope(s) {
			return nil
		}
	}
	return &indieauth.ScopeError{Scope: scopes[0]}
}
