package admin

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/post"
)

// PostList serves the owner's list of posts: search, filters by type, status, visibility
// and tag, pages by cursor.
func (s *Server) PostList() http.Handler { return s.pages.Handle(s.postList) }

const (
	// listPageSize is how many posts a page of the list shows.
	listPageSize = 25
	// scanBatch and scanMax bound a filter the store cannot apply (deleted or scheduled
	// posts; a search's type, tag and scheduled posts): the list reads posts scanBatch at
	// a time and looks at no more than scanMax of them for one page, whose Older link
	// goes on from there.
	scanBatch = 250
	scanMax   = 2000
)

// Post statuses the list filters by; "" is every post not deleted.
const (
	listPublished = "published"
	listDraft     = "draft"
	listScheduled = "scheduled"
	listDeleted   = "deleted"
)

// listFilter is the list's query string.
type listFilter struct {
	Q, Type, Status, Visibility, Tag, Before string
	// Prefix says that the search takes its last word as the beginning of one
	// (searchPosts).
	Prefix bool
}

// query is the filter's query string, with before as the cursor.
func (f listFilter) query(before string) string {
	v := url.Values{}
	for k, s := range map[string]string{"q": f.Q, "type": f.Type, "status": f.Status, "visibility": f.Visibility,
		"tag": f.Tag, "before": before} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.Prefix {
		v.Set("prefix", "1")
	}
	return v.Encode()
}

type postListPage struct {
	CSRF   string
	Filter listFilter
	Rows   []postRow
	// Older and Newest link to the next page and back to the first, "" where there is
	// none; Examined says how many posts a bounded scan looked at.
	Older, Newest string
	Examined      int
	Types         []string
	Statuses      []string
	Visibilities  []string
}

type postRow struct {
	URL, Title, Type, Status, Visibility, Published string
	Tags                                            []string
	Deleted                                         bool
}

var typeFilter = regexp.MustCompile(`^[a-z]{1,20}$`)

func (s *Server) postList(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.owner.SignedIn(w, r)
	if err != nil || sess == nil {
		return err
	}
	v := r.URL.Query()
	f := listFilter{Q: strings.TrimSpace(v.Get("q")), Type: v.Get("type"), Status: v.Get("status"),
		Visibility: v.Get("visibility"), Tag: strings.TrimSpace(v.Get("tag")), Before: v.Get("before"),
		Prefix: v.Get("prefix") == "1"}
	q, err := f.storeQuery(s.cfg.Now())
	if err != nil {
		return err
	}
	posts, next, examined, err := s.listPosts(r.Context(), &f, q)
	if err != nil {
		return err
	}
	page := postListPage{CSRF: sess.CSRF, Filter: f, Examined: examined,
		Types:        []string{"note", "article", "photo", "reply", "like", "repost", "bookmark", "checkin", "event", "rsvp"},
		Statuses:     []string{listPublished, listDraft, listScheduled, listDeleted},
		Visibilities: []string{post.VisibilityPublic, post.VisibilityUnlisted, post.VisibilityPrivate}}
	now := s.cfg.Now()
	for _, p := range posts {
		page.Rows = append(page.Rows, rowOf(p, now))
	}
	if next != "" {
		page.Older = "/admin/posts?" + f.query(next)
	}
	if f.Before != "" {
		page.Newest = "/admin/posts?" + f.query("")
	}
	s.pages.Render(w, r, http.StatusOK, "postlist", page)
	return nil
}

// searched reports whether the page is a search of the full-text index: a search of
// any posts but the deleted ones, which the index never finds.
func (f listFilter) searched() bool { return f.Q != "" && f.Status != listDeleted }

// storeQuery is what the store can select of f; listPosts does the rest.
func (f listFilter) storeQuery(now time.Time) (post.Query, error) {
	q := post.Query{Category: f.Tag, After: f.Before}
	if f.Before != "" && !f.searched() {
		if _, _, err := post.ParseCursor(f.Before); err != nil {
			return q, owner.InvalidRequest("bad page cursor %q", f.Before)
		}
	}
	if f.Type != "" {
		if !typeFilter.MatchString(f.Type) {
			return q, owner.InvalidRequest("bad post type %q", f.Type)
		}
		q.Type = f.Type
	}
	switch f.Visibility {
	case "":
	case post.VisibilityPublic, post.VisibilityUnlisted, post.VisibilityPrivate:
		q.Visibility = []string{f.Visibility}
	default:
		return q, owner.InvalidRequest("bad visibility %q", f.Visibility)
	}
	switch f.Status {
	case "":
	case listPublished:
		q.Status, q.PublishedBy = post.StatusPublished, now
	case listDraft:
		q.Status = post.StatusDraft
	case listScheduled:
		q.Status = post.StatusPublished
	case listDeleted:
		q.Deleted = true
	default:
		return q, owner.InvalidRequest("bad status %q", f.Status)
	}
	return q, nil
}

