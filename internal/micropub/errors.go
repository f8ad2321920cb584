package micropub

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/reqbody"
)

// Failures of the HTTP layer itself; the rest come from package post and indieauth.
var (
	errUnsupported = errors.New("unsupported content type")
	errMethod      = errors.New("method not allowed")
	errEmpty       = fmt.Errorf("%w: no properties", post.ErrInvalid)
)

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
	status, code := http.StatusInternalServerError, "server_error"
	switch {
	case indieauth.IsAuthError(err):
		indieauth.WriteErrorLog(w, err, h.cfg.Logger)
		return
	case errors.As(err, &tooBig):
		status, code = http.StatusRequestEntityTooLarge, "invalid_request"
	case errors.Is(err, reqbody.ErrTimeout):
		// The client is too slow to hear a long answer; the connection closes after it.
		status, code = http.StatusRequestTimeout, "invalid_request"
		w.Header().Set("Connection", "close")
	case errors.Is(err, post.ErrInvalid), errors.Is(err, post.ErrNotFound), errors.Is(err, post.ErrGone):
		status, code = http.StatusBadRequest, "invalid_request"
	case errors.Is(err, errUnsupported):
		status, code = http.StatusUnsupportedMediaType, "invalid_request"
	case errors.Is(err, errMethod):
		status, code = http.StatusMethodNotAllowed, "invalid_request"
	case errors.Is(err, post.ErrExists):
		status, code = http.StatusConflict, "invalid_request"
	case errors.Is(err, post.ErrNoSpace):
		// RFC 4918 section 11.5; the store has logged it once, as a warning.
		writeJSON(w, http.StatusInsufficientStorage, map[string]string{"error": "insufficient_storage",
			"error_description": "the server's disk is full; nothing was stored: try again later"})
		return
	}
	desc := err.Error()
	if status >= 500 {
		h.cfg.Logger.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
		desc = "internal error"
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
