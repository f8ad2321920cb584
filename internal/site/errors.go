package site

import (
	"errors"
	"net/http"

	"github.com/indiepub/indiepub/internal/post"
)

// handle adapts a handler that returns an error.
func (h *Handler) handle(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			h.writeError(w, r, err)
		}
	})
}

// errorPage is the data of the error template.
type errorPage struct {
	Status  int
	Title   string
	Message string
}

// writeError answers with an HTML error page (or a redirect, for a post that has moved): 404 for unknown (and hidden) posts, 410 for
// deleted ones, 400 for bad input; anything else is logged and shown as "internal error".
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	// An old address of an imported post: 301, so that links and search engines follow
	// it to the new one for good (RFC 9110 section 15.4.2).
	var moved *movedError
	if errors.As(err, &moved) {
		http.Redirect(w, r, moved.URL, http.StatusMovedPermanently)
		return
	}
	page := errorPage{Status: http.StatusInternalServerError, Title: "Something went wrong",
		Message: "internal error"}
	switch {
	case errors.Is(err, post.ErrNotFound):
		page = errorPage{http.StatusNotFound, "Not found", "There is nothing at this address."}
	case errors.Is(err, post.ErrGone):
		page = errorPage{http.StatusGone, "Gone", "This post has been deleted."}
	case errors.Is(err, post.ErrInvalid):
		page = errorPage{http.StatusBadRequest, "Bad request", err.Error()}
	}
	if page.Status >= 500 {
		h.cfg.Logger.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
	}
	body, rerr := h.theme.render("error.html", h.page(r, page.Title, page))
	if rerr != nil {
		h.cfg.Logger.ErrorContext(r.Context(), "render error page", "err", rerr)
		http.Error(w, page.Message, page.Status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(page.Status)
	w.Write(body)
}
