package site

import (
	"net/http"
	"path"

	"github.com/indiepub/indiepub/internal/post"
)

// WebSub (https://www.w3.org/TR/websub/): with Config.Hub set, the home page and the
// feeds name the hub and their own URL, the topic, in Link headers (§4: "at least one
// Link Header with rel=hub" and "exactly one with rel=self") and in the document
// (<link> in HTML and Atom, atom:link in RSS, hubs in JSON Feed), so that readers
// subscribe at the hub and are told of new posts within seconds instead of polling.

// feedNames are the file names of the feeds, under the site and under each tag.
var feedNames = []string{"feed.atom", "feed.rss", "feed.json"}

// hubbed adds the WebSub Link headers to next's answers; self gives the topic URL of the
// request (the home page's or a feed's).
func (h *Handler) hubbed(self func(*http.Request) string, next http.Handler) http.Handler {
	if h.cfg.Hub == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Link", discoveryLink{Rel: "hub", Href: h.cfg.Hub}.header())
		w.Header().Add("Link", discoveryLink{Rel: "self", Href: self(r)}.header())
		next.ServeHTTP(w, r)
	})
}

// homeSelf is the home page's topic URL, whatever page of it was asked for.
func (h *Handler) homeSelf(*http.Request) string { return h.cfg.URL }

// feedSelf is a feed's topic URL: the site's feed, or the tag's, under the tag's
// normalized name as feeds and pages link to it.
func (h *Handler) feedSelf(r *http.Request) string {
	name := path.Base(r.URL.Path)
	if t := r.PathValue("tag"); t != "" {
		return h.tagURL(t) + "/" + name
	}
	return h.cfg.URL + name
}

// Topics are the URLs whose content a change to p changes, which the hub is told of: the
// home page and the site's feeds, and the feeds of each of p's tags. Only public,
// published posts are on them.
func (h *Handler) Topics(p *post.Post) []string {
	if p.Status != post.StatusPublished || p.Visibility != post.VisibilityPublic {
		return nil
	}
	topics := []string{h.cfg.URL}
	for _, n := range feedNames {
		topics = append(topics, h.cfg.URL+n)
	}
	for _, c := range p.Categories {
		for _, n := range feedNames {
			topics = append(topics, h.tagURL(c)+"/"+n)
		}
	}
	return topics
}
