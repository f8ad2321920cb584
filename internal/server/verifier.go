package server

import (
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/token"
)

// Values of Config.Auth.
const (
	AuthLocal    = "local"
	AuthExternal = "external"
)

// localTokenTTL is how long the server remembers a token of its own store that a
// revocation counter vouches for (revocationCounter): a revocation is seen at the next
// request through the counter, so the TTL only bounds how stale an answer can be when a
// process died between a revocation and its count, and how late a token's last use is
// recorded (token.TouchInterval after the last read).
const localTokenTTL = 10 * time.Second

// revocationCounter is a store that counts token revocations in memory shared by every
// process on the same database (the SQLite store's TokenGeneration).
type revocationCounter interface {
	TokenGeneration() uint64
}

// newVerifier builds the token verifier that cfg.Auth chooses; revocations is the
// store's revocation counter, nil if it has none.
func newVerifier(cfg Config, db token.Store, revocations revocationCounter) indieauth.Verifier {
	if cfg.Auth != AuthExternal {
		local := &token.Local{Store: db, Now: cfg.Now, Me: cfg.URL, Logger: cfg.Logger}
		// Remembered only where every revocation, even one made by the token command
		// in another process, changes a counter this process reads for free: the
		// database read of every request was a tenth of the CPU of a create. Elsewhere
		// (PostgreSQL, where revocation must reach every instance at its next request)
		// each request reads the token.
		if revocations != nil {
			return indieauth.NewCache(local, indieauth.CacheOptions{
				TTL: localTokenTTL, Now: cfg.Now, Generation: revocations.TokenGeneration})
		}
		return local
	}
	x := &indieauth.External{
		Me:                    cfg.URL,
		TokenEndpoint:         cfg.TokenEndpoint,
		IntrospectionEndpoint: cfg.IntrospectionEndpoint,
		IntrospectionAuth:     cfg.IntrospectionAuth,
		Client:                indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: cfg.AllowPrivateFetch}),
		Now:                   cfg.Now,
	}
	return indieauth.NewCache(x, indieauth.CacheOptions{TTL: cfg.TokenCacheTTL, Now: cfg.Now})
}

// issuedTokens is the verifier for indiepub's own authorization server, which answers for
// the tokens it issued. Under external auth that is still the local store: handed the
// external verifier, a site that discovers its own token endpoint from --url would ask
// itself, which would ask itself again, until the timeout.
func issuedTokens(cfg Config, db token.Store, v indieauth.Verifier) indieauth.Verifier {
	if cfg.Verifier == nil && cfg.Auth == AuthExternal {
		return &token.Local{Store: db, Now: cfg.Now, Me: cfg.URL, Logger: cfg.Logger}
	}
	return v
}
