package mediaendpoint

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/reqbody"
)

// Errors of the endpoint itself; the media package names the file's failures.
var (
	errBadRequest = errors.New("invalid request")
	errNoFile     = errors.New("no file part: send the file in a multipart part named \"file\"")
	errMethod     = errors.New("method not allowed")
)

// noSpaceDescription is the answer to an upload refused for want of disk space.
const noSpaceDescription = "the server's disk is full; the file was not stored: try again later"

// handle adapts a handler that returns an error; the error is written by writeError.
func (h *Handler) handle(fn func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			h.writeError(w, r, err)
		}
	}
}

// writeError maps an error to its status and writes the JSON error body. Only 4xx errors
// show their text; anything else is logged and shown as "internal error".
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var tooBig *http.MaxBytesError
	var inUse *media.InUseError
	status, code := http.StatusInternalServerError, "server_error"
	body := map[string]any{}
	switch {
	case indieauth.IsAuthError(err):
		indieauth.WriteErrorLog(w, err, h.cfg.Logger)
		return
	case errors.As(err, &tooBig), errors.Is(err, media.ErrTooLarge):
		status, code = http.StatusRequestEntityTooLarge, "invalid_request"
	case errors.Is(err, media.ErrType):
		status, code = http.StatusUnsupportedMediaType, "invalid_request"
	case errors.Is(err, media.ErrTimeout), errors.Is(err, reqbody.ErrTimeout):
		status, code = http.StatusRequestTimeout, "invalid_request"
		w.Header().Set("Connection", "close")
	case errors.As(err, &inUse):
		status, code = http.StatusConflict, "invalid_request"
		body["posts"] = inUse.Posts
	case errors.Is(err, media.ErrEmpty), errors.Is(err, errNoFile), errors.Is(err, errMalformed),
		errors.Is(err, errBadRequest), errors.Is(err, media.ErrNotFound):
		status, code = http.StatusBadRequest, "invalid_request"
	case errors.Is(err, errMethod):
		status, code = http.StatusMethodNotAllowed, "invalid_request"
	case errors.Is(err, media.ErrNoSpace), errors.Is(err, post.ErrNoSpace):
		// RFC 4918 section 11.5; the store has logged it once, as a warning.
		status, code = http.StatusInsufficientStorage, "insufficient_storage"
		body["error"], body["error_description"] = code, noSpaceDescription
		writeJSON(w, status, body)
		return
	}
	desc := err.Error()
	if status >= 500 {
		h.cfg.Logger.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
		desc = "internal error"
	}
	body["error"], body["error_description"] = code, desc
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
