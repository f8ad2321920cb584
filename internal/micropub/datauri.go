package micropub

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/indiepub/indiepub/internal/post"
)

// dataImage matches a base64 data: URI of an image inside HTML, as Quill's editor embeds
// pictures when the site has no media endpoint.
var dataImage = regexp.MustCompile(`data:(image/[a-zA-Z0-9.+-]+);base64,([A-Za-z0-9+/=\s]*)`)

// maxDataURIs bounds how many embedded images one post may carry.
const maxDataURIs = 20

// inlineImageTypes are the image types accepted from data: URIs; SVG is not among them,
// since it can carry script.
var inlineImageTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
}

// inlineDataURIs saves images embedded as data: URIs in the content and rewrites the
// content to their URLs, so posts do not carry megabytes of base64.
func (h *Handler) inlineDataURIs(r *http.Request, it *post.Item) error {
	count := 0
	for i, v := range it.Properties["content"] {
		switch c := v.(type) {
		case string:
			s, err := h.rewriteDataURIs(r, c, &count)
			if err != nil {
				return err
			}
			it.Properties["content"][i] = s
		case map[string]any:
			html, ok := c["html"].(string)
			if !ok {
				continue
			}
			s, err := h.rewriteDataURIs(r, html, &count)
			if err != nil {
				return err
			}
			c["html"] = s
		}
	}
	return nil
}

func (h *Handler) rewriteDataURIs(r *http.Request, s string, count *int) (string, error) {
	if !strings.Contains(s, "data:image/") {
		return s, nil
	}
	var firstErr error
	out := dataImage.ReplaceAllStringFunc(s, func(m string) string {
		if firstErr != nil {
			return m
		}
		u, err := h.saveDataURI(r, dataImage.FindStringSubmatch(m), count)
		if err != nil {
			firstErr = err
			return m
		}
		return u
	})
	return out, firstErr
}

func (h *Handler) saveDataURI(r *http.Request, m []string, count *int) (string, error) {
	ct := strings.ToLower(m[1])
	if !inlineImageTypes[ct] {
		return "", fmt.Errorf("%w: embedded %s images are not accepted", post.ErrInvalid, ct)
	}
	if *count++; *count > maxDataURIs {
		return "", fmt.Errorf("%w: more than %d embedded images", post.ErrInvalid, maxDataURIs)
	}
	enc := strings.Join(strings.Fields(m[2]), "")
	if int64(base64.StdEncoding.DecodedLen(len(enc))) > h.cfg.MaxUpload {
		return "", &http.MaxBytesError{Limit: h.cfg.MaxUpload}
	}
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return "", fmt.Errorf("%w: embedded image: %v", post.ErrInvalid, err)
	}
	if sniffed := http.DetectContentType(b); sniffed != ct {
		return "", fmt.Errorf("%w: embedded image says %s but is %s", post.ErrInvalid, ct, sniffed)
	}
	return h.media.Save(r.Context(), bytes.NewReader(b), "", ct)
}
