// Package micropub serves the Micropub endpoint (https://www.w3.org/TR/micropub/):
// creates from form, multipart and JSON bodies, updates, deletes, undeletes and queries.
package micropub

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// Store is what the Micropub endpoint needs from storage.
type Store interface {
	CreatePost(ctx context.Context, p *post.Post) error
	PostByURL(ctx context.Context, url string) (*post.Post, error)
	UpdatePost(ctx context.Context, url string, fn func(*post.Post) error) (*post.Post, error)
	ListPosts(ctx context.Context, q post.Query) ([]*post.Post, error)
	Categories(ctx context.Context, prefix string) ([]string, error)
}

// MediaSaver stores an uploaded file and returns its absolute URL.
type MediaSaver interface {
	Save(ctx context.Context, r io.Reader, filename, contentType string) (url string, err error)
}

// Config is the endpoint's configuration.
type Config struct {
	// URL is the site's absolute base URL, with a trailing slash; every URL handed out is
	// built from it.
	URL string
	// MediaEndpoint is the absolute URL advertised as media-endpoint ("" for none).
	MediaEndpoint string
	// URLPatterns maps post types to URL patterns (see post.Post.Path).
	URLPatterns map[string]string
	// MaxBody caps a request body in bytes.
	MaxBody int64
	Now     func() time.Time
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
	return &Handler{cfg: cfg, store: store, media: media}
}

// ServeHTTP dispatches GET queries and POST actions.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	handle(func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("%w: not implemented", post.ErrInvalid)
	})(w, r)
}
