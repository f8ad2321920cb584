// Package admin serves the owner's pages: the apps holding tokens, the apps allowed to
// sign in without PKCE, the webmentions received, and the site's settings. Who the owner is, and the CSRF
// tokens of the forms, come from package owner.
package admin

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/pkce"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/settings"
	"github.com/indiepub/indiepub/internal/token"
	"github.com/indiepub/indiepub/internal/webmention"
)

// Store is what the owner's pages need from the database.
type Store interface {
	ListTokens(ctx context.Context) ([]*token.Token, error)
	RevokeToken(ctx context.Context, id int64) error
	RevokeClientTokens(ctx context.Context, clientID string) (int64, error)
	ListPKCEExemptions(ctx context.Context) ([]*pkce.Exemption, error)
	RemovePKCEExemption(ctx context.Context, clientID string) error
	// Webmentions received, for moderation.
	webmention.MentionStore
	// Webmentions sent, per post (mentions.go).
	SentStore
	PostByURL(ctx context.Context, url string) (*post.Post, error)
	// PostsReferencing returns the URLs of live posts that use a file (media library).
	PostsReferencing(ctx context.Context, url string, limit int) ([]string, error)
	// SearchPosts lists the posts, not deleted, holding the words searched, newest
	// stored first, for the list of posts' search (postlist.go).
	SearchPosts(ctx context.Context, q post.Search) ([]*post.Post, error)
	// Categories lists the tags in use, for the write form's suggestions and for
	// matching what the owner types to existing tags.
	Categories(ctx context.Context, prefix string) ([]string, error)
	// ListPosts lists posts newest first, for the list of posts (q.After is the cursor).
	ListPosts(ctx context.Context, q post.Query) ([]*post.Post, error)
}

// Config configures the owner's pages.
type Config struct {
	owner.PageConfig
	// Syndication serves /admin/syndication (syndication.go).
	Syndication Syndication
	// Media is the media service behind the library (/admin/media); MaxUpload the
	// largest file it accepts, which bounds an upload's form.
	Media     Media
	MaxUpload int64
	// Studio is what the Write and Edit pages need.
	Studio Studio
	// Settings are the site's settings, shown and saved at /admin/settings; the Write
	// form starts with their default visibility.
	Settings *settings.Service
}

// Server serves the owner's pages.
type Server struct {
	cfg   Config
	store Store
	owner *owner.Service
	posts Posts
	pages *owner.Pages
}

//go:embed templates/*.html
var templateFS embed.FS

// New returns the owner's pages, open to the owner signed in through own; posts are
// changed through posts.
func New(cfg Config, store Store, own *owner.Service, posts Posts) *Server {
	cfg.Script = ScriptPath
	pages := cfg.Pages(templateFS, "templates/*.html")
	if cfg.Studio.MaxBody <= 0 {
		cfg.Studio.MaxBody = 10 << 20
	}
	if cfg.Studio.MaxUpload <= 0 {
		cfg.Studio.MaxUpload = cfg.Studio.MaxBody
	}
	return &Server{cfg: cfg, store: store, owner: own, posts: posts, pages: pages}
}

// Tokens serves the page of apps holding tokens and apps allowed without PKCE.
func (s *Server) Tokens() http.Handler { return s.pages.Handle(s.tokens) }

// Revoke revokes one token.
func (s *Server) Revoke() http.Handler { return s.pages.Handle(s.revoke) }

// RevokeClient revokes every token of one app.
func (s *Server) RevokeClient() http.Handler { return s.pages.Handle(s.revokeClient) }

// WithdrawPKCE withdraws an app's permission to sign in without PKCE.
func (s *Server) WithdrawPKCE() http.Handler { return s.pages.Handle(s.withdrawPKCE) }

type tokensPage struct {
	CSRF, Me   string
	Apps       []*appTokens
	Exemptions []*pkce.Exemption
}

// appTokens are the live tokens of one client, for the owner's token page.
type appTokens struct {
	ClientID string
	Name     string
	Tokens   []tokenRow
}

type tokenRow struct {
	ID                        int64
	Scope                     string
	Issued, LastUsed, Expires string
}

// tokens is the owner's page of live tokens, grouped by app, and of the apps allowed
// to sign in without PKCE.
func (s *Server) tokens(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.owner.SignedIn(w, r)
	if err != nil || sess == nil {
		return err
	}
	tokens, err := s.store.ListTokens(r.Context())
	if err != nil {
		return err
	}
	exemptions, err := s.store.ListPKCEExemptions(r.Context())
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	var apps []*appTokens
	byClient := map[string]*appTokens{}
	for _, t := range tokens {
		if t.Expired(now) {
			continue
		}
		a := byClient[t.ClientID]
		if a == nil {
			a = &appTokens{ClientID: t.ClientID, Name: t.ClientName}
			if a.Name == "" {
				a.Name = orDash(owner.Host(t.ClientID))
			}
			byClient[t.ClientID] = a
			apps = append(apps, a)
		}
		a.Tokens = append(a.Tokens, tokenRow{
			ID: t.ID, Scope: strings.Join(t.Scope, " "),
			Issued: when(t.Issued, "-"), LastUsed: when(t.LastUsed, "never"), Expires: when(t.Expires, "never"),
		})
	}
	sort.SliceStable(apps, func(i, j int) bool { return strings.ToLower(apps[i].Name) < strings.ToLower(apps[j].Name) })
	s.pages.Render(w, r, http.StatusOK, "tokens", tokensPage{CSRF: sess.CSRF, Apps: apps, Exemptions: exemptions, Me: s.cfg.URL})
	return nil
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.owner.CheckForm(r); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil {
		return owner.InvalidRequest("bad token id %q", r.PostFormValue("id"))
	}
	// A token revoked a moment ago (in another tab) is what the owner wanted anyway.
	if err := s.store.RevokeToken(r.Context(), id); err != nil && !errors.Is(err, token.ErrNotFound) {
		return err
	}
	http.Redirect(w, r, "/admin/tokens", http.StatusSeeOther)
	return nil
}

func (s *Server) revokeClient(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.owner.CheckForm(r); err != nil {
		return err
	}
	if _, err := s.store.RevokeClientTokens(r.Context(), r.PostFormValue("client_id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/tokens", http.StatusSeeOther)
	return nil
}

func (s *Server) withdrawPKCE(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.owner.CheckForm(r); err != nil {
		return err
	}
	if err := s.store.RemovePKCEExemption(r.Context(), r.PostFormValue("client_id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/tokens", http.StatusSeeOther)
	return nil
}

func when(t time.Time, zero string) string {
	if t.IsZero() {
		return zero
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
