package site

import (
	"net/http"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/post"
)

// visitor returns the request's signed-in visitor, nil for none.
func (h *Handler) visitor(r *http.Request) *Visitor {
	if h.cfg.Visitor == nil {
		return nil
	}
	return h.cfg.Visitor(r)
}

// inAudience reports whether the request's visitor is one of the people a limited post
// was given to: their signed-in "me" is one of the post's audience URLs (as a profile,
// whatever the scheme and trailing slash).
func (h *Handler) inAudience(r *http.Request, p *post.Post) bool {
	if p.Status != post.StatusPublished {
		return false
	}
	v := h.visitor(r)
	if v == nil {
		return false
	}
	for _, u := range p.Item.Audience() {
		if indieauth.SameProfile(u, v.Me) {
			return true
		}
	}
	return false
}

// Notice is a themed page of another part of the site (a visitor's sign-in or response):
// a title, a message in plain words and links.
type Notice struct {
	Status         int
	Title, Message string
	Links          []OwnerLink
}

// ShowNotice answers with a themed notice page, never cached.
func (h *Handler) ShowNotice(w http.ResponseWriter, r *http.Request, n Notice) {
	body, err := h.theme.render("notice.html", h.page(r, n.Title, n))
	if err != nil {
		h.cfg.Logger.ErrorContext(r.Context(), "render notice page", "err", err)
		http.Error(w, n.Message, n.Status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-store")
	w.WriteHeader(n.Status)
	w.Write(body)
}