// listPosts reads one page of the list: straight from the store when it can select
// everything, or else by a bounded scan (scanMax posts at most). next is the cursor of
// the following page, "" on the last.
func (s *Server) listPosts(ctx context.Context, f *listFilter, q post.Query) (posts []*post.Post, next string, examined int, err error) {
	now := s.cfg.Now()
	if f.searched() {
		return s.searchPosts(ctx, f, q, now)
	}
	if f.Q == "" && f.Status != listDeleted && f.Status != listScheduled {
		q.Limit = listPageSize + 1
		posts, err = s.store.ListPosts(ctx, q)
		if err != nil {
			return nil, "", 0, err
		}
		if len(posts) > listPageSize {
			posts = posts[:listPageSize]
			next = posts[len(posts)-1].Cursor()
		}
		return posts, next, 0, nil
	}
	needle := strings.ToLower(f.Q)
	q.Limit = scanBatch
	for examined < scanMax {
		batch, err := s.store.ListPosts(ctx, q)
		if err != nil {
			return nil, "", 0, err
		}
		for _, p := range batch {
			examined++
			// Scheduled posts are the newest of all by their date: the first one past
			// now ends them.
			if f.Status == listScheduled && !p.Scheduled(now) {
				return posts, "", examined, nil
			}
			if (f.Status != listDeleted || p.Deleted) && matches(p, needle) {
				if len(posts) == listPageSize {
					return posts, posts[len(posts)-1].Cursor(), examined, nil
				}
				posts = append(posts, p)
			}
			q.After = p.Cursor()
		}
		if len(batch) < scanBatch {
			return posts, "", examined, nil
		}
	}
	return posts, q.After, examined, nil
}

// searchPosts reads one page of a search from the store's full-text index (SearchPosts:
// the words of the name, content and tags), newest stored first, paged by the ID of the
// last post shown. The status, visibility, type and tag asked for are the index's; the
// scheduled posts (and the published ones, which leave them out) are kept from its
// results, scanBatch at a time and scanMax at most, as listPosts does. When the first
// page finds nothing with whole words, the last word is taken as the beginning of one
// (as typed: "pan" for "pancake"), and f, so the Older link, keeps to that (prefix=1). A
// prefix is asked only then: the index merges every word it begins, a long read for a
// common one. Unlike the list's own scan, a search finds words, not parts of them, nor
// the URL.
func (s *Server) searchPosts(ctx context.Context, f *listFilter, q post.Query, now time.Time) (posts []*post.Post, next string, examined int, err error) {
	sq := post.Search{Text: f.Q, Prefix: f.Prefix, Visibility: q.Visibility, Type: q.Type, Category: q.Category}
	if f.Before != "" {
		if sq.Before, err = strconv.ParseInt(f.Before, 10, 64); err != nil || sq.Before <= 0 {
			return nil, "", 0, owner.InvalidRequest("bad page cursor %q", f.Before)
		}
	}
	switch f.Status {
	case listDraft:
		sq.Status = post.StatusDraft
	case listPublished, listScheduled:
		sq.Status = post.StatusPublished
	}
	posts, next, examined, err = s.searchPage(ctx, f, sq, now)
	if err == nil && len(posts) == 0 && f.Before == "" && !f.Prefix {
		f.Prefix, sq.Prefix = true, true
		posts, next, examined, err = s.searchPage(ctx, f, sq, now)
	}
	return posts, next, examined, err
}

// searchPage reads the page of the search sq: the posts kept, the cursor of the next
// page, and how many posts it looked through when it kept some out.
func (s *Server) searchPage(ctx context.Context, f *listFilter, sq post.Search, now time.Time) (posts []*post.Post, next string, examined int, err error) {
	filtered := f.Status == listScheduled || f.Status == listPublished
	keep := func(p *post.Post) bool {
		return !filtered || p.Scheduled(now) == (f.Status == listScheduled)
	}
	// Every result is shown unless some are kept out: a page and one more, to know
	// whether there is another.
	sq.Limit = listPageSize + 1
	if filtered {
		sq.Limit = scanBatch
	}
	for examined < scanMax {
		batch, err := s.store.SearchPosts(ctx, sq)
		if err != nil {
			return nil, "", 0, err
		}
		for _, p := range batch {
			examined++
			if keep(p) {
				if len(posts) == listPageSize {
					return posts, strconv.FormatInt(posts[len(posts)-1].ID, 10), shown(examined, filtered), nil
				}
				posts = append(posts, p)
			}
			sq.Before = p.ID
		}
		if len(batch) < sq.Limit {
			return posts, "", shown(examined, filtered), nil
		}
	}
	return posts, strconv.FormatInt(sq.Before, 10), shown(examined, filtered), nil
}

// shown is how many posts the page says it looked through: none when the store selected
// them all.
func shown(examined int, filtered bool) int {
	if !filtered {
		return 0
	}
	return examined
}

// matches reports whether the post's name, text, tags or URL hold needle (lower case).
func matches(p *post.Post, needle string) bool {
	if needle == "" {
		return true
	}
	it := p.Item
	for _, s := range append([]string{it.First("name"), it.First("content"), p.URL}, p.Categories...) {
		if strings.Contains(strings.ToLower(s), needle) {
			return true
		}
	}
	return false
}

// rowOf is p as a row of the list.
func rowOf(p *post.Post, now time.Time) postRow {
	row := postRow{URL: p.URL, Type: p.Type, Visibility: p.Visibility, Tags: p.Categories, Deleted: p.Deleted,
		Published: p.Published.UTC().Format("2006-01-02 15:04 UTC"), Status: listPublished}
	switch {
	case p.Deleted:
		row.Status = listDeleted
	case p.Status == post.StatusDraft:
		row.Status = listDraft
	case p.Scheduled(now):
		row.Status = listScheduled
	}
	row.Title = p.Item.First("name")
	if row.Title == "" {
		row.Title = excerpt(p.Item.First("content"), 80)
	}
	if row.Title == "" {
		row.Title = p.URL
	}
	return row
}

// excerpt is s on one line, cut at a word to at most n runes.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}
