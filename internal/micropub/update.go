package micropub

import (
	"context"
	"fmt"
	"net/http"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/post"
)

// update applies replace, add and delete to a post in one transaction (Micropub 3.4) and
// answers 204: the URL does not change, so there is nothing to say.
func (h *Handler) update(w http.ResponseWriter, r *http.Request, tok *indieauth.Token, req *request) error {
	if err := indieauth.CheckScope(tok, "update"); err != nil {
		return err
	}
	if err := h.updatePost(r.Context(), req.url, req.update, req.stringsCmd("mp-syndicate-to"), req.saved); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// updatePost applies u to the post at url, and adds synd to its pending syndication
// targets; every update, the endpoint's and the owner's pages', comes through here. The
// files it stores (data: images in the content) are added to saved.
func (h *Handler) updatePost(ctx context.Context, url string, u post.Update, synd []string, saved *[]media.Saved) error {
	if err := h.checkURL(url); err != nil {
		return err
	}
	if u.Replace == nil && u.Add == nil && u.Delete == nil && u.DeleteProps == nil && synd == nil {
		return fmt.Errorf("%w: an update needs replace, add or delete, sent as JSON", post.ErrInvalid)
	}
	u = withoutURL(u)
	for _, op := range []map[string][]any{u.Replace, u.Add} {
		if err := h.inlineDataURIs(ctx, op["content"], saved); err != nil {
			return err
		}
	}
	now := h.cfg.Now()
	_, err := h.store.UpdatePost(ctx, url, func(p *post.Post) error {
		if p.Deleted {
			return fmt.Errorf("post %s: %w", url, post.ErrGone)
		}
		if err := u.Apply(&p.Item); err != nil {
			return err
		}
		// Posts stored before url was dropped on create may still carry one.
		delete(p.Item.Properties, "url")
		p.Updated = now
		if err := p.Reindex(now); err != nil {
			return err
		}
		p.SyndicateTo = appendNew(p.SyndicateTo, synd)
		return nil
	})
	return err
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
	if err := h.SetDeleted(r.Context(), req.url, req.action == "delete"); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// SetDeleted soft-deletes (deleted true) or restores the post at url, as a Micropub
// delete or undelete does; the owner's pages call it too, so that both are one change.
func (h *Handler) SetDeleted(ctx context.Context, url string, deleted bool) error {
	now := h.cfg.Now()
	_, err := h.store.UpdatePost(ctx, url, func(p *post.Post) error {
		if p.Deleted != deleted {
			p.Deleted = deleted
			p.Updated = now
		}
		return nil
	})
	return err
}

// withoutURL drops url from an update. The post's URL is the server's, and is what
// q=source shows as url; an edit that sends it back (a diff against q=source, or a full
// replace) must not fail, so it is dropped silently rather than refused.
func withoutURL(u post.Update) post.Update {
	out := post.Update{Replace: without(u.Replace, "url"), Add: without(u.Add, "url"),
		Delete: without(u.Delete, "url")}
	for _, name := range u.DeleteProps {
		if name != "url" {
			out.DeleteProps = append(out.DeleteProps, name)
		}
	}
	return out
}

// without is props less one property.
func without(props map[string][]any, name string) map[string][]any {
	if props == nil {
		return nil
	}
	out := make(map[string][]any, len(props))
	for k, v := range props {
		if k != name {
			out[k] = v
		}
	}
	return out
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
