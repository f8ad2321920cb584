package server

import (
	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/token"
)

// Values of Config.Auth.
const (
	AuthLocal    = "local"
	AuthExternal = "external"
)

// newVerifier builds the token verifier that cfg.Auth chooses.
func newVerifier(cfg Config, db token.Store) indieauth.Verifier {
	if cfg.Auth != AuthExternal {
		// Not cached: one indexed read by hash is cheap, and a revocation, even one made
		// by the token command in another process, must take effect at once.
		return &token.Local{Store: db, Now: cfg.Now, Me: cfg.URL, Logger: cfg.Logger}
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
