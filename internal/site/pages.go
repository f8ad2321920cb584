package site

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// page is what every template gets: the site, the page's own details and its data.
type page struct {
	Site      *Config
	Title     string
	Canonical string
	Links     []discoveryLink
	Feeds     []feedLink
	NoIndex   bool
	Owner     bool
	// CSRF is the owner's CSRF token for the sign-out form, "" for visitors.
	CSRF string
	Data any
	// CSS is the stylesheet's URL, versioned by its content so that it can be cached.
	CSS string
	// Visitor is the visitor signed in with their website, nil for none; Limited marks a
	// post shown only to its audience.
	Visitor *Visitor
	Limited bool
}

// feedLink is a feed advertised in <head> with rel="alternate".
type feedLink struct {
	Type, Title, Href string
}

func (h *Handler) page(r *http.Request, title string, data any) *page {
	p := &page{Site: h.who(), Title: title, Links: h.links, Owner: h.cfg.IsOwner(r), Data: data,
		CSS: h.cfg.URL + "style.css?v=" + strings.Trim(h.theme.cssETag, `"`)}
	if p.Owner && h.cfg.OwnerCSRF != nil {
		p.CSRF = h.cfg.OwnerCSRF(r)
	}
	p.Visitor = h.visitor(r)
	return p
}

// feedLinks are the three feeds under base (the site's URL or a tag page's URL + "/").
func feedLinks(base, title string) []feedLink {
	return []feedLink{
		{"application/atom+xml", title + " (Atom)", base + "feed.atom"},
		{"application/rss+xml", title + " (RSS)", base + "feed.rss"},
		{"application/feed+json", title + " (JSON Feed)", base + "feed.json"},
	}
}

// listing is a page of posts: the home page's h-feed or a tag's.
type listing struct {
	Name string // the h-feed's name
	// URL is the listing's own URL and Author the owner's h-card: the h-feed's url and
	// author, for readers that take a feed's author from it.
	URL    string
	Author card
	// Entries are the posts, each rendered with the "entry" template.
	Entries []template.HTML
	// Older links to the next page of older posts, "" on the last page; Newest to the
	// first page, "" on it.
	Older, Newest string
}

// list reads one page of public posts (tagged tag, if set), starting after the cursor
// in the "before" query parameter. Cursors rather than offsets keep every page as cheap
// as the first and stable while posts are added. The owner's listings also hold drafts,
// unlisted and private posts (the entry template marks them), each followed by its
// Edit and Delete controls; the owner's pages are never cached (serve).
func (h *Handler) list(r *http.Request, base, tag string) (*listing, error) {
	q := h.publicPosts(h.cfg.PageSize+1, tag)
	owner := h.cfg.IsOwner(r)
	if owner {
		q.Status, q.Visibility, q.PublishedBy = "", nil, time.Time{}
	}
	q.After = r.URL.Query().Get("before")
	posts, err := h.store.ListPosts(r.Context(), q)
	if err != nil {
		return nil, err
	}
	l, err := h.listingOf(r, posts, base)
	if err != nil {
		return nil, err
	}
	if len(posts) > h.cfg.PageSize {
		l.Older = base + "?before=" + url.QueryEscape(posts[h.cfg.PageSize-1].Cursor())
	}
	if q.After != "" {
		l.Newest = base
	}
	return l, nil
}

// listingOf renders the first PageSize of posts as a listing at base, each with its
// webmention counts and, for the owner, its controls; the caller sets the paging links.
func (h *Handler) listingOf(r *http.Request, posts []*post.Post, base string) (*listing, error) {
	l := &listing{URL: base, Author: h.author()}
	if len(posts) > h.cfg.PageSize {
		posts = posts[:h.cfg.PageSize]
	}
	owner := h.cfg.IsOwner(r)
	targets := make([]string, len(posts))
	for i, p := range posts {
		targets[i] = p.URL
	}
	counts, err := h.store.MentionCounts(r.Context(), targets)
	if err != nil {
		return nil, err
	}
	for _, p := range posts {
		html, err := h.entryHTML(p)
		if err != nil {
			return nil, err
		}
		if owner {
			if html, err = h.withControls(html, ownerControls{URL: p.URL, Scheduled: p.Scheduled(h.cfg.Now())}); err != nil {
				return nil, err
			}
		}
		l.Entries = append(l.Entries, html+countsHTML(p.URL, counts[p.URL]))
	}
	return l, nil
}

