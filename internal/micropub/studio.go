package micropub

import (
	"context"
	"net/url"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/post"
)

// The owner's pages (the studio's Write and Edit) change posts through the calls below,
// which run the endpoint's own create and update: a post written in the browser and one
// sent by an app are the same change, stored the same way.

// CreateForm creates a post from fields named as in a form-encoded Micropub create
// (h, content, name, category, photo, mp-photo-alt, mp-slug, mp-syndicate-to…), for the
// app clientID with the create scope, and returns the new post's URL. Several values of
// one field keep their order, so that the nth mp-photo-alt is the nth photo's.
func (h *Handler) CreateForm(ctx context.Context, form url.Values, clientID string) (string, error) {
	req := newRequest()
	for k, vs := range form {
		for _, v := range vs {
			if err := req.setField(k, v); err != nil {
				return "", err
			}
		}
	}
	if err := req.finish(); err != nil {
		return "", err
	}
	tok := &indieauth.Token{ClientID: clientID, Scope: []string{"create"}}
	p, err := h.createPost(ctx, tok, req)
	if err != nil {
		h.discardCtx(ctx, *req.saved)
		return "", err
	}
	h.changed("create", nil)
	return p.URL, nil
}

// Update applies a Micropub update (replace, add, delete) to the post at url and adds
// syndicateTo to its pending targets, as an update action with those does.
func (h *Handler) Update(ctx context.Context, url string, u post.Update, syndicateTo []string) error {
	var saved []media.Saved
	err := h.updatePost(ctx, url, u, syndicateTo, &saved)
	if err != nil {
		h.discardCtx(ctx, saved)
		return err
	}
	h.changed("update", nil)
	return nil
}

// discardCtx forgets the files a failed change stored, as discard does for a request.
func (h *Handler) discardCtx(ctx context.Context, saved []media.Saved) {
	if len(saved) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx)
	if err := h.media.Discard(ctx, saved); err != nil {
		h.cfg.Logger.WarnContext(ctx, "discard uploads of a failed change", "err", err)
	}
}
