// Package authserver is indiepub's IndieAuth server: the authorization endpoint with its
// consent page, the token, introspection and revocation endpoints, the server metadata
// document and the fetching of client information. Who the owner is, and whether they are
// signed in, is package owner's business.
//
// It follows the IndieAuth Living Standard (https://indieauth.spec.indieweb.org/) on top
// of OAuth 2.0 (RFC 6749), PKCE (RFC 7636), token revocation (RFC 7009) and token
// introspection (RFC 7662), with the allowances real clients need (see
// testdata/clients/INDEX.md).
package authserver

import (
	"context"
	"embed"
	"net/http"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/pkce"
	"github.com/indiepub/indiepub/internal/token"
)

// Store is what the IndieAuth server needs from the database.
type Store interface {
	TokenByHash(ctx context.Context, hash string) (*token.Token, error)
	RevokeTokenHash(ctx context.Context, hash string) (bool, error)

	CreateCode(ctx context.Context, c *token.Code) error
	RedeemCode(ctx context.Context, hash string, check func(*token.Code) (*token.Grant, error)) (*token.Code, error)
	RotateRefresh(ctx context.Context, refreshHash string, now time.Time, check func(*token.Token) (*token.Grant, error)) error
	RevokeAfterRefreshReuse(ctx context.Context, refreshHash string) (bool, error)

	AddPKCEExemption(ctx context.Context, e *pkce.Exemption) error
	PKCEExempt(ctx context.Context, clientID string) (bool, error)
}

// Profile is what the token and authorization endpoints tell a client about the owner when
// it was granted the profile scope (and email with the email scope).
type Profile struct {
	Name  string `json:"name,omitempty"`
	URL   string `json:"url,omitempty"`
	Photo string `json:"photo,omitempty"`
	Email string `json:"email,omitempty"`
}

// Config configures the server.
type Config struct {
	// PageConfig holds the site's URL, ending in "/" (the owner's "me" and the issuer),
	// the clock, and the Logger, which also receives unavailable client information.
	owner.PageConfig
	// Profile returns the owner's name, photo and email; nil means the URL's host name.
	Profile func(ctx context.Context) Profile
	// Fetch is used to fetch client information; nil means indieauth.NewClient with
	// default options (public addresses only).
	Fetch *http.Client
	// Verifier checks bearer tokens sent to the introspection endpoint and the legacy token
	// verification; it must be the verifier /micropub uses.
	Verifier indieauth.Verifier
}

// Server serves the IndieAuth endpoints.
type Server struct {
	cfg   Config
	store Store
	owner *owner.Service
	pages *owner.Pages
}

//go:embed templates/*.html
var templateFS embed.FS

// New returns the IndieAuth server for the owner of cfg.URL, who signs in through own.
func New(cfg Config, store Store, own *owner.Service) *Server {
	if cfg.Fetch == nil {
		cfg.Fetch = indieauth.NewClient(indieauth.FetchOptions{})
	}
	pages := cfg.Pages(templateFS, "templates/*.html")
	return &Server{cfg: cfg, store: store, owner: own, pages: pages}
}

// Metadata serves the authorization server metadata (IndieAuth §4.1.1).
func (s *Server) Metadata() http.Handler { return http.HandlerFunc(s.metadata) }

// Authorize serves the consent page for an authorization request (IndieAuth §5.2).
func (s *Server) Authorize() http.Handler { return s.pages.Handle(s.authorize) }

// AuthorizePost answers the consent form and redeems codes for the owner's profile URL.
func (s *Server) AuthorizePost() http.Handler { return s.pages.Handle(s.authorizePost) }

// Apps running in a browser redeem codes and refresh tokens from script; the token and
// revocation endpoints use no cookies, so any origin may call them.

// VerifyToken answers the legacy token verification, GET with a bearer token.
func (s *Server) VerifyToken() http.Handler { return cors(s.pages.Handle(s.verifyToken)) }

// Token redeems authorization codes (IndieAuth §5.3) and refresh tokens.
func (s *Server) Token() http.Handler { return cors(s.pages.Handle(s.token)) }

// Introspect answers token introspection (IndieAuth §6.1).
func (s *Server) Introspect() http.Handler { return s.pages.Handle(s.introspect) }

// Revoke revokes a token (IndieAuth §7, RFC 7009).
func (s *Server) Revoke() http.Handler { return cors(s.pages.Handle(s.revoke)) }

// Preflight answers the CORS preflight of the token and revocation endpoints.
func (s *Server) Preflight() http.Handler { return cors(http.HandlerFunc(preflight)) }

func (s *Server) profile(ctx context.Context) Profile {
	var p Profile
	if s.cfg.Profile != nil {
		p = s.cfg.Profile(ctx)
	}
	p.URL = s.cfg.URL
	if p.Name == "" {
		p.Name = owner.Host(s.cfg.URL)
	}
	return p
}

func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		next.ServeHTTP(w, r)
	})
}

func preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "GET, POST")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept")
	h.Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
}