// ownerControls is what the owner-controls template shows under a post: its Edit and
// Delete links, and whether it is scheduled (which the cached entry cannot say, since it
// stops being so with time).
type ownerControls struct {
	URL       string
	Scheduled bool
}

// withControls follows a post's rendered entry with the owner's controls for it.
func (h *Handler) withControls(html template.HTML, c ownerControls) (template.HTML, error) {
	var buf bytes.Buffer
	if err := h.theme.fragment(&buf, "owner-controls", c); err != nil {
		return "", err
	}
	return html + template.HTML(buf.String()), nil
}

// entryHTML renders a post's "entry" template for a listing. A post renders the same
// until it changes, so the result is kept under a digest of everything the template
// reads: after one post changes, a listing renders only that one again.
func (h *Handler) entryHTML(p *post.Post) (template.HTML, error) {
	return h.fragment("entry", p, nil)
}

// fragment renders a post with a partial template (entry for listings, feed-content for
// feeds), or returns what it rendered before for the same post; e, if not nil, is the
// post's view, already built.
func (h *Handler) fragment(name string, p *post.Post, e *entry) (template.HTML, error) {
	key, err := fragmentKey(name, p)
	if err != nil {
		return "", err
	}
	if html, ok := h.fragments.get(key); ok {
		return html, nil
	}
	if e == nil {
		e = h.newEntry(p)
	}
	var buf bytes.Buffer
	if err := h.theme.fragment(&buf, name, e); err != nil {
		return "", err
	}
	html := template.HTML(buf.String())
	h.fragments.put(key, html)
	return html, nil
}

func (h *Handler) home(r *http.Request, changed time.Time) (*rendered, error) {
	l, err := h.list(r, h.cfg.URL, "")
	if err != nil {
		return nil, err
	}
	l.Name = h.who().Name
	p := h.page(r, h.who().Name, l)
	p.Canonical = h.cfg.URL
	p.Feeds = feedLinks(h.cfg.URL, h.who().Name)
	if h.cfg.Hub != "" {
		p.Links = append(p.Links[:len(p.Links):len(p.Links)], discoveryLink{Rel: "hub", Href: h.cfg.Hub},
			discoveryLink{Rel: "self", Href: h.cfg.URL})
	}
	return h.renderPage("home.html", changed, p)
}

func (h *Handler) tagList(r *http.Request, changed time.Time) (*rendered, error) {
	counts, err := h.store.TagCounts(r.Context(), h.publicPosts(0, ""))
	if err != nil {
		return nil, err
	}
	type tagCount struct {
		tag
		Count int
	}
	tags := make([]tagCount, len(counts))
	for i, tc := range counts {
		tags[i] = tagCount{tag{Name: tc.Tag, URL: h.tagURL(tc.Tag)}, tc.Count}
	}
	p := h.page(r, "Tags", tags)
	p.Canonical = h.cfg.URL + "tags/"
	return h.renderPage("tags.html", changed, p)
}

func (h *Handler) tagPage(r *http.Request, changed time.Time) (*rendered, error) {
	display, err := h.store.SiteTag(r.Context(), r.PathValue("tag"))
	if err != nil {
		return nil, err
	}
	base := h.tagURL(display)
	l, err := h.list(r, base, display)
	if err != nil {
		return nil, err
	}
	if len(l.Entries) == 0 && l.Newest == "" {
		// A tag only private posts or drafts carry is not public knowledge.
		return nil, fmt.Errorf("tag %q: %w", display, post.ErrNotFound)
	}
	l.Name = "Tagged " + display
	p := h.page(r, l.Name, l)
	p.Canonical = base
	p.Feeds = feedLinks(base+"/", l.Name)
	return h.renderPage("tag.html", changed, p)
}

