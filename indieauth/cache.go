package indieauth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Cache defaults.
const (
	DefaultCacheTTL    = 5 * time.Minute
	DefaultNegativeTTL = 3 * time.Second
	DefaultCacheSize   = 10000
)

// CacheOptions configure a Cache.
type CacheOptions struct {
	// TTL is how long a valid token is remembered; 0 means DefaultCacheTTL, and a negative
	// TTL turns the cache off. A token that expires sooner is remembered only until then.
	TTL time.Duration
	// NegativeTTL is how long a rejected token is remembered; 0 means DefaultNegativeTTL,
	// negative means rejections are not cached. It stays short so that a token issued a
	// moment after a client first tried it is not refused for long.
	NegativeTTL time.Duration
	// MaxEntries bounds the number of tokens remembered; 0 means DefaultCacheSize.
	MaxEntries int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Generation, if set, lets a token store say that tokens were revoked: it is read
	// before each verification and at each hit, and an answer is used only while
	// Generation returns what it returned before that answer was verified. A store that
	// bumps it after every revocation (even one made by another process sharing the
	// counter) has the revocation refused at the next request, whatever the TTL.
	Generation func() uint64
}

// Cache is a Verifier that remembers another Verifier's answers in memory, so that a
// client posting repeatedly does not cost a round trip to the token endpoint each time.
// Entries are keyed by the SHA-256 of the token; the raw token is never kept. Failures to
// reach the endpoint (ErrUnavailable, or any error other than ErrInvalidToken) are not
// cached. Concurrent first requests with the same token share one verification.
//
// A cached *Token is shared by every request that presents the token: do not modify it.
type Cache struct {
	verifier Verifier
	o        CacheOptions

	hits atomic.Uint64

	mu       sync.RWMutex
	entries  map[[sha256.Size]byte]cacheEntry
	inflight map[[sha256.Size]byte]*flight
}

type cacheEntry struct {
	tok   *Token
	err   error // an ErrInvalidToken, when tok is nil
	until time.Time
	gen   uint64 // CacheOptions.Generation before the verification
}

type flight struct {
	done chan struct{}
	gen  uint64
	tok  *Token
	err  error
}

// NewCache returns a Cache in front of v.
func NewCache(v Verifier, o CacheOptions) *Cache {
	if o.TTL == 0 {
		o.TTL = DefaultCacheTTL
	}
	if o.NegativeTTL == 0 {
		o.NegativeTTL = DefaultNegativeTTL
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultCacheSize
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Cache{
		verifier: v,
		o:        o,
		entries:  make(map[[sha256.Size]byte]cacheEntry),
		inflight: make(map[[sha256.Size]byte]*flight),
	}
}

// Verify implements Verifier.
func (c *Cache) Verify(ctx context.Context, raw string) (*Token, error) {
	if c.o.TTL < 0 {
		return c.verifier.Verify(ctx, raw)
	}
	key := hashToken(raw)
	gen := c.generation()
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if ok && e.gen == gen && c.o.Now().Before(e.until) {
		c.hits.Add(1)
		return e.tok, e.err
	}
	return c.verify(ctx, key, raw, gen)
}

// generation is CacheOptions.Generation's value now, 0 without one.
func (c *Cache) generation() uint64 {
	if c.o.Generation == nil {
		return 0
	}
	return c.o.Generation()
}

// Hits counts the verifications answered from memory since the Cache was made, for
// metrics.
func (c *Cache) Hits() uint64 { return c.hits.Load() }

// hashToken is the SHA-256 of raw. A token of ordinary length is copied to the stack
// first, which keeps a cache hit free of allocations.
func hashToken(raw string) [sha256.Size]byte {
	var buf [256]byte
	if len(raw) <= len(buf) {
		n := copy(buf[:], raw)
		return sha256.Sum256(buf[:n])
	}
	return sha256.Sum256([]byte(raw))
}

// verify asks the underlying verifier, unless a request with the same token already is
// since the generation gen (one begun before a revocation may have read the token as it
// was).
func (c *Cache) verify(ctx context.Context, key [sha256.Size]byte, raw string, gen uint64) (*Token, error) {
	c.mu.Lock()
	if f, ok := c.inflight[key]; ok && f.gen == gen {
		c.mu.Unlock()
		select {
		case <-f.done:
			return f.tok, f.err
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
		}
	}
	f := &flight{done: make(chan struct{}), gen: gen}
	c.inflight[key] = f
	c.mu.Unlock()

	f.tok, f.err = c.verifier.Verify(ctx, raw)

	c.mu.Lock()
	if c.inflight[key] == f {
		delete(c.inflight, key)
	}
	if until, ok := c.expiry(f.tok, f.err); ok {
		c.makeRoom()
		c.entries[key] = cacheEntry{tok: f.tok, err: f.err, until: until, gen: gen}
	}
	c.mu.Unlock()
	close(f.done)
	return f.tok, f.err
}

// expiry says until when an answer may be remembered, and whether it may be at all.
func (c *Cache) expiry(tok *Token, err error) (time.Time, bool) {
	now := c.o.Now()
	switch {
	case err == nil && tok != nil:
		until := now.Add(c.o.TTL)
		if !tok.ExpiresAt.IsZero() && tok.ExpiresAt.Before(until) {
			until = tok.ExpiresAt
		}
		return until, until.After(now)
	case errors.Is(err, ErrInvalidToken) && !errors.Is(err, ErrUnavailable) && c.o.NegativeTTL > 0:
		return now.Add(c.o.NegativeTTL), true
	}
	return time.Time{}, false
}

// makeRoom drops expired entries when the cache is full, then arbitrary ones (map order is
// random) if that was not enough, so that a flood of made-up tokens cannot grow it.
func (c *Cache) makeRoom() {
	if len(c.entries) < c.o.MaxEntries {
		return
	}
	now := c.o.Now()
	for k, e := range c.entries {
		if !now.Before(e.until) {
			delete(c.entries, k)
		}
	}
	for k := range c.entries {
		if len(c.entries) < c.o.MaxEntries*7/8 {
			break
		}
		delete(c.entries, k)
	}
}

// Forget drops whatever the cache remembers about raw, e.g. after the token was revoked.
func (c *Cache) Forget(raw string) {
	key := hashToken(raw)
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}

// Len reports how many tokens the cache remembers, expired entries included.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
