// Package move takes a site out of indiepub and into it: Export writes every post as mf2
// JSON and as Markdown with front matter, every media file and a JSON Feed; Import reads
// such an export back, a WordPress export (WXR) or a JSON Feed (Micro.blog's export
// among them). Imported posts keep their old paths where those fit the site; elsewhere the
// old path redirects (301) to the new URL.
package move

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/post"
)

// Store is what moving posts in needs from storage.
type Store interface {
	PostByURL(ctx context.Context, url string) (*post.Post, error)
	// CreateNumbered stores p at p.URL or, when that is taken, at the first free numbered
	// slug, whose URL urlOf gives; it sets p.Slug, p.URL and p.ID.
	CreateNumbered(ctx context.Context, p *post.Post, urlOf func(slug string) string) error
	ListPosts(ctx context.Context, q post.Query) ([]*post.Post, error)
	// AddRedirect makes an old path answer 301 with target; Redirect reads it back
	// (post.ErrNotFound when there is none).
	AddRedirect(ctx context.Context, path, target string) error
	Redirect(ctx context.Context, path string) (string, error)
}

// Media is the media service as moving needs it: media.Service is one.
type Media interface {
	// Upload stores a file, typed by its bytes, and records it.
	Upload(ctx context.Context, r io.Reader, declared string) (*media.Upload, error)
	Uploads(ctx context.Context, limit, offset int) ([]*media.Upload, error)
	Open(ctx context.Context, path string) (io.ReadSeekCloser, media.Blob, error)
}

// Config is what Import and Export need to know of the site.
type Config struct {
	// URL is the site's absolute URL with a trailing slash.
	URL string
	// URLPatterns maps post types to URL patterns; post.DefaultURLPattern otherwise.
	URLPatterns map[string]string
	// KeepPaths keeps an imported post's old path where it fits the site (see fits);
	// false gives every imported post a URL by the patterns and redirects its old path.
	KeepPaths bool
	// Client fetches attachments that are not found locally; it must be the guarded
	// client (indieauth.NewClient). nil fetches nothing.
	Client *http.Client
	// UploadsDir is a local copy of a WordPress site's wp-content/uploads, read instead
	// of downloading the files.
	UploadsDir string
	// MaxFile bounds a fetched attachment: 100 MiB when zero.
	MaxFile int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (c *Config) defaults() {
	if !strings.HasSuffix(c.URL, "/") {
		c.URL += "/"
	}
	if c.MaxFile == 0 {
		c.MaxFile = 100 << 20
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Report says what an import did.
type Report struct {
	Posts     int // posts created
	Skipped   int // posts already there (an import run again)
	Redirects int // old paths now redirecting
	Media     int // files stored
	// Warnings are what could not be brought along (an attachment that could not be
	// fetched, an item that is no post); the rest of the import went on.
	Warnings []string
}

func (r *Report) warn(format string, args ...any) {
	r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
}

// ErrFormat says that the input is no export Import reads.
var ErrFormat = errors.New("unknown export format")

// entry is one post to import: its item and the URL it had.
type entry struct {
	item   post.Item
	oldURL string
	// slug is the slug the old site gave the post, if any.
	slug string
}

// reserved are the first path segments of indiepub's own routes (internal/server's route
// table): an old post there could not be reached, so it moves.
var reserved = map[string]bool{
	"micropub": true, "media": true, "tags": true, "feed.atom": true, "feed.rss": true,
	"feed.json": true, "style.css": true, "login": true, "logout": true, "setup": true,
	"auth": true, "token": true, "introspect": true, "revoke": true, "admin": true,
	".well-known": true, "healthz": true, "readyz": true, "metrics": true,
}

// oldPath is the escaped path of an old URL where a redirect can catch it: "" for a URL
// with a query (WordPress's ?p=12), the home page or an indiepub route.
func oldPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery != "" || u.Opaque != "" {
		return ""
	}
	p := u.EscapedPath()
	if p == "" || p == "/" || !strings.HasPrefix(p, "/") || strings.Contains(p, "//") ||
		strings.Contains(p, "/./") || strings.Contains(p, "/../") || strings.HasSuffix(p, "/..") ||
		strings.ContainsAny(p, "\\ \t\r\n") {
		return ""
	}
	first, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if reserved[first] {
		return ""
	}
	return p
}

// place stores the post of e: at its old path when that fits and cfg.KeepPaths, otherwise
// at a URL by the site's patterns with the old path redirecting to it. A post already at
// its old path, or whose old path already redirects, was imported before and is skipped.
func (im *importer) place(ctx context.Context, e entry) error {
	p, err := post.New(e.item, im.cfg.Now())
	if err != nil {
		return fmt.Errorf("%s: %w", e.oldURL, err)
	}
	old := oldPath(e.oldURL)
	pattern := im.cfg.URLPatterns[p.Type]
	urlOf := func(slug string) string { return im.cfg.URL + strings.TrimPrefix(p.PathFor(pattern, slug), "/") }
	p.Slug = post.ChooseSlug(p.Item, e.slug, p.LocalPublished())
	p.URL = urlOf(p.Slug)
	if old != "" {
		if im.cfg.KeepPaths {
			kept := im.cfg.URL + strings.TrimPrefix(old, "/")
			if _, err := im.store.PostByURL(ctx, kept); err == nil {
				im.report.Skipped++
				return nil
			} else if !errors.Is(err, post.ErrNotFound) {
				return err
			}
			p.URL = kept
		} else if _, err := im.store.Redirect(ctx, old); err == nil {
			im.report.Skipped++
			return nil
		} else if !errors.Is(err, post.ErrNotFound) {
			return err
		}
	}
	if err := im.store.CreateNumbered(ctx, p, urlOf); err != nil {
		return fmt.Errorf("import %s: %w", e.oldURL, err)
	}
	im.report.Posts++
	if old != "" && p.URL != im.cfg.URL+strings.TrimPrefix(old, "/") {
		if err := im.store.AddRedirect(ctx, old, p.URL); err != nil {
			return err
		}
		im.report.Redirects++
	}
	return nil
}

// replacer replaces the old URLs of urls with the new ones, longest first so that a URL
// is not replaced inside a longer one.
func replacer(urls map[string]string) *strings.Replacer {
	olds := make([]string, 0, len(urls))
	for o, n := range urls {
		if o != n && o != "" {
			olds = append(olds, o)
		}
	}
	// The Replacer compares in argument order.
	slices.SortFunc(olds, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	pairs := make([]string, 0, 2*len(olds))
	for _, o := range olds {
		pairs = append(pairs, o, urls[o])
	}
	return strings.NewReplacer(pairs...)
}
