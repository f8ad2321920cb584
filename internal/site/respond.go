package site

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"sync"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// rendered is a page or feed ready to send.
type rendered struct {
	body        []byte
	contentType string
	etag        string
	modified    time.Time
	// private marks a page only the owner may see: never cached, here or by proxies.
	private bool
	// uncached marks a page rendered afresh for everyone (a search's results): kept out
	// of the page cache, which holds the listings every visitor asks for.
	uncached bool
}

// renderFunc builds a response; changed is when any post last changed.
type renderFunc func(r *http.Request, changed time.Time) (*rendered, error)

// serve answers a page or feed. Pages change only when a post does, so what was rendered
// for visitors is kept until the next change (the store counts every write); the owner,
// who may see drafts and private posts, always gets a fresh render.
func (h *Handler) serve(fn renderFunc) http.Handler {
	return h.handle(func(w http.ResponseWriter, r *http.Request) error {
		// Read before rendering: a write racing the render can only make the cached page
		// newer than its generation, never older.
		version, changed, err := h.store.SiteChanges(r.Context())
		if err != nil {
			return err
		}
		if err := h.refreshProfile(r.Context(), version); err != nil {
			return err
		}
		// The owner and signed-in visitors see pages made for them: never cached.
		owner := h.cfg.IsOwner(r) || h.visitor(r) != nil
		key := r.URL.Path + "?" + r.URL.RawQuery
		now := h.cfg.Now()
		if !owner {
			if c := h.cache.get(key, version, now); c != nil {
				h.write(w, r, c, owner)
				return nil
			}
		}
		c, err := fn(r, changed)
		if err != nil {
			return err
		}
		if c.etag == "" {
			sum := sha256.Sum256(c.body)
			c.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
		}
		if c.modified.Before(h.start) {
			c.modified = h.start
		}
		if !owner && !c.private && !c.uncached {
			h.cache.put(key, version, now, c, func() (time.Time, error) {
				return h.store.NextScheduled(r.Context(), now)
			})
		}
		h.write(w, r, c, owner)
		return nil
	})
}

// write sends a response with validators, answering conditional GETs (RFC 9110 section
// 13) with 304: the ETag is a hash of the exact body, so any change to it, the theme or the
// owner's details included, changes the tag; Last-Modified is never earlier than the
// handler's start, since templates and configuration may have changed then.
func (h *Handler) write(w http.ResponseWriter, r *http.Request, c *rendered, owner bool) {
	hdr := w.Header()
	hdr.Set("Content-Type", c.contentType)
	hdr.Set("ETag", c.etag)
	switch {
	case c.private:
		hdr.Set("Cache-Control", "private, no-store")
	case owner:
		// The owner may see what others do not: keep shared caches out of it.
		hdr.Set("Cache-Control", "private, no-cache")
	default:
		// Pages change whenever a post does; caches must check back, which is cheap.
		hdr.Set("Cache-Control", "no-cache")
	}
	hdr.Add("Vary", "Cookie")
	hdr.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", c.modified.UTC(), bytes.NewReader(c.body))
}

// pageCache keeps rendered responses for one generation: the store's count of changes to
// posts, until the next scheduled post appears (which no write marks). A new generation
// empties it; so does that time, and reaching its size limit, which bounds memory
// whatever URLs (page cursors) are asked for.
type pageCache struct {
	mu      sync.Mutex
	gen     int64
	entries map[string]*rendered
	// until is when the next scheduled post appears; zero when none is scheduled.
	until time.Time
}

const pageCacheSize = 256

func (pc *pageCache) get(key string, gen int64, now time.Time) *rendered {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.gen != gen || pc.stale(now) {
		return nil
	}
	return pc.entries[key]
}

func (pc *pageCache) stale(now time.Time) bool {
	return !pc.until.IsZero() && !now.Before(pc.until)
}

// put keeps c, rendered at now, under key; next says when the next scheduled post
// appears, asked when a new generation starts. A page is not kept when that cannot be
// told.
func (pc *pageCache) put(key string, gen int64, now time.Time, c *rendered, next func() (time.Time, error)) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.gen != gen || pc.entries == nil || len(pc.entries) >= pageCacheSize || pc.stale(now) {
		if gen < pc.gen {
			return // rendered from an older state than the cache holds
		}
		until, err := next()
		if err != nil {
			pc.entries = nil
			return
		}
		pc.gen, pc.entries, pc.until = gen, map[string]*rendered{}, until
	}
	pc.entries[key] = c
}

// fragmentCache keeps rendered entries by digest, bounded in bytes; when full it starts
// over.
type fragmentCache struct {
	mu      sync.Mutex
	entries map[[32]byte]template.HTML
	size    int
}

const fragmentCacheBytes = 16 << 20

func (fc *fragmentCache) get(key [32]byte) (template.HTML, bool) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	html, ok := fc.entries[key]
	return html, ok
}

func (fc *fragmentCache) clear() {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	fc.entries, fc.size = nil, 0
}

func (fc *fragmentCache) put(key [32]byte, html template.HTML) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if fc.entries == nil || fc.size+len(html) > fragmentCacheBytes {
		fc.entries, fc.size = map[[32]byte]template.HTML{}, 0
	}
	fc.entries[key] = html
	fc.size += len(html)
}

// fragmentKey digests everything about a post that rendering it with the named template
// reads.
func fragmentKey(template string, p *post.Post) ([32]byte, error) {
	item, err := json.Marshal(p.Item)
	if err != nil {
		return [32]byte{}, fmt.Errorf("post %s: %w", p.URL, err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%s\x00%s\x00%s\x00%s\x00%t\x00%s\x00%s\x00", template, p.ID, p.URL, p.Type, p.Status,
		p.Visibility, p.Deleted, p.Published.Format(time.RFC3339Nano), p.Updated.Format(time.RFC3339Nano))
	h.Write(item)
	var key [32]byte
	h.Sum(key[:0])
	return key, nil
}
