package micropub

import (
	"fmt"
	"net/http"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/post"
)

// update applies replace, add and delete to a post in one transaction (Micropub 3.4) and
// answers 204: the URL does not change, so there is nothing to say.
func (h *Handler) update(w http.ResponseWriter, r *http.Request, tok *indieauth.Token, req *request) error {
	if err := indieauth.CheckScope(tok, "update"); err != nil {
		return err
	}
	if err := h.checkURL(req.url); err != nil {
		return err
	}
	synd := req.stringsCmd("mp-syndicate-to")
	u := req.update
	if u.Replace == nil && u.Add == nil && u.Delete == nil && u.DeleteProps == nil && synd == nil {
		return fmt.Errorf("%w: an update needs replace, add or delete, sent as JSON", post.ErrInvalid)
	}
	now := h.cfg.Now()
	_, err := h.store.UpdatePost(r.Context(), req.url, func(p *post.Post) error {
		if p.Deleted {
			return fmt.Errorf("post %s: %w", req.url, post.ErrGone)
		}
		if err := req.update.Apply(&p.Item); err != nil {
			return err
		}
		p.Updated = now
		if err := p.Reindex(now); err != nil {
			return err
		}
		p.SyndicateTo = appendNew(p.SyndicateTo, synd)
		return nil
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// setDeleted soft-deletes or restores a post (Micropub 3.5, 3.6); doing it twice is not
// an error.
func (h *Handler) setDeleted(w http.ResponseWriter, r *http.Request, tok *indieauth.Token, req *request) error {
	if err := indieauth.CheckScope(tok, req.action); err != nil {
		return err
	}
	if err := h.checkURL(req.url); err != nil {
		return err
	}
	deleted := req.action == "delete"
	now := h.cfg.Now()
	_, err := h.store.UpdatePost(r.Context(), req.url, func(p *post.Post) error {
		if p.Deleted != deleted {
			p.Deleted = deleted
			p.Updated = now
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// checkURL refuses a missing URL or one that is not on this site.
func (h *Handler) checkURL(u string) error {
	if u == "" {
		return fmt.Errorf("%w: url is required", post.ErrInvalid)
	}
	if !h.ours(u) {
		return fmt.Errorf("%w: %s is not a post on this site", post.ErrInvalid, u)
	}
	return nil
}

func appendNew(have, add []string) []string {
outer:
	for _, a := range add {
		for _, h := range have {
			if h == a {
				continue outer
			}
		}
		have = append(have, a)
	}
	return have
}