// entryPage serves a post at its URL: the site's URL plus the request path. Deleted posts
// are gone (410); drafts and private posts exist only for the owner and are not found for
// anyone else; unlisted posts are served to all but kept out of listings and indexes.
func (h *Handler) entryPage(r *http.Request, _ time.Time) (*rendered, error) {
	p, err := h.lookup(r)
	if err != nil {
		return nil, err
	}
	if p.Deleted {
		return nil, fmt.Errorf("post %s: %w", p.URL, post.ErrGone)
	}
	// A scheduled post is not there for visitors until its published time, not even for
	// its audience.
	scheduled := p.Scheduled(h.cfg.Now())
	hidden := p.Status != post.StatusPublished || p.Visibility == post.VisibilityPrivate || scheduled
	limited := len(p.Item.Audience()) > 0
	if hidden && !h.cfg.IsOwner(r) && (scheduled || !h.inAudience(r, p)) {
		return nil, fmt.Errorf("post %s: %w", p.URL, post.ErrNotFound)
	}
	e := h.newEntry(p)
	e.Single, e.Scheduled = true, scheduled
	if e.Responses, err = h.responsesTo(r.Context(), p.URL); err != nil {
		return nil, err
	}
	pg := h.page(r, e.Title(), e)
	pg.Canonical = p.URL
	pg.Feeds = feedLinks(h.cfg.URL, h.who().Name)
	pg.NoIndex = p.Visibility != post.VisibilityPublic || p.Status != post.StatusPublished
	pg.Limited = limited
	mod := p.Published
	if p.Updated.After(mod) {
		mod = p.Updated
	}
	if e.Responses.Latest.After(mod) {
		mod = e.Responses.Latest
	}
	c, err := h.renderPage("entry.html", mod, pg)
	if err != nil {
		return nil, err
	}
	c.private = hidden
	return c, nil
}

// lookup finds the post at the request's path, trying the path as written and decoded
// (slugs may hold non-ASCII letters).
func (h *Handler) lookup(r *http.Request) (*post.Post, error) {
	paths := []string{r.URL.EscapedPath()}
	if r.URL.Path != paths[0] {
		paths = append(paths, r.URL.Path)
	}
	var err error
	for _, path := range paths {
		var p *post.Post
		p, err = h.store.PostByURL(r.Context(), h.cfg.URL+strings.TrimPrefix(path, "/"))
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, post.ErrNotFound) {
			return nil, err
		}
	}
	return nil, h.moved(r, paths, err)
}

// movedError says that a post has moved to URL: an imported post whose old path could not
// be kept on this site.
type movedError struct{ URL string }

func (e *movedError) Error() string { return "moved to " + e.URL }

// moved consults the redirects for a path where no post is: a movedError where one
// names it, notFound otherwise.
func (h *Handler) moved(r *http.Request, paths []string, notFound error) error {
	for _, path := range paths {
		target, err := h.store.Redirect(r.Context(), path)
		if err == nil {
			return &movedError{URL: target}
		}
		if !errors.Is(err, post.ErrNotFound) {
			return err
		}
	}
	return notFound
}

func (h *Handler) renderPage(name string, mod time.Time, p *page) (*rendered, error) {
	body, err := h.theme.render(name, p)
	if err != nil {
		return nil, err
	}
	return &rendered{body: body, contentType: "text/html; charset=utf-8", modified: mod}, nil
}

func (h *Handler) style(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("ETag", h.theme.cssETag)
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	http.ServeContent(w, r, "style.css", h.start, strings.NewReader(string(h.theme.css)))
	return nil
}

// publicPosts selects what listings and feeds show: published, public, not deleted, not
// scheduled (published by now), newest first, tagged category if set.
func (h *Handler) publicPosts(limit int, category string) post.Query {
	return post.Query{Limit: limit, Category: category, Status: post.StatusPublished,
		Visibility: []string{post.VisibilityPublic}, PublishedBy: h.cfg.Now()}
}
