// Package site serves indiepub's public website: the home page with the owner's h-card
// and an h-feed, a page per post with full microformats2 markup, tag pages, Atom, RSS and
// JSON feeds, and the discovery links Micropub and IndieAuth clients look for.
package site

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	mediastore "github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/webmention"
)

// Store is what the website reads from storage.
type Store interface {
	PostByURL(ctx context.Context, url string) (*post.Post, error)
	// ListPosts lists posts newest first; q.After is post.Cursor of the previous page's
	// last post.
	ListPosts(ctx context.Context, q post.Query) ([]*post.Post, error)
	// TagCounts lists the tags of the posts q selects, with their counts.
	TagCounts(ctx context.Context, q post.Query) ([]post.TagCount, error)
	// SiteTag returns a tag's display form; post.ErrNotFound if unknown.
	SiteTag(ctx context.Context, tag string) (string, error)
	// SiteChanges counts changes to posts and says when the last one was.
	SiteChanges(ctx context.Context) (version int64, changed time.Time, err error)
	// NextScheduled returns the earliest published time after t of a published post
	// not deleted (zero when none): when the pages kept for visitors go stale without a
	// write, as a scheduled post appears.
	NextScheduled(ctx context.Context, t time.Time) (time.Time, error)
	// Redirect returns the URL that the path of an imported post moved to;
	// post.ErrNotFound if it did not.
	Redirect(ctx context.Context, path string) (string, error)
	// SearchPosts lists the posts, not deleted, holding every word of q.Text, newest
	// stored first; q.Before is the previous page's last post's ID.
	SearchPosts(ctx context.Context, q post.Search) ([]*post.Post, error)
	// Upload returns the record of a file in the media store, for the type and size
	// feeds give enclosures; mediastore.ErrNotFound if there is none.
	Upload(ctx context.Context, url string) (*mediastore.Upload, error)
	// Mentions lists the webmentions received; the site shows those verified and approved.
	Mentions(ctx context.Context, q webmention.MentionQuery) ([]*webmention.Mention, error)
	// MentionCounts counts the shown webmentions of each target by type, for listings.
	MentionCounts(ctx context.Context, targets []string) (map[string]map[string]int, error)
}

// Config is the website's configuration.
type Config struct {
	// URL is the site's absolute URL with a trailing slash. Every URL on the site is built
	// from it, never from the request's Host.
	URL string
	// Name, Photo and Note describe the owner in the home page's h-card, unless Profile
	// is set.
	Name  string
	Photo string
	Note  string
	// Profile, when set, gives the owner's profile in force when the store's count of
	// changes (SiteChanges) is version; it is asked on every response, so that a change
	// of the owner's settings shows at once (internal/settings caches it per version).
	Profile func(ctx context.Context, version int64) (Profile, error)
	// Lang is the pages' language (the html lang attribute); "en" by default.
	Lang string
	// PageSize is how many posts a listing page shows; 20 by default.
	PageSize int
	// ThemeDir holds templates (*.html) and style.css that replace the embedded ones of
	// the same name; missing files fall back to the defaults.
	ThemeDir string

	// The endpoints advertised for discovery, absolute URLs. Defaults are indiepub's own
	// (URL + micropub, media, auth, token and the metadata document); an empty
	// WebmentionEndpoint advertises none.
	MicropubEndpoint      string
	MediaEndpoint         string
	MetadataEndpoint      string
	AuthorizationEndpoint string
	TokenEndpoint         string
	WebmentionEndpoint    string
	// Hub is the WebSub hub that the home page and the feeds name (websub.go); "" for
	// none.
	Hub string
	// ExternalAuth means someone else's IndieAuth server answers for the owner: only the
	// authorization and token endpoints given are advertised, and indiepub's own are not
	// filled in for the empty ones.
	ExternalAuth bool
	// MediaURL is where the media store's files are published (--media-url), with a
	// trailing slash; URL + "media/" if empty. Feeds give the recorded type and size of
	// the files under it.
	MediaURL string

	// IsOwner reports whether the request comes from the signed-in owner, who alone sees
	// private posts and drafts; nil means nobody is.
	IsOwner func(*http.Request) bool
	// OwnerCSRF returns the signed-in owner's CSRF token, for the sign-out form of the
	// owner's bar; nil means the bar has no sign-out.
	OwnerCSRF func(*http.Request) string
	// OwnerLinks are the owner's bar: the studio's pages, in order. A feature with pages
	// of its own (mentions, syndication) adds its link here where the server is built.
	OwnerLinks []OwnerLink
	// Visitor returns the visitor signed in with their own website (internal/visitor), nil
	// for none. nil means visitors cannot sign in: posts show no sign-in form.
	Visitor func(*http.Request) *Visitor
	// VisitorSignIn, VisitorSignOut and VisitorRespond are the actions of the visitor's
	// forms under posts, and ClientRedirect the redirect URI the home page's h-app
	// names for older IndieAuth servers; used only with Visitor.
	VisitorSignIn, VisitorSignOut, VisitorRespond, ClientRedirect string
	// LoginURL is where the footer's "Sign in" link goes; "" means URL + "login".
	LoginURL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives the failures a visitor is not shown; nil discards them.
	Logger *slog.Logger
}

