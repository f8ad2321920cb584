// Package owner is the site owner's identity: the password (argon2id), the one-time setup
// link, the login and logout pages, the browser session and its CSRF token, and the limits
// on sign-in attempts. The IndieAuth consent page and the owner's admin pages ask it who
// is signed in; it also renders the pages all of them share (layout, error page).
package owner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/indiepub/indiepub/internal/token"
)

// Store is what the owner's identity needs from the database.
type Store interface {
	OwnerPassword(ctx context.Context) (string, error)
	ReplaceSetupToken(ctx context.Context, hash string, expires time.Time) error
	SetupTokenValid(ctx context.Context, hash string, now time.Time) (bool, error)
	UseSetupToken(ctx context.Context, hash, passwordHash string, now time.Time) error

	CreateSession(ctx context.Context, s *Session) error
	SessionByHash(ctx context.Context, hash string, now time.Time) (*Session, error)
	DeleteSession(ctx context.Context, hash string) error

	// SignInAttempt counts an attempt to sign in from addr at now, in one step with the
	// check that lim lets it through: addr has made fewer than lim.PerAddr attempts that
	// still count (fewer than one once lim.Overall attempts count from all addresses
	// together). It returns the counted attempt's ID, or 0 and the time at which addr may
	// try again. Attempts older than lim.Window are forgotten.
	SignInAttempt(ctx context.Context, addr string, now time.Time, lim SignInLimit) (id int64, retry time.Time, err error)
	// ForgetSignInAttempt takes back the attempt with that ID: its password was never
	// checked.
	ForgetSignInAttempt(ctx context.Context, id int64) error
	// SignInSucceeded takes back the attempt with that ID, whose password was right, and
	// the earlier attempts from addr no longer count against addr (they still count
	// overall).
	SignInSucceeded(ctx context.Context, addr string, id int64) error
}

// Config configures the owner's identity.
type Config struct {
	// URL is the site's URL, ending in "/"; setup links are built from it, and its scheme
	// decides whether cookies are Secure.
	URL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives the errors of requests, and where the setup link is; required.
	Logger *slog.Logger
	// SetupLinkFile is where Start writes the one-time setup link when the owner has no
	// password yet (mode 0600, the file replaced whole), and the log names the file: the
	// link is a secret, and no secret goes to a log. Setting the password removes the
	// file. Empty: no link is made, and the log says to run `indiepub passwd`.
	SetupLinkFile string
	// TrustedProxies are the addresses of reverse proxies in front of indiepub. A login
	// from one of them is counted against the client address it put in X-Forwarded-For;
	// otherwise X-Forwarded-For is ignored, since anyone can send it.
	TrustedProxies []netip.Prefix
}

// Service serves the login and setup pages and tells other packages who is signed in.
type Service struct {
	cfg    Config
	store  Store
	pages  *Pages
	secure bool // cookies get the Secure attribute: the site is served over https
	checks checker
}

// New returns the owner's identity for the site at cfg.URL.
func New(cfg Config, store Store) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{
		cfg:    cfg,
		store:  store,
		pages:  NewPages(PageConfig{URL: cfg.URL, Logger: cfg.Logger}, templateFS, "templates/login.html", "templates/setup.html"),
		secure: len(cfg.URL) >= 8 && cfg.URL[:8] == "https://",
		checks: newChecker(),
	}
}

// LoginPage serves the sign-in form.
func (s *Service) LoginPage() http.Handler { return s.pages.Handle(s.loginPage) }

// Login checks the owner's password and starts a session.
func (s *Service) Login() http.Handler { return s.pages.Handle(s.login) }

// Logout ends the owner's session.
func (s *Service) Logout() http.Handler { return s.pages.Handle(s.logout) }

// SetupPage serves the form behind a one-time setup link.
func (s *Service) SetupPage() http.Handler { return s.pages.Handle(s.setupPage) }

// Setup sets the owner's password through a one-time setup link.
func (s *Service) Setup() http.Handler { return s.pages.Handle(s.setup) }

// Start writes a one-time setup link to Config.SetupLinkFile when the owner has no
// password yet, so that a fresh install can be claimed by whoever can read the machine's
// files, and logs where it is.
func (s *Service) Start(ctx context.Context) error {
	_, err := s.store.OwnerPassword(ctx)
	if err == nil {
		return nil
	}
	if !errors.Is(err, ErrNoPassword) {
		return err
	}
	if s.cfg.SetupLinkFile == "" {
		s.cfg.Logger.WarnContext(ctx, "no owner password is set: run `indiepub passwd` to choose one")
		return nil
	}
	link, err := s.NewSetupLink(ctx)
	if err != nil {
		return err
	}
	if err := writePrivateFile(s.cfg.SetupLinkFile, link+"\n"); err != nil {
		return fmt.Errorf("setup link: %w", err)
	}
	s.cfg.Logger.WarnContext(ctx, "no owner password is set: open the one-time link in this file to choose one, or run `indiepub passwd`",
		"file", s.cfg.SetupLinkFile)
	return nil
}

// writePrivateFile replaces the file at path with text, readable by its owner alone: a
// temporary file beside it, renamed over it, so that no reader sees half of it.
func writePrivateFile(path, text string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".setup-link-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// NewSetupLink creates a one-time link to choose the owner's password, valid for a day,
// replacing earlier ones.
func (s *Service) NewSetupLink(ctx context.Context) (string, error) {
	raw, hash := token.Generate()
	if err := s.store.ReplaceSetupToken(ctx, hash, s.cfg.Now().Add(setupLifetime)); err != nil {
		return "", err
	}
	return s.cfg.URL + "setup?token=" + raw, nil
}

const setupLifetime = 24 * time.Hour
