package site

import (
	"context"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/webmention"
)

// responses are the webmentions shown on a post's page (those verified and approved):
// likes and reposts as rows of authors, replies as comments, the rest as a list.
type responses struct {
	Likes, Reposts, Replies, Mentions []response
	Count                             int
	// Latest is when the last of them changed, for the page's Last-Modified.
	Latest time.Time
}

// response is one webmention as the templates see it.
type response struct {
	Type, RSVP, URL       string
	AuthorName, AuthorURL string
	// AuthorPhoto is the author's photo URL. PhotoHere says it is in the site's media
	// store (where verification keeps it), and the page shows it; any other is kept in
	// the markup as data (u-photo) but not loaded: the page shows no third-party images.
	AuthorPhoto string
	PhotoHere   bool
	Content     template.HTML // sanitized when it was verified
	Published   timeValue
}

// Label says what a response in the mentions list is.
func (r response) Label() string {
	switch r.Type {
	case webmention.TypeRSVP:
		return "RSVP " + r.RSVP
	case webmention.TypeBookmark:
		return "bookmarked"
	case webmention.TypeQuotation:
		return "quoted"
	}
	return "mentioned"
}

// Author is the name shown for a response's author: the name, else the host.
func (r response) Author() string {
	if r.AuthorName != "" {
		return r.AuthorName
	}
	if h := host(r.AuthorURL); h != "" {
		return h
	}
	return host(r.URL)
}

// Summary is the counts line, e.g. "2 likes · 1 reply"; "" when there are none.
func (rs *responses) Summary() string {
	if rs == nil {
		return ""
	}
	var parts []string
	add := func(n int, one, many string) {
		switch {
		case n == 1:
			parts = append(parts, "1 "+one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, many))
		}
	}
	add(len(rs.Likes), "like", "likes")
	add(len(rs.Reposts), "repost", "reposts")
	add(len(rs.Replies), "reply", "replies")
	add(len(rs.Mentions), "mention", "mentions")
	return strings.Join(parts, " · ")
}

// responsesTo reads the shown webmentions of the page at target; replies oldest first,
// as a conversation reads.
func (h *Handler) responsesTo(ctx context.Context, target string) (*responses, error) {
	ms, err := h.store.Mentions(ctx, webmention.MentionQuery{Target: target, Shown: true})
	if err != nil {
		return nil, err
	}
	rs := &responses{Count: len(ms)}
	for _, m := range slices.Backward(ms) {
		r := response{Type: m.Type, RSVP: m.RSVP, URL: m.URL, AuthorName: m.AuthorName,
			AuthorURL: m.AuthorURL, AuthorPhoto: m.AuthorPhoto, PhotoHere: h.ownMedia(m.AuthorPhoto), Content: template.HTML(m.Content),
			Published: itemTime("", m.Published)}
		if r.Published.IsZero() {
			r.Published = itemTime("", m.Created)
		}
		if m.Updated.After(rs.Latest) {
			rs.Latest = m.Updated
		}
		switch m.Type {
		case webmention.TypeLike:
			rs.Likes = append(rs.Likes, r)
		case webmention.TypeRepost:
			rs.Reposts = append(rs.Reposts, r)
		case webmention.TypeReply:
			rs.Replies = append(rs.Replies, r)
		default:
			rs.Mentions = append(rs.Mentions, r)
		}
	}
	return rs, nil
}

// countsHTML is the line a listing shows under a post with responses: their counts by
// type (webmention.Type*), linking to them on the post's page.
func countsHTML(postURL string, counts map[string]int) template.HTML {
	rs := &responses{}
	for typ, n := range counts {
		list := &rs.Mentions
		switch typ {
		case webmention.TypeLike:
			list = &rs.Likes
		case webmention.TypeRepost:
			list = &rs.Reposts
		case webmention.TypeReply:
			list = &rs.Replies
		}
		*list = append(*list, make([]response, n)...)
	}
	sum := rs.Summary()
	if sum == "" {
		return ""
	}
	return template.HTML(`<p class="response-counts"><a href="` + template.HTMLEscapeString(postURL) +
		`#responses">` + template.HTMLEscapeString(sum) + `</a></p>`)
}

// ownMedia reports whether u is a file of the site's media store: under the URL files are
// published at, or under the site's own media/ path, where indiepub serves them too.
func (h *Handler) ownMedia(u string) bool {
	return u != "" && (strings.HasPrefix(u, h.cfg.MediaURL) || strings.HasPrefix(u, h.cfg.URL+"media/"))
}
