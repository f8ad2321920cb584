// Package mediaendpoint serves a Micropub media endpoint
// (https://www.w3.org/TR/micropub/#media-endpoint): uploads streamed into the
// content-addressed media store, the q=last and q=source queries, deletes, and the stored
// files themselves. It also saves files that reach the Micropub endpoint directly, so
// that they land in the same store under the same URLs.
package mediaendpoint

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"sync"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/media"
)

// Records is what the endpoint needs from storage.
type Records interface {
	SaveUpload(ctx context.Context, u *media.Upload) error
	Upload(ctx context.Context, url string) (*media.Upload, error)
	Uploads(ctx context.Context, limit, offset int) ([]*media.Upload, error)
	DeleteUpload(ctx context.Context, url string) error
	// PostsReferencing returns the URLs of live posts that mention url.
	PostsReferencing(ctx context.Context, url string, limit int) ([]string, error)
}

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
	Now         func() time.Time
}

// Handler is the media endpoint. Requests reach it through indieauth's Require, so the
// verified token is in the request context.
type Handler struct {
	cfg     Config
	store   *media.Store
	records Records
	// mu orders making a file visible and recording it against checking an upload's
	// references and removing it, so that a delete never removes a file that an upload of
	// the same bytes has just recorded.
	mu sync.Mutex
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

// New returns the media endpoint over store and records.
func New(cfg Config, store *media.Store, records Records) *Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 1 << 20
	}
	return &Handler{cfg: cfg, store: store, records: records}
}

// EndpointURL is the media endpoint's absolute URL, as advertised in q=config.
func (h *Handler) EndpointURL() string { return h.cfg.URL + "media" }

// Register adds the endpoint's routes to mux: uploads, actions and queries at /media
// behind auth, which verifies the token (the handler checks the scopes per action), and
// the stored files under /media/, public.
func (h *Handler) Register(mux *http.ServeMux, auth *indieauth.Authenticator) {
	endpoint := auth.Require()(h)
	mux.Handle("POST /media", endpoint)
	mux.Handle("GET /media", endpoint)
	mux.Handle("GET /media/", Files(h.store, "/media/"))
}

// ServeHTTP answers POST uploads and actions and GET queries.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	handle(func(w http.ResponseWriter, r *http.Request) error {
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

// save receives r into the media store, makes it visible and records it.
func (h *Handler) save(ctx context.Context, r io.Reader, declared string) (*media.Upload, error) {
	return h.record(ctx, func() (*media.Pending, error) { return h.store.Receive(r, declared) })
}

// record has receive put a file in the store, then makes it visible and records it.
func (h *Handler) record(ctx context.Context, receive func() (*media.Pending, error)) (*media.Upload, error) {
	p, err := receive()
	if err != nil {
		return nil, err
	}
	defer p.Discard()
	u := &media.Upload{URL: h.cfg.URL + "media/" + p.Path(), Path: p.Path(), Hash: p.Hash,
		Type: p.Type, Size: p.Size, Published: h.cfg.Now()}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := p.Commit(); err != nil {
		return nil, err
	}
	if err := h.records.SaveUpload(ctx, u); err != nil {
		// The file stays: it may be an earlier upload of the same bytes, and a file
		// without a record is served all the same.
		return nil, err
	}
	// DEBUG, not INFO: a line per upload would drown a busy server's log; --debug shows
	// them along with the requests.
	slog.DebugContext(ctx, "media uploaded", "url", u.URL, "type", u.Type, "size", u.Size)
	return u, nil
}
