package owner

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/token"
)

// Session is a signed-in browser of the owner. Hash is the SHA-256 of its cookie's value;
// CSRF is the token every form of the session carries.
type Session struct {
	Hash    string
	CSRF    string
	Created time.Time
	Expires time.Time
}

const (
	sessionCookie   = "indiepub_session"
	csrfCookie      = "indiepub_csrf"
	sessionLifetime = 30 * 24 * time.Hour
)

// Session returns the signed-in owner's session, or nil when the browser is not signed
// in. The session's CSRF token goes into the forms of the owner's pages.
func (s *Service) Session(r *http.Request) (*Session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	sess, err := s.store.SessionByHash(r.Context(), token.Hash(c.Value), s.cfg.Now())
	if errors.Is(err, ErrSessionNotFound) {
		return nil, nil
	}
	return sess, err
}

// IsOwner reports whether the request comes from the owner's signed-in browser. The
// website uses it to show the owner's controls.
func (s *Service) IsOwner(r *http.Request) bool {
	sess, err := s.Session(r)
	return err == nil && sess != nil
}

// CSRF returns the CSRF token of the owner's session, for a form on a page outside the
// owner's pages (the website's sign-out button); "" when the browser is not signed in.
func (s *Service) CSRF(r *http.Request) string {
	sess, err := s.Session(r)
	if err != nil || sess == nil {
		return ""
	}
	return sess.CSRF
}

// startSession signs the browser in.
func (s *Service) startSession(w http.ResponseWriter, r *http.Request) error {
	raw, hash := token.Generate()
	csrf, _ := token.Generate()
	now := s.cfg.Now()
	sess := &Session{Hash: hash, CSRF: csrf, Created: now, Expires: now.Add(sessionLifetime)}
	if err := s.store.CreateSession(r.Context(), sess); err != nil {
		return err
	}
	s.setCookie(w, sessionCookie, raw, sessionLifetime)
	return nil
}

func (s *Service) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
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
func (s *Service) preSessionCSRF(w http.ResponseWriter, r *http.Request) string {
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
		return ErrCSRF
	}
	return checkCSRF(r, c.Value)
}

// checkCSRF compares the form's csrf field with want, in constant time.
func checkCSRF(r *http.Request, want string) error {
	// PostFormValue hides a body that could not be read; a form that timed out is a 408,
	// not a missing token.
	if err := r.ParseForm(); err != nil {
		return FormError(err)
	}
	got := r.PostFormValue("csrf")
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return ErrCSRF
	}
	return nil
}

// SignedIn returns the owner's session for a page only the owner may see. A browser that
// is not signed in is sent to the login page, to come back to this URL, and SignedIn
// returns nil: the caller has answered and stops.
func (s *Service) SignedIn(w http.ResponseWriter, r *http.Request) (*Session, error) {
	sess, err := s.Session(r)
	if err == nil && sess == nil {
		redirectToLogin(w, r)
	}
	return sess, err
}

// CheckForm checks that a POST comes from the owner's session with its CSRF token, and
// returns the session. It is ErrForbidden without a session and ErrCSRF without the token.
func (s *Service) CheckForm(r *http.Request) (*Session, error) {
	sess, err := s.Session(r)
	if err != nil {
		return nil, err
	}
	if sess == nil {
		return nil, ErrForbidden
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