// defaults fills in unset fields.
func (c *Config) defaults() {
	if !strings.HasSuffix(c.URL, "/") {
		c.URL += "/"
	}
	if c.Lang == "" {
		c.Lang = "en"
	}
	if c.PageSize <= 0 {
		c.PageSize = 20
	}
	def := func(s *string, path string) {
		if *s == "" {
			*s = c.URL + path
		}
	}
	def(&c.MediaURL, "media/")
	def(&c.MicropubEndpoint, "micropub")
	def(&c.MediaEndpoint, "media")
	if !c.ExternalAuth {
		def(&c.MetadataEndpoint, ".well-known/oauth-authorization-server")
		def(&c.AuthorizationEndpoint, "auth")
		def(&c.TokenEndpoint, "token")
	}
	if c.IsOwner == nil {
		c.IsOwner = func(*http.Request) bool { return false }
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	def(&c.LoginURL, "login")
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Visitor is a visitor signed in with their own website, as the post pages show them.
type Visitor struct {
	Me, Name, Photo string
	// CSRF is the token of their forms; CanPost says their sign-in lets them respond.
	CSRF    string
	CanPost bool
}

// OwnerLink is one link of the owner's bar.
type OwnerLink struct {
	Label, URL string
}

// Handler serves the website.
type Handler struct {
	cfg   Config
	store Store
	theme *theme
	// start is when the handler was built: the templates and the owner's details may have
	// changed since any earlier response, so no page is older than this.
	start     time.Time
	links     []discoveryLink
	cache     pageCache
	rendered  contentCache
	fragments fragmentCache
	// profile is the configuration with the owner's profile in force (profile.go).
	profile atomic.Pointer[Config]
}

// New returns the website handler. A theme that fails to parse is logged and the
// embedded theme is used instead, so that a broken template never takes the site down.
func New(cfg Config, store Store) *Handler {
	cfg.defaults()
	h := &Handler{cfg: cfg, store: store, start: cfg.Now().UTC().Truncate(time.Second)}
	h.profile.Store(cfg.withProfile(cfg.normalize(Profile{Name: cfg.Name, Photo: cfg.Photo, Note: cfg.Note})))
	var err error
	if h.theme, err = loadTheme(cfg.ThemeDir, h.funcs()); err != nil {
		cfg.Logger.Error("theme failed to load; using the default theme", "dir", cfg.ThemeDir, "err", err)
		h.theme, err = loadTheme("", h.funcs())
		if err != nil {
			panic(err) // the embedded templates are part of the binary and tested
		}
	}
	h.links = discoveryLinks(cfg)
	return h
}

// The website's handlers, which internal/server mounts; the {tag} path value names a tag.
// Every answer carries the discovery Link headers.

// Home serves the home page.
func (h *Handler) Home() http.Handler { return h.linked(h.hubbed(h.homeSelf, h.serve(h.home))) }

// AtomFeed serves the Atom feed of the site, or of the tag {tag}.
func (h *Handler) AtomFeed() http.Handler {
	return h.linked(h.hubbed(h.feedSelf, h.serve(h.feed(atomFeed))))
}

// RSSFeed serves the RSS feed of the site, or of the tag {tag}.
func (h *Handler) RSSFeed() http.Handler {
	return h.linked(h.hubbed(h.feedSelf, h.serve(h.feed(rssFeed))))
}

// JSONFeed serves the JSON Feed of the site, or of the tag {tag}.
func (h *Handler) JSONFeed() http.Handler {
	return h.linked(h.hubbed(h.feedSelf, h.serve(h.feed(jsonFeed))))
}

// Style serves the theme's style sheet.
func (h *Handler) Style() http.Handler { return h.linked(h.handle(h.style)) }

// Tags serves the list of tags.
func (h *Handler) Tags() http.Handler { return h.linked(h.serve(h.tagList)) }

// TagsRedirect sends /tags to the list of tags.
func (h *Handler) TagsRedirect() http.Handler {
	return h.linked(http.RedirectHandler(h.cfg.URL+"tags/", http.StatusMovedPermanently))
}

// Tag serves the posts of the tag {tag}.
func (h *Handler) Tag() http.Handler { return h.linked(h.serve(h.tagPage)) }

// Entry serves the post at the request's path, or the site's 404 page.
func (h *Handler) Entry() http.Handler { return h.linked(h.serve(h.entryPage)) }

// linked adds the discovery Link headers to next's answers.
func (h *Handler) linked(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, l := range h.links {
			w.Header().Add("Link", l.header())
		}
		next.ServeHTTP(w, r)
	})
}

// funcs are the template functions.
func (h *Handler) funcs() template.FuncMap {
	return template.FuncMap{
		"tagURL": h.tagURL,
		"abs":    func(path string) string { return h.cfg.URL + strings.TrimPrefix(path, "/") },
		"host":   host,
		"dict":   dict,
	}
}

// host is the host name of an absolute URL, for link text.
func host(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s
	}
	return strings.TrimPrefix(u.Hostname(), "www.")
}

// dict builds a map from key, value pairs, to pass several values to a template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, errors.New("dict: keys must be strings")
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
