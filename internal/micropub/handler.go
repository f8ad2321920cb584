// Package micropub serves the Micropub endpoint (https://www.w3.org/TR/micropub/):
// creates from form, multipart and JSON bodies, updates, deletes, undeletes and queries.
package micropub

import (
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/settings"
	"github.com/indiepub/indiepub/internal/webmention"
)

// Store is what the Micropub endpoint needs from storage.
type Store interface {
	// CreateNumbered stores a new post at p.URL or, when that is taken, at the first
	// free numbered slug (post.NthSlug), whose URL urlOf gives; it sets p.Slug, p.URL and
	// p.ID.
	CreateNumbered(ctx context.Context, p *post.Post, urlOf func(slug string) string) error
	PostByURL(ctx context.Context, url string) (*post.Post, error)
	UpdatePost(ctx context.Context, url string, fn func(*post.Post) error) (*post.Post, error)
	ListPosts(ctx context.Context, q post.Query) ([]*post.Post, error)
	Categories(ctx context.Context, prefix string) ([]string, error)
	TagCounts(ctx context.Context, q post.Query) ([]post.TagCount, error)
	// PostClient returns the client_id of the app that created the post at url (the
	// post's ClientID when it was created), or "" when none is known.
	PostClient(ctx context.Context, url string) (string, error)
	// WebmentionsSent returns the latest outcome per target of the webmentions sent from
	// the post at source, shown in q=source as mp-webmention-status.
	WebmentionsSent(ctx context.Context, source string) ([]webmention.Sent, error)
}

// MediaSaver stores the files that come with Micropub requests; media.Service is one.
type MediaSaver interface {
	// Save stores an uploaded file, whose type comes from its bytes; contentType is the
	// one the client declared. The Saved's URL is the file's absolute URL.
	Save(ctx context.Context, r io.Reader, contentType string) (media.Saved, error)
	// Discard forgets the files Save stored for a request that then failed (saved, in
	// order), so that they are not offered as uploads (q=last); bytes stored before that
	// request, or used by a post, are kept.
	Discard(ctx context.Context, saved []media.Saved) error
	// MaxSize is the largest file Save accepts.
	MaxSize() int64
}

// Target is a syndication target offered in q=config and q=syndicate-to, in the shape of
// the Micropub syndicate-to extension: uid, name, and the service and account it posts to.
type Target struct {
	UID     string         `json:"uid"`
	Name    string         `json:"name"`
	Service *TargetService `json:"service,omitempty"`
	User    *TargetService `json:"user,omitempty"`
	// Always sends every new post to the target, whether or not its client named it.
	Always bool `json:"-"`
}

// TargetService describes a target's service or account: name, url, photo.
type TargetService struct {
	Name  string `json:"name"`
	URL   string `json:"url,omitempty"`
	Photo string `json:"photo,omitempty"`
}

// Config is the endpoint's configuration.
type Config struct {
	// URL is the site's absolute base URL, with a trailing slash; every URL handed out is
	// built from it.
	URL string
	// MediaEndpoint is the absolute URL advertised as media-endpoint ("" for none).
	MediaEndpoint string
	// URLPatterns maps post types to URL patterns (see post.Post.Path), when Settings
	// is nil.
	URLPatterns map[string]string
	// Settings, when set, gives the settings in force at each create: the URL patterns
	// and the visibility of a post whose client sends none. The owner changes them while
	// the server runs (internal/settings).
	Settings func(ctx context.Context) (settings.Settings, error)
	// MaxBody caps a form or JSON request body, and the text parts of a multipart body, in
	// bytes.
	MaxBody int64
	// MaxUpload caps one uploaded file (a multipart file part or a data: URI), in bytes;
	// MaxBody when zero.
	MaxUpload int64
	// SyndicateTo lists the syndication targets offered to clients, those marked Always
	// added to every new post; it is asked on every request that needs them, since the
	// owner adds and removes targets while the server runs. nil offers none.
	SyndicateTo func(ctx context.Context) []Target
	Now         func() time.Time
	// Logger receives the failures a client is not told about; nil discards them.
	Logger *slog.Logger
	// Changed, when set, is told of every post created, updated, deleted or undeleted,
	// by action ("create", "update", "delete", "undelete"): the server's metrics.
	Changed func(action string)
}

// Handler is the Micropub endpoint. Requests reach it through indieauth's Require, so the
// verified token is in the request context.
type Handler struct {
	cfg   Config
	store Store
	media MediaSaver
}

// New returns the Micropub endpoint.
func New(cfg Config, store Store, media MediaSaver) *Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 10 << 20
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = cfg.MaxBody
	}
	if !strings.HasSuffix(cfg.URL, "/") {
		cfg.URL += "/"
	}
	return &Handler{cfg: cfg, store: store, media: media}
}

