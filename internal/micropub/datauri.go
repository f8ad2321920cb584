package micropub

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/post"
)

// dataImage matches an HTML src attribute, double- or single-quoted, holding a base64
// data: URI of an image, as Quill's editor embeds pictures when the site has no media
// endpoint. The attribute must follow whitespace, so data-src is left alone, and the
// base64 may not hold whitespace, which no editor writes.
var dataImage = regexp.MustCompile(`(?i)(\ssrc\s*=\s*)(?:"data:(image/[a-z0-9.+-]+);base64,([A-Za-z0-9+/]+={0,2})"|'data:(image/[a-z0-9.+-]+);base64,([A-Za-z0-9+/]+={0,2})')`)

// maxDataURIs bounds how many embedded images one post may carry.
const maxDataURIs = 20

// inlineImageTypes are the image types accepted from data: URIs; SVG is not among them,
// since it can carry script.
var inlineImageTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
}

// inlineDataURIs saves images embedded as data: URIs in HTML content ({"html"} or the
// html of {"value","html"}) and rewrites their src to the saved files' URLs, so posts do
// not carry megabytes of base64. Plain-text content is never touched: a note may well
// mention a data: URI. The URLs saved are added to saved, even when an error follows.
func (h *Handler) inlineDataURIs(ctx context.Context, content []any, saved *[]media.Saved) error {
	count := 0
	for _, v := range content {
		c, ok := v.(map[string]any)
		if !ok {
			continue
		}
		html, ok := c["html"].(string)
		if !ok {
			continue
		}
		s, err := h.rewriteDataURIs(ctx, html, &count, saved)
		if err != nil {
			return err
		}
		c["html"] = s
	}
	return nil
}

func (h *Handler) rewriteDataURIs(ctx context.Context, s string, count *int, saved *[]media.Saved) (string, error) {
	return rewriteDataImages(s, func(ct, enc string) (string, error) {
		return h.saveDataURI(ctx, ct, enc, count, saved)
	})
}

// rewriteDataImages replaces the data: URI of each src attribute that dataImage matches
// with the URL save gives for its media type (lowercased) and base64 text; where save
// gives "", the attribute stays as written. The first error stops the rewrite.
func rewriteDataImages(s string, save func(ct, enc string) (string, error)) (string, error) {
	if !strings.Contains(s, "data:") {
		return s, nil
	}
	var firstErr error
	out := dataImage.ReplaceAllStringFunc(s, func(m string) string {
		if firstErr != nil {
			return m
		}
		sm := dataImage.FindStringSubmatch(m)
		attr, ct, enc, quote := sm[1], sm[2], sm[3], `"`
		if ct == "" {
			ct, enc, quote = sm[4], sm[5], `'`
		}
		u, err := save(strings.ToLower(ct), enc)
		if err != nil {
			firstErr = err
			return m
		}
		if u == "" {
			return m
		}
		return attr + quote + u + quote
	})
	return out, firstErr
}

// saveDataURI stores one embedded image and returns its URL, or "" for anything that is
// not an accepted image (another type, broken base64, bytes of another kind): that stays
// in the content as written, the way a browser shows a broken image, and the post is not
// refused for it. Only the limits are errors.
func (h *Handler) saveDataURI(ctx context.Context, ct, enc string, count *int, saved *[]media.Saved) (string, error) {
	if !inlineImageTypes[ct] {
		return "", nil
	}
	b, err := decodeDataImage(ct, enc, h.cfg.MaxUpload)
	if err != nil || b == nil {
		return "", err
	}
	if *count++; *count > maxDataURIs {
		return "", fmt.Errorf("%w: more than %d embedded images", post.ErrInvalid, maxDataURIs)
	}
	u, err := h.saveMedia(ctx, bytes.NewReader(b), "", ct, saved)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return "", err
	case errors.Is(err, post.ErrInvalid):
		// A type the media store is configured to refuse.
		h.cfg.Logger.DebugContext(ctx, "embedded image left as written", "err", err)
		return "", nil
	case err != nil:
		return "", fmt.Errorf("embedded image: %w", err)
	}
	return u, nil
}

// decodeDataImage decodes the base64 text of a data: URI of type ct. It returns nil
// without an error for what is not an image of that type, and an error only for one of
// more than max bytes.
func decodeDataImage(ct, enc string, max int64) ([]byte, error) {
	if int64(base64.StdEncoding.DecodedLen(len(enc))) > max {
		return nil, &http.MaxBytesError{Limit: max}
	}
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || http.DetectContentType(b) != ct {
		return nil, nil
	}
	return b, nil
}
