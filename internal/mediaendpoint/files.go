package mediaendpoint

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/media"
)

// fileHeaders are the headers every stored file is served with (the README shows the
// same for nginx and Caddy). A file's bytes never change under its name, so caches may
// keep it for a year; browsers must not guess another type than the stored one; and,
// opened on its own, a file may run nothing (an SVG or a PDF viewer's scripts included).
var fileHeaders = map[string]string{
	"Cache-Control":           "public, max-age=31536000, immutable",
	"X-Content-Type-Options":  "nosniff",
	"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
}

// files serves the stored files under prefix ("/media/"), with the hash as ETag and
// Range requests. Paths that the store did not make are not found, so no path reaches
// outside the media folder.
func (h *Handler) files(prefix string) http.Handler {
	return h.handle(func(w http.ResponseWriter, r *http.Request) error {
		f, b, err := h.media.Open(r.Context(), strings.TrimPrefix(r.URL.Path, prefix))
		if errors.Is(err, media.ErrNotFound) {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found", "error_description": "no such file"})
			return nil
		}
		if err != nil {
			return err
		}
		defer f.Close()
		for k, v := range fileHeaders {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", b.Type)
		w.Header().Set("ETag", `"`+b.Hash+`"`)
		if b.Type == "application/pdf" {
			// A PDF opened inline runs the browser's PDF viewer on our origin, with the
			// scripts a PDF may hold, and a sandbox policy keeps some viewers from showing
			// it at all: as a download it is neither.
			w.Header().Set("Content-Disposition", "attachment; filename="+b.Hash[:12]+".pdf")
		}
		http.ServeContent(w, r, "", time.Time{}, f)
		return nil
	})
}
