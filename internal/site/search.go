package site

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/indiepub/indiepub/internal/post"
)

// Search serves /search?q=…: the posts holding every word of q, newest first, as an
// h-feed with paging by the "before" parameter (the ID of the previous page's last
// post). Visitors find published, public posts only; the signed-in owner finds every
// post that is not deleted.
func (h *Handler) Search() http.Handler { return h.linked(h.serve(h.searchPage)) }

// maxEcho bounds the query shown back in the search box, in characters.
const maxEcho = 256

// searchResults is the search page's data: the query and the results' h-feed.
type searchResults struct {
	Query string
	// Searched is false when q held no words: the page shows only the form.
	Searched bool
	// Results are the posts found, as an h-feed (its Name is the page's heading).
	Results *listing
}

func (h *Handler) searchPage(r *http.Request, changed time.Time) (*rendered, error) {
	text := r.URL.Query().Get("q")
	q := post.Search{Text: text, Limit: h.cfg.PageSize + 1, Status: post.StatusPublished,
		Visibility: []string{post.VisibilityPublic}}
	if h.cfg.IsOwner(r) {
		q.Status, q.Visibility = "", nil
	}
	if b := r.URL.Query().Get("before"); b != "" {
		id, err := strconv.ParseInt(b, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("%w: before %q is not a page of results", post.ErrInvalid, b)
		}
		q.Before = id
	}
	res := &searchResults{Query: cutRunes(text, maxEcho), Searched: len(post.SearchTerms(text)) > 0}
	base := h.cfg.URL + "search?q=" + url.QueryEscape(text)
	var posts []*post.Post
	if res.Searched {
		var err error
		if posts, err = h.store.SearchPosts(r.Context(), q); err != nil {
			return nil, err
		}
	}
	l, err := h.listingOf(r, posts, base)
	if err != nil {
		return nil, err
	}
	if len(posts) > h.cfg.PageSize {
		l.Older = base + "&before=" + strconv.FormatInt(posts[h.cfg.PageSize-1].ID, 10)
	}
	if q.Before != 0 {
		l.Newest = base
	}
	l.Name = "Search"
	title := "Search"
	if res.Searched {
		l.Name = "Posts with “" + res.Query + "”"
		title = l.Name
	}
	res.Results = l
	p := h.page(r, title, res)
	p.NoIndex = true
	c, err := h.renderPage("search.html", changed, p)
	if err != nil {
		return nil, err
	}
	// Each query is a page of its own: kept, they would crowd the listings out of the
	// page cache, which is emptied when full.
	c.uncached = true
	return c, nil
}

// cutRunes cuts s to at most n characters.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
