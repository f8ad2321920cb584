package token

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"time"
)

// Errors of the authorization-code grant.
var (
	// ErrCodeUsed means the authorization code was already redeemed once.
	ErrCodeUsed = errors.New("authorization code was already used")
)

// CodeLifetime is how long an authorization code can be redeemed: the IndieAuth spec
// recommends at most 10 minutes.
const CodeLifetime = 10 * time.Minute

// Code is a stored authorization code, bound to what the owner approved. Only its hash is
// stored.
type Code struct {
	Hash        string
	ClientID    string
	ClientName  string
	RedirectURI string
	Me          string
	Scope       []string
	// Challenge is the S256 PKCE code_challenge; empty for a client allowed without PKCE.
	Challenge string
	// Lifetime is how long the access token will live; zero means it does not expire.
	Lifetime time.Duration
	Created  time.Time
	Expires  time.Time
	Used     bool
	// TokenID is the token the code was exchanged for, if any.
	TokenID int64
}

// Expired reports whether the code can no longer be redeemed at now.
func (c *Code) Expired(now time.Time) bool { return !now.Before(c.Expires) }

// VerifyChallenge checks a PKCE code_verifier against the S256 challenge (RFC 7636
// section 4.6), in constant time.
func VerifyChallenge(challenge, verifier string) bool {
	sum := sha256.Sum256([]byte(verifier))
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}

// Grant is a new access token with its optional refresh token, stored together.
type Grant struct {
	Token *Token
	// RefreshHash is the SHA-256 of the refresh token; empty when none is issued.
	RefreshHash    string
	RefreshExpires time.Time
}
