// Package indieauth verifies IndieAuth access tokens for Go HTTP servers: it finds the token
// in a request, checks it with a Verifier (a local store or an external token endpoint),
// caches the result and enforces scopes per route. It imports nothing from indiepub's
// internal packages, so any Go server can use it.
package indieauth

import (
	"context"
	"errors"
	"slices"
	"time"
)

// Errors a Verifier returns. ErrInvalidToken means the token is unknown, expired, revoked or
// belongs to someone else (403); ErrUnavailable means the token endpoint could not answer
// (503).
var (
	ErrInvalidToken = errors.New("invalid token")
	ErrUnavailable  = errors.New("token endpoint unavailable")
)

// Token is a verified access token.
type Token struct {
	Me       string
	ClientID string
	Scope    []string
	// ExpiresAt is when the token stops being valid; zero when it does not expire.
	ExpiresAt time.Time
}

// HasScope reports whether the token grants scope. The legacy "post" scope grants
// "create" and "update".
func (t *Token) HasScope(scope string) bool {
	if slices.Contains(t.Scope, scope) {
		return true
	}
	return (scope == "create" || scope == "update") && slices.Contains(t.Scope, "post")
}

// Verifier checks a raw access token.
type Verifier interface {
	Verify(ctx context.Context, token string) (*Token, error)
}

// VerifierFunc adapts a function to Verifier.
type VerifierFunc func(ctx context.Context, token string) (*Token, error)

// Verify calls f.
func (f VerifierFunc) Verify(ctx context.Context, token string) (*Token, error) { return f(ctx, token) }

type contextKey struct{}

// NewContext returns a context carrying the verified token.
func NewContext(ctx context.Context, t *Token) context.Context {
	return context.WithValue(ctx, contextKey{}, t)
}

// FromContext returns the verified token that Require put in the request context.
func FromContext(ctx context.Context) (*Token, bool) {
	t, ok := ctx.Value(contextKey{}).(*Token)
	return t, ok
}

// ScopeError says which scope a request lacked; it maps to 403 insufficient_scope.
type ScopeError struct{ Scope string }

func (e *ScopeError) Error() string { return "insufficient scope: " + e.Scope + " is required" }

// CheckScope returns a *ScopeError unless the token grants every scope.
func CheckScope(t *Token, scopes ...string) error {
	for _, s := range scopes {
		if !t.HasScope(s) {
			return &ScopeError{Scope: s}
		}
	}
	return nil
}
