package site

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"
)

// respond writes a page or feed with validators, answering conditional GETs (RFC 9110
// section 13) with 304: the ETag is a hash of the exact body, so any change to it, the
// theme or the owner's details included, changes the tag; Last-Modified is modified, but
// never earlier than the handler's start.
func (h *Handler) respond(w http.ResponseWriter, r *http.Request, contentType string, modified time.Time, body []byte) {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	if modified.Before(h.start) {
		modified = h.start
	}
	hdr := w.Header()
	hdr.Set("Content-Type", contentType)
	hdr.Set("ETag", etag)
	// Pages change whenever a post does; caches must check back, which is cheap.
	if hdr.Get("Cache-Control") == "" {
		hdr.Set("Cache-Control", "no-cache")
	}
	hdr.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", modified.UTC(), bytes.NewReader(body))
}
