package server

import (
	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/store/sqlite"
	"github.com/indiepub/indiepub/internal/token"
)

// Values of Config.Auth.
const (
	AuthLocal    = "local"
	AuthExternal = "external"
)

// newVerifier builds the token verifier that cfg.Auth chooses.
func newVerifier(cfg Config, db *sqlite.DB) indieauth.Verifier {
	if cfg.Auth != AuthExternal {
		// Not cached: one indexed read by hash is cheap, and a revocation, even one made
		// by the token command in another process, must take effect at once.
		return &token.Local{Store: db, Now: cfg.Now}
	}
	x := &indieauth.External{
		Me:            cfg.URL,
		TokenEndpoint: cfg.TokenEndpoint,
		Client:        indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: cfg.AllowPrivateFetch}),
		Now:           cfg.Now,
	}
	return indieauth.NewCache(x, indieauth.CacheOptions{TTL: cfg.TokenCacheTTL, Now: cfg.Now})
}
