// Package authserver is indiepub's IndieAuth server: the authorization endpoint with its
// login and consent pages, the token, introspection and revocation endpoints, the server
// metadata document, the one-time setup link and the owner's token page.
//
// It follows the IndieAuth Living Standard (https://indieauth.spec.indieweb.org/) on top
// of OAuth 2.0 (RFC 6749), PKCE (RFC 7636), token revocation (RFC 7009) and token
// introspection (RFC 7662), with the allowances real clients need (see
// testdata/clients/INDEX.md).
package authserver

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/token"
)

// Store is what the IndieAuth server needs from the database.
type Store interface {
	TokenByHash(ctx context.Context, hash string) (*token.Token, error)
	ListTokens(ctx context.Context) ([]*token.Token, error)
	RevokeToken(ctx context.Context, id int64) error
	RevokeTokenHash(ctx context.Context, hash string) (bool, error)
	RevokeClientTokens(ctx context.Context, clientID string) (int64, error)

	CreateCode(ctx context.Context, c *token.Code) error
	RedeemCode(ctx context.Context, hash string, check func(*token.Code) (*token.Grant, error)) (*token.Code, error)
	RotateRefresh(ctx context.Context, refreshHash string, now time.Time, check func(*token.Token) (*token.Grant, error)) error
	RevokeAfterRefreshReuse(ctx context.Context, refreshHash string) (bool, error)

	OwnerPassword(ctx context.Context) (string, error)
	SetOwnerPassword(ctx context.Context, hash string, now time.Time) error
	ReplaceSetupToken(ctx context.Context, hash string, expires time.Time) error
	SetupTokenValid(ctx context.Context, hash string, now time.Time) (bool, error)
	UseSetupToken(ctx context.Context, hash, passwordHash string, now time.Time) error

	CreateSession(ctx context.Context, s *token.Session) error
	SessionByHash(ctx context.Context, hash string, now time.Time) (*token.Session, error)
	DeleteSession(ctx context.Context, hash string) error

	AddPKCEExemption(ctx context.Context, e *token.Exemption) error
	PKCEExempt(ctx context.Context, clientID string) (bool, error)
	ListPKCEExemptions(ctx context.Context) ([]*token.Exemption, error)
	RemovePKCEExemption(ctx context.Context, clientID string) error
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
	// URL is the site's URL, ending in "/": the owner's "me" and the issuer.
	URL string
	// Profile returns the owner's name, photo and email; nil means the URL's host name.
	Profile func(ctx context.Context) Profile
	// Fetch is used to fetch client information; nil means indieauth.NewClient with
	// default options (public addresses only).
	Fetch *http.Client
	// Verifier checks bearer tokens sent to the introspection endpoint and the legacy token
	// verification; it must be the verifier /micropub uses.
	Verifier indieauth.Verifier
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives the setup link; nil means slog.Default().
	Logger *slog.Logger
	// TrustedProxies are the addresses of reverse proxies in front of indiepub. A login
	// from one of them is counted against the client address it put in X-Forwarded-For;
	// otherwise X-Forwarded-For is ignored, since anyone can send it.
	TrustedProxies []netip.Prefix
}

// Server serves the IndieAuth endpoints and the owner's pages.
type Server struct {
	cfg     Config
	store   Store
	secure  bool // cookies get the Secure attribute: the site is served over https
	limiter *limiter
}

// New returns the IndieAuth server for the owner of cfg.URL.
func New(cfg Config, store Store) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Fetch == nil {
		cfg.Fetch = indieauth.NewClient(indieauth.FetchOptions{})
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Server{
		cfg:     cfg,
		store:   store,
		secure:  len(cfg.URL) >= 8 && cfg.URL[:8] == "https://",
		limiter: newLimiter(cfg.Now),
	}
}

// Register adds the server's routes to mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", s.metadata)
	mux.Handle("GET /auth", handle(s.authorize))
	mux.Handle("POST /auth", handle(s.authorizePost))
	// Apps running in a browser redeem codes and refresh tokens from script; these
	// endpoints use no cookies, so any origin may call them.
	mux.Handle("GET /token", cors(handle(s.verifyToken)))
	mux.Handle("POST /token", cors(handle(s.token)))
	mux.Handle("OPTIONS /token", cors(http.HandlerFunc(preflight)))
	mux.Handle("POST /introspect", handle(s.introspect))
	mux.Handle("POST /revoke", cors(handle(s.revoke)))
	mux.Handle("OPTIONS /revoke", cors(http.HandlerFunc(preflight)))
	mux.Handle("GET /login", handle(s.loginPage))
	mux.Handle("POST /login", handle(s.login))
	mux.Handle("POST /logout", handle(s.logout))
	mux.Handle("GET /setup", handle(s.setupPage))
	mux.Handle("POST /setup", handle(s.setup))
	mux.Handle("GET /admin/tokens", handle(s.adminTokens))
	mux.Handle("POST /admin/tokens/revoke", handle(s.adminRevoke))
	mux.Handle("POST /admin/tokens/revoke-client", handle(s.adminRevokeClient))
	mux.Handle("POST /admin/pkce/withdraw", handle(s.adminWithdrawPKCE))
}

// Start prints a one-time setup link to the log when the owner has no password yet, so
// that a fresh install can be claimed from the machine it runs on.
func (s *Server) Start(ctx context.Context) error {
	_, err := s.store.OwnerPassword(ctx)
	if err == nil {
		return nil
	}
	if err != token.ErrNoPassword {
		return err
	}
	link, err := s.NewSetupLink(ctx)
	if err != nil {
		return err
	}
	s.cfg.Logger.Warn("no owner password is set: open this one-time link to choose one, or run `indiepub passwd`",
		"url", link)
	return nil
}

// NewSetupLink creates a one-time link to choose the owner's password, valid for a day,
// replacing earlier ones.
func (s *Server) NewSetupLink(ctx context.Context) (string, error) {
	raw, hash := token.Generate()
	if err := s.store.ReplaceSetupToken(ctx, hash, s.cfg.Now().Add(setupLifetime)); err != nil {
		return "", err
	}
	return s.cfg.URL + "setup?token=" + raw, nil
}

const setupLifetime = 24 * time.Hour

func (s *Server) profile(ctx context.Context) Profile {
	var p Profile
	if s.cfg.Profile != nil {
		p = s.cfg.Profile(ctx)
	}
	p.URL = s.cfg.URL
	if p.Name == "" {
		p.Name = hostOf(s.cfg.URL)
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