// Endpoint is the handler to route /micropub to, every method: require (the token check)
// guarding h, with a Link header naming the endpoint on every answer, the token check's
// 401 and 403 included, so a client holding any response can find the endpoint again;
// methods other than GET, HEAD and POST get a JSON 405 without a token check.
func (h *Handler) Endpoint(require func(http.Handler) http.Handler) http.Handler {
	guarded := require(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.setLink(w)
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodPost:
			guarded.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Allow", "GET, HEAD, POST")
		h.writeError(w, r, errMethod)
	})
}

func (h *Handler) setLink(w http.ResponseWriter) {
	w.Header().Set("Link", "<"+h.cfg.URL+"micropub>; rel=\"micropub\"")
}

// ServeHTTP dispatches GET queries and POST actions; Endpoint puts the token check
// before it. Every answer carries a Link header naming the endpoint.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.setLink(w)
	h.handle(func(w http.ResponseWriter, r *http.Request) error {
		tok, ok := indieauth.FromContext(r.Context())
		if !ok {
			return indieauth.ErrNoToken
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			return h.query(w, r)
		case http.MethodPost:
			return h.post(w, r, tok)
		}
		w.Header().Set("Allow", "GET, HEAD, POST")
		return errMethod
	})(w, r)
}

// post reads the body in whichever of the three formats it comes and runs the action.
// The files a failed request stored are discarded: a create refused after its photo part
// was saved must not leave that photo offered as the latest upload.
func (h *Handler) post(w http.ResponseWriter, r *http.Request, tok *indieauth.Token) error {
	var saved []media.Saved
	err := h.runPost(w, r, tok, &saved)
	if err != nil && len(saved) > 0 {
		h.discard(r, saved)
	}
	return err
}

// discard forgets the files a failed request stored. The client may be gone, so its
// request's cancellation does not stop this; a failure is only logged, since the
// request's own error is what the client needs.
func (h *Handler) discard(r *http.Request, saved []media.Saved) {
	ctx := context.WithoutCancel(r.Context())
	if err := h.media.Discard(ctx, saved); err != nil {
		h.cfg.Logger.WarnContext(ctx, "discard uploads of a failed request", "err", err)
	}
}

// runPost parses the body and runs the action, adding the URLs of the files it stores
// to saved.
func (h *Handler) runPost(w http.ResponseWriter, r *http.Request, tok *indieauth.Token, saved *[]media.Saved) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil && r.Header.Get("Content-Type") != "" {
		return fmt.Errorf("%w: malformed content type %q", post.ErrInvalid, r.Header.Get("Content-Type"))
	}
	var req *request
	switch mt {
	case "application/json":
		req, err = parseJSON(http.MaxBytesReader(w, r.Body, h.cfg.MaxBody))
	case "application/x-www-form-urlencoded", "":
		req, err = parseForm(http.MaxBytesReader(w, r.Body, h.cfg.MaxBody))
	case "multipart/form-data":
		req, err = h.parseMultipart(w, r, params["boundary"], tok, saved)
	default:
		return fmt.Errorf("%w: content type %q", errUnsupported, mt)
	}
	if err != nil {
		return err
	}
	// Files stored from here on (data: images) are recorded in saved too.
	req.saved = saved
	if err := checkBodyToken(r, req.token); err != nil {
		return err
	}
	if req.action != "" && len(*saved) > 0 {
		return fmt.Errorf("%w: files come only with a new post, not with action %q", post.ErrInvalid, req.action)
	}
	switch req.action {
	case "":
		if len(req.uploads) > 0 && req.bareUpload() {
			return h.answerUpload(w, req, tok)
		}
		return h.changed("create", h.create(w, r, tok, req))
	case "update":
		return h.changed("update", h.update(w, r, tok, req))
	case "delete", "undelete":
		return h.changed(req.action, h.setDeleted(w, r, tok, req))
	}
	return fmt.Errorf("%w: unknown action %q", post.ErrInvalid, req.action)
}

// changed tells Config.Changed of an action that succeeded, and returns its error.
func (h *Handler) changed(action string, err error) error {
	if err == nil && h.cfg.Changed != nil {
		h.cfg.Changed(action)
	}
	return err
}

// checkBodyToken refuses a body access_token that differs from the bearer token in the
// header (RFC 6750 section 2: one method per request). The same token twice, as Quill and
// OwnYourGram send it, is accepted. indieauth checks form and JSON bodies before the
// request gets here; multipart bodies stream past it, so they are checked once read.
func checkBodyToken(r *http.Request, body string) error {
	scheme, header, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if body == "" || !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil
	}
	if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(header)), []byte(body)) != 1 {
		return indieauth.ErrTwoTokens
	}
	return nil
}

// abs turns a path from a URL pattern into an absolute URL under the site.
func (h *Handler) abs(path string) string {
	return h.cfg.URL + strings.TrimPrefix(path, "/")
}

// ours reports whether u is a URL this site hands out.
func (h *Handler) ours(u string) bool {
	return strings.HasPrefix(u, h.cfg.URL) && len(u) > len(h.cfg.URL)
}
