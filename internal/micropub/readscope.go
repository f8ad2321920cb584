package micropub

import (
	"net/http"
	"strings"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/post"
)

// Who reads what through q=source and q=category. The source query (W3C Micropub,
// "Querying": source content) and the category query (indieweb.org/Micropub-extensions)
// leave it to the server; the scopes a token holds are the only word on it (the scopes
// IndieAuth grants, as listed at indieweb.org/scope: create, update, delete, draft…). A
// public post is on the website for anyone, so any token reads it. Every other post
// (private, unlisted, draft, deleted) is the owner's, and reading it takes a scope that
// could change it: update (or the legacy post, which counts as create and update). A
// token whose only write scope is draft reads back, besides, the drafts its own app
// created, as recorded at create. Tags follow their posts: a token that may not read
// every post gets only the tags of public posts.

// readScope is what one token may read.
type readScope struct {
	// all: every post and every tag (scope update).
	all bool
	// clientID, when not all, is the app whose own drafts the token reads (scope draft).
	clientID string
}

func readScopeOf(r *http.Request) readScope {
	tok, ok := indieauth.FromContext(r.Context())
	switch {
	case !ok:
		return readScope{}
	case tok.HasScope("update"):
		return readScope{all: true}
	case tok.HasScope("draft") && tok.ClientID != "":
		return readScope{clientID: tok.ClientID}
	}
	return readScope{}
}

// isPublic tells whether p is on the website for anyone.
func isPublic(p *post.Post) bool {
	return !p.Deleted && p.Status == post.StatusPublished && p.Visibility == post.VisibilityPublic
}

// mayRead tells whether the request's token may read p.
func (h *Handler) mayRead(r *http.Request, p *post.Post) (bool, error) {
	rs := readScopeOf(r)
	switch {
	case rs.all || isPublic(p):
		return true, nil
	case rs.clientID == "" || p.Deleted || p.Status != post.StatusDraft:
		return false, nil
	}
	client, err := h.store.PostClient(r.Context(), p.URL)
	if err != nil {
		return false, err
	}
	return client == rs.clientID, nil
}

// limitToReadable narrows a q=source listing to what rs may read: public posts, or with
// post-status=draft the app's own drafts. A token that may read no draft asking for
// drafts is told which scope it lacks.
func limitToReadable(rs readScope, pq *post.Query) error {
	switch {
	case rs.all:
	case pq.Status == post.StatusDraft && rs.clientID == "":
		return &indieauth.ScopeError{Scope: "update"}
	case pq.Status == post.StatusDraft:
		pq.ClientID = rs.clientID
	default:
		pq.Status = post.StatusPublished
		pq.Visibility = []string{post.VisibilityPublic}
	}
	return nil
}

// categories answers q=category: every tag in use for a token that may read every post,
// the tags of public posts for any other; those starting with prefix
// (case-insensitive) when one is given.
func (h *Handler) categories(r *http.Request, prefix string) ([]string, error) {
	if readScopeOf(r).all {
		return h.store.Categories(r.Context(), prefix)
	}
	counts, err := h.store.TagCounts(r.Context(), post.Query{Status: post.StatusPublished,
		Visibility: []string{post.VisibilityPublic}})
	if err != nil {
		return nil, err
	}
	norm := post.NormalizeTag(prefix)
	out := []string{}
	for _, tc := range counts {
		if strings.HasPrefix(tc.Norm, norm) {
			out = append(out, tc.Tag)
		}
	}
	return out, nil
}
