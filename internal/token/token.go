// Package token describes the access tokens indiepub issues: opaque random strings that
// are stored only as SHA-256 hashes.
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

// ErrNotFound means no live token has that hash or ID.
var ErrNotFound = errors.New("token not found")

// Why a refresh token that was once issued is refused.
var (
	// ErrRefreshUsed means the refresh token was already exchanged for a new pair: a
	// replay (RFC 9700 section 4.14.2).
	ErrRefreshUsed = errors.New("refresh token was already used")
	// ErrRefreshRevoked means the pair was revoked: by the client, the owner, or as the
	// successor of a replayed refresh token.
	ErrRefreshRevoked = errors.New("refresh token was revoked")
)

// Token is a stored access token. The raw value is never kept; Hash identifies it.
type Token struct {
	ID         int64
	Hash       string
	Me         string
	ClientID   string
	ClientName string
	Scope      []string
	Issued     time.Time
	Expires    time.Time // zero: never
	LastUsed   time.Time // zero: never
	Revoked    bool
}

// Expired reports whether the token's lifetime is over at now.
func (t *Token) Expired(now time.Time) bool {
	return !t.Expires.IsZero() && !now.Before(t.Expires)
}

// Generate returns a new random token, URL-safe (no + / = & %), and its hash.
func Generate() (raw, hash string) {
	b := make([]byte, 32)
	rand.Read(b) // never returns an error (crypto/rand, Go 1.24+)
	raw = base64.RawURLEncoding.EncodeToString(b)
	return raw, Hash(raw)
}

// Hash is the hex SHA-256 of a raw token, the only form in which tokens are stored.
func Hash(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// ParseScope splits a space-separated scope string, dropping duplicates and empties.
func ParseScope(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Fields(s) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}
