package indieauth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/indiepub/indiepub/indieauth"
)

// warmCache returns a cache that already holds a token of realistic length.
func warmCache(b *testing.B) (*indieauth.Cache, string) {
	b.Helper()
	const raw = "q7Lm2Zs9Xv4Rk1Tw8Bn3Yc6Hd0Fj5GpA1b2C3d4E5f6G7h" // 43+ characters, like token.Generate
	v := indieauth.VerifierFunc(func(ctx context.Context, s string) (*indieauth.Token, error) {
		return &indieauth.Token{Me: "https://example.com/", Scope: []string{"create"}, ExpiresAt: time.Now().Add(time.Hour)}, nil
	})
	c := indieauth.NewCache(v, indieauth.CacheOptions{})
	if _, err := c.Verify(context.Background(), raw); err != nil {
		b.Fatal(err)
	}
	return c, raw
}

// BenchmarkCacheVerify is a verification answered from a warm cache.
func BenchmarkCacheVerify(b *testing.B) {
	c, raw := warmCache(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Verify(ctx, raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRequireWarmCache is the whole middleware on a GET with a Bearer header; the
// allocations are the request copy and context that carry the token to the handler.
func BenchmarkRequireWarmCache(b *testing.B) {
	c, raw := warmCache(b)
	auth := &indieauth.Authenticator{Verifier: c}
	h := auth.Require("create")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	req := httptest.NewRequest(http.MethodGet, "/micropub?q=config", nil)
	req.Header.Set("Authorization", "Bearer "+raw)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}
