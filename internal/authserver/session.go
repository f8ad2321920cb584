package authserver

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/token"
)

const (
	sessionCookie   = "indiepub_session"
	csrfCookie      = "indiepub_csrf"
	sessionLifetime = 30 * 24 * time.Hour
)

// session returns the signed-in owner's session, or nil.
func (s *Server) session(r *http.Request) (*token.Session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	sess, err := s.store.SessionByHash(r.Context(), token.Hash(c.Value), s.cfg.Now())
	if errors.Is(err, token.ErrSessionNotFound) {
		return nil, nil
	}
	return sess, err
}

// IsOwner reports whether the request comes from the owner's signed-in browser. The
// website uses it to show the owner's controls.
func (s *Server) IsOwner(r *http.Request) bool {
	sess, err := s.session(r)
	return err == nil && sess != nil
}

// startSession signs the browser in.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request) error {
	raw, hash := token.Generate()
	csrf, _ := token.Generate()
	now := s.cfg.Now()
	sess := &token.Session{Hash: hash, CSRF: csrf, Created: now, Expires: now.Add(sessionLifetime)}
	if err := s.store.CreateSession(r.Context(), sess); err != nil {
		return err
	}
	s.setCookie(w, sessionCookie, raw, sessionLifetime)
	return nil
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		MaxAge:   int(maxAge / time.Second),
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteLaxMode,
	})
}

// preSessionCSRF returns the token that forms shown before sign-in carry (login, setup): a
// random value kept in a cookie and echoed in the form, which a cross-site page can
// neither read nor set.
func (s *Server) preSessionCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	raw, _ := token.Generate()
	s.setCookie(w, csrfCookie, raw, 24*time.Hour)
	return raw
}

// checkPreSessionCSRF checks a login or setup form's token against its cookie.
func checkPreSessionCSRF(r *http.Request) error {
	c, err := r.Cookie(csrfCookie)
	if err != nil || len(c.Value) < 32 {
		return errCSRF
	}
	return checkCSRF(r, c.Value)
}

// checkCSRF compares the form's csrf field with want, in constant time.
func checkCSRF(r *http.Request, want string) error {
	// PostFormValue hides a body that could not be read; a form that timed out is a 408,
	// not a missing token.
	if err := r.ParseForm(); err != nil {
		return formError(err)
	}
	got := r.PostFormValue("csrf")
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errCSRF
	}
	return nil
}

// ownerForm checks that a POST comes from the owner's session with its CSRF token.
func (s *Server) ownerForm(r *http.Request) (*token.Session, error) {
	sess, err := s.session(r)
	if err != nil {
		return nil, err
	}
	if sess == nil {
		return nil, errForbidden
	}
	if err := checkCSRF(r, sess.CSRF); err != nil {
		return nil, err
	}
	return sess, nil
}

// redirectToLogin sends a browser to the login page, to come back to this URL. A
// backslash a browser left unencoded in the query is encoded, since localPath refuses
// backslashes anywhere.
func redirectToLogin(w http.ResponseWriter, r *http.Request) {
	back := strings.ReplaceAll(r.URL.RequestURI(), "\\", "%5C")
	http.Redirect(w, r, "/login?next="+url.QueryEscape(back), http.StatusSeeOther)
}

// localPath keeps a post-login destination on this site: an absolute path, never a URL
// that a browser would take elsewhere. Browsers drop tabs and newlines inside URLs and
// read a backslash as a slash, so a tab or backslash after the first slash makes a
// "//evil.example/" of it: any control character, space or backslash is refused
// outright, and so is a path that decodes to one starting with "//".
func localPath(next string) string {
	const fallback = "/admin/tokens"
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= 0x20 || c == 0x7f || c == '\\' {
			return fallback
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(u.Path, "//") ||
		strings.Contains(u.Path, "\\") {
		return fallback
	}
	return next
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.URL.Query().Get("next"))
	if s.IsOwner(r) {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	_, err := s.store.OwnerPassword(r.Context())
	noPassword := errors.Is(err, token.ErrNoPassword)
	if err != nil && !noPassword {
		return err
	}
	renderPage(w, r, http.StatusOK, "login", loginPage{
		CSRF: s.preSessionCSRF(w, r), Next: next, NoPassword: noPassword,
	})
	return nil
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := checkPreSessionCSRF(r); err != nil {
		return err
	}
	next := localPath(r.PostFormValue("next"))
	hash, err := s.store.OwnerPassword(r.Context())
	if errors.Is(err, token.ErrNoPassword) {
		return invalidRequest("no password is set yet: use the setup link from the log, or run `indiepub passwd`")
	}
	if err != nil {
		return err
	}
	ip := clientAddr(r, s.cfg.TrustedProxies)
	allowed, at, wait := s.limiter.allow(ip)
	if !allowed {
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		return oauthErr(http.StatusTooManyRequests, "temporarily_unavailable",
			"too many failed sign-in attempts; try again in %d minutes", int(wait.Minutes())+1)
	}
	var ok bool
	ran := s.limiter.check(r.Context(), func() { ok, err = CheckPassword(hash, r.PostFormValue("password")) })
	if !ran {
		s.limiter.forgive(ip, at)
		w.Header().Set("Retry-After", "5")
		return oauthErr(http.StatusTooManyRequests, "temporarily_unavailable",
			"too many sign-in attempts at once; try again in a few seconds")
	}
	if err != nil {
		s.limiter.forgive(ip, at)
		return fmt.Errorf("check password: %w", err)
	}
	if !ok {
		renderPage(w, r, http.StatusUnauthorized, "login", loginPage{
			CSRF: s.preSessionCSRF(w, r), Next: next, Failed: true,
		})
		return nil
	}
	s.limiter.succeed(ip, at)
	if err := s.startSession(w, r); err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.ownerForm(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteSession(r.Context(), sess.Hash); err != nil {
		return err
	}
	s.setCookie(w, sessionCookie, "", -time.Second)
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func (s *Server) setupPage(w http.ResponseWriter, r *http.Request) error {
	raw := r.URL.Query().Get("token")
	ok, err := s.store.SetupTokenValid(r.Context(), token.Hash(raw), s.cfg.Now())
	if err != nil {
		return err
	}
	if raw == "" || !ok {
		return oauthErr(http.StatusNotFound, "invalid_request",
			"this setup link is unknown, used or expired; restart indiepub for a new one, or run `indiepub passwd`")
	}
	renderPage(w, r, http.StatusOK, "setup", setupPage{CSRF: s.preSessionCSRF(w, r), Token: raw})
	return nil
}

func (s *Server) setup(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := checkPreSessionCSRF(r); err != nil {
		return err
	}
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("confirm") {
		return invalidRequest("the two passwords differ")
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return invalidRequest("%v", err)
	}
	err = s.store.UseSetupToken(r.Context(), token.Hash(r.PostFormValue("token")), hash, s.cfg.Now())
	if errors.Is(err, token.ErrNotFound) {
		return oauthErr(http.StatusNotFound, "invalid_request", "this setup link is unknown, used or expired")
	}
	if err != nil {
		return err
	}
	if err := s.startSession(w, r); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/tokens", http.StatusSeeOther)
	return nil
}
