package visitor

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/indiepub/indiepub/internal/secret"
)

// Cookie names. The visitor's sign-in never touches the database: both cookies are sealed
// with AES-GCM (internal/secret) under the server's key, each under its own context, so
// that one cannot be presented as the other, nor as any other sealed value.
const (
	sessionCookie  = "indiepub_visitor"
	pendingCookie  = "indiepub_visitor_pending"
	sessionContext = "indiepub visitor cookie v1"
	pendingContext = "indiepub visitor pending sign-in v1"
	// maxCookie bounds a sealed cookie value: browsers keep about 4 KB a cookie.
	maxCookie = 3800
	// pendingLifetime bounds the time between leaving for the authorization endpoint and
	// coming back.
	pendingLifetime = 10 * time.Minute
	// defaultLifetime is how long a session lasts whose token names no expiry.
	defaultLifetime = 30 * 24 * time.Hour
)

// ErrCookie means a visitor cookie that does not open: tampered with, sealed under
// another key or context, damaged or expired.
var ErrCookie = errors.New("visitor cookie refused")

// Session is a signed-in visitor, as their cookie holds it. Token is the access token their
// own server issued; it lives only in the sealed cookie, never in indiepub's database or
// logs.
type Session struct {
	Me       string `json:"me"`
	Name     string `json:"name,omitempty"`
	Photo    string `json:"photo,omitempty"`
	Micropub string `json:"micropub,omitempty"`
	// Revocation is their revocation endpoint (or the token endpoint, for legacy
	// servers), asked to revoke Token on sign-out.
	Revocation string `json:"revoke,omitempty"`
	Legacy     bool   `json:"legacy,omitempty"`
	Token      string `json:"token,omitempty"`
	Scope      string `json:"scope,omitempty"`
	// CSRF is the token the response forms carry: random, tied to this cookie.
	CSRF    string `json:"csrf"`
	Expires int64  `json:"exp"`
}

// pending is a sign-in under way, between the redirect to the authorization endpoint
// and the callback.
type pending struct {
	State    string     `json:"state"`
	Verifier string     `json:"verifier"`
	Scope    string     `json:"scope"`
	Return   string     `json:"return"`
	Ep       *endpoints `json:"ep"`
	Expires  int64      `json:"exp"`
}

// seal encodes v and seals it under context; "" when it does not fit in a cookie.
func seal(box *secret.Box, v any, context string) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	s := box.Seal(b, context)
	if len(s) > maxCookie {
		return ""
	}
	return s
}

// openValue opens a sealed cookie value into v, which must carry an expiry later than now.
func openValue(box *secret.Box, value, context string, now time.Time, v interface{ expiry() int64 }) error {
	if len(value) > maxCookie {
		return ErrCookie
	}
	b, err := box.Open(value, context)
	if err != nil {
		return ErrCookie
	}
	if err := json.Unmarshal(b, v); err != nil {
		return ErrCookie
	}
	if v.expiry() <= now.Unix() {
		return ErrCookie
	}
	return nil
}

func (s *Session) expiry() int64 { return s.Expires }
func (p *pending) expiry() int64 { return p.Expires }

// DecodeSession opens a visitor cookie's value; ErrCookie when it is tampered with,
// sealed under another key or context, expired, or not a session.
func DecodeSession(box *secret.Box, value string, now time.Time) (*Session, error) {
	var s Session
	if err := openValue(box, value, sessionContext, now, &s); err != nil {
		return nil, err
	}
	if s.Me == "" || s.CSRF == "" {
		return nil, ErrCookie
	}
	return &s, nil
}

// EncodeSession seals a session into a cookie value; "" when it does not fit.
func EncodeSession(box *secret.Box, s *Session) string { return seal(box, s, sessionContext) }

func (v *Service) setCookie(w http.ResponseWriter, name, value string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", HttpOnly: true, Secure: v.secure, SameSite: http.SameSiteLaxMode,
		MaxAge: max(int(expires.Sub(v.cfg.Now())/time.Second), 1),
	})
}

func (v *Service) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: v.secure, SameSite: http.SameSiteLaxMode})
}
