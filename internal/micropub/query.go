package micropub

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/indiepub/indiepub/internal/post"
)

// postTypes are offered in q=config and q=post-types. Clients show editors only for the
// types listed, so every type a client has an editor for is here: Quill's note … itinerary,
// review and weight; Sparkles' rsvp, watch, read, listen and game. Quill's review (an
// h-review) and weight (an h-entry with a weight) are stored as notes or articles; the
// rest are types Post Type Discovery gives.
var postTypes = []map[string]string{
	{"type": "note", "name": "Note"},
	{"type": "article", "name": "Article"},
	{"type": "photo", "name": "Photo"},
	{"type": "video", "name": "Video"},
	{"type": "audio", "name": "Audio"},
	{"type": "reply", "name": "Reply"},
	{"type": "like", "name": "Like"},
	{"type": "repost", "name": "Repost"},
	{"type": "bookmark", "name": "Bookmark"},
	{"type": "rsvp", "name": "RSVP"},
	{"type": "checkin", "name": "Checkin"},
	{"type": "event", "name": "Event"},
	{"type": "quotation", "name": "Quotation"},
	{"type": "itinerary", "name": "Itinerary"},
	{"type": "watch", "name": "Watch"},
	{"type": "read", "name": "Read"},
	{"type": "listen", "name": "Listen"},
	{"type": "game", "name": "Game"},
	{"type": "review", "name": "Review"},
	{"type": "weight", "name": "Weight"},
}

var queries = []string{"config", "source", "syndicate-to", "category", "post-types", "channel", "contact"}

// query answers GET /micropub (Micropub 3.7). A GET without q answers like q=config:
// client libraries use it to check a token.
func (h *Handler) query(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	switch q.Get("q") {
	case "", "config":
		return h.writeOK(w, h.config(r.Context()))
	case "source":
		if q.Get("url") != "" {
			return h.source(w, r, q)
		}
		return h.list(w, r, q)
	case "syndicate-to":
		return h.writeOK(w, map[string]any{"syndicate-to": h.targets(r.Context())})
	case "category":
		cats, err := h.categories(r, q.Get("filter"))
		if err != nil {
			return err
		}
		return h.writeOK(w, map[string]any{"categories": cats})
	case "post-types":
		return h.writeOK(w, map[string]any{"post-types": postTypes})
	case "channel":
		return h.writeOK(w, map[string]any{"channels": []any{}})
	case "contact":
		return h.writeOK(w, map[string]any{"contacts": []any{}})
	}
	return fmt.Errorf("%w: unknown query %q", post.ErrInvalid, q.Get("q"))
}

func (h *Handler) writeOK(w http.ResponseWriter, v any) error {
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (h *Handler) config(ctx context.Context) map[string]any {
	c := map[string]any{
		"syndicate-to": h.targets(ctx),
		"post-types":   postTypes,
		"q":            queries,
		// Quill sends the first visibility unless the user picks another, so public
		// comes first.
		"visibility":  []string{post.VisibilityPublic, post.VisibilityUnlisted, post.VisibilityPrivate},
		"post-status": []string{post.StatusPublished, post.StatusDraft},
		"channels":    []any{},
		// Without a destination the Micro.blog app makes one up; this names the site.
		"destination": []map[string]any{{"uid": h.cfg.URL, "name": h.cfg.URL, "microblog-default": true}},
	}
	if h.cfg.MediaEndpoint != "" {
		c["media-endpoint"] = h.cfg.MediaEndpoint
	}
	return c
}

func (h *Handler) targets(ctx context.Context) []Target {
	if h.cfg.SyndicateTo == nil {
		return []Target{}
	}
	if ts := h.cfg.SyndicateTo(ctx); ts != nil {
		return ts
	}
	return []Target{}
}

// alwaysSyndicateTo are the uids of the targets every new post goes to.
func (h *Handler) alwaysSyndicateTo(ctx context.Context) []string {
	var out []string
	for _, t := range h.targets(ctx) {
		if t.Always {
			out = append(out, t.UID)
		}
	}
	return out
}

// source answers q=source&url=…: the post as mf2 JSON, all properties or those asked for.
func (h *Handler) source(w http.ResponseWriter, r *http.Request, q url.Values) error {
	u := q.Get("url")
	if !h.ours(u) {
		return fmt.Errorf("%w: %s is not a post on this site", post.ErrInvalid, u)
	}
	p, err := h.store.PostByURL(r.Context(), u)
	if err != nil {
		return err
	}
	if ok, err := h.mayRead(r, p); err != nil {
		return err
	} else if !ok {
		// Answered as for a URL with no post: a post the token may not read is not there
		// for it, deleted or not.
		return fmt.Errorf("post %s: %w", u, post.ErrNotFound)
	}
	if p.Deleted {
		return fmt.Errorf("post %s: %w", u, post.ErrGone)
	}
	item := sourceItem(p)
	if err := h.addWebmentionStatus(r.Context(), p, item); err != nil {
		return err
	}
	if names := wantedProperties(q); len(names) > 0 {
		// The spec's answer is properties alone; Quill also needs the type.
		item["properties"] = pick(item["properties"].(map[string][]any), names)
	}
	return h.writeOK(w, item)
}

// sourceItem is a post as q=source shows it: its stored item with post-status,
// visibility and url spelled out.
func sourceItem(p *post.Post) map[string]any {
	props := make(map[string][]any, len(p.Item.Properties)+3)
	for k, v := range p.Item.Properties {
		props[k] = v
	}
	props["post-status"] = []any{p.Status}
	props["visibility"] = []any{p.Visibility}
	// The URL the post lives at, whatever an older client stored as url.
	props["url"] = []any{p.URL}
	if st := syndicationStatus(p); len(st) > 0 {
		props["mp-syndication-status"] = st
	}
	m := map[string]any{"type": p.Item.Type, "properties": props}
	if len(p.Item.Children) > 0 {
		m["children"] = p.Item.Children
	}
	return m
}

// webmentionStatus is the property that shows, in q=source of one post, the outcome of
// the latest webmention sent to each page the post links to or linked to. Like every
// mp- property it is never stored: a client that sends it back changes nothing.
const webmentionStatus = "mp-webmention-status"

// addWebmentionStatus adds webmentionStatus to a q=source item, when anything was sent.
func (h *Handler) addWebmentionStatus(ctx context.Context, p *post.Post, item map[string]any) error {
	sent, err := h.store.WebmentionsSent(ctx, p.URL)
	if err != nil || len(sent) == 0 {
		return err
	}
	vs := make([]any, len(sent))
	for i, s := range sent {
		vs[i] = s
	}
	item["properties"].(map[string][]any)[webmentionStatus] = vs
	return nil
}

// syndicationStatus is the post's copies on its syndication targets, for its clients:
// one {uid, status, url, error, attempts} per target asked for, pending or not.
func syndicationStatus(p *post.Post) []any {
	var out []any
	for _, c := range p.Copies {
		out = append(out, c)
	}
	for _, uid := range p.SyndicateTo {
		if p.Copy(uid) == nil {
			out = append(out, post.Copy{Target: uid, Status: post.CopyPending})
		}
	}
	return out
}

func pick(props map[string][]any, names []string) map[string][]any {
	out := map[string][]any{}
	for _, n := range names {
		if v, ok := props[n]; ok {
			out[n] = v
		}
	}
	return out
}

var indexedKey = regexp.MustCompile(`^properties\[\d*\]$`)

// wantedProperties reads properties[]=a, properties=a and Quill's properties[0]=a.
func wantedProperties(q url.Values) []string {
	var names []string
	for k, vs := range q {
		if k == "properties" || indexedKey.MatchString(k) {
			for _, v := range vs {
				if v = strings.TrimSpace(v); v != "" {
					names = append(names, v)
				}
			}
		}
	}
	return names
}

// list answers q=source without url: recent posts, newest first, each as in source.
func (h *Handler) list(w http.ResponseWriter, r *http.Request, q url.Values) error {
	pq, err := listQuery(q)
	if err != nil {
		return err
	}
	if err := limitToReadable(readScopeOf(r), &pq); err != nil {
		return err
	}
	posts, err := h.store.ListPosts(r.Context(), pq)
	if err != nil {
		return err
	}
	items := make([]map[string]any, 0, len(posts))
	for _, p := range posts {
		items = append(items, sourceItem(p))
	}
	resp := map[string]any{"items": items}
	if len(posts) == pq.Limit {
		resp["paging"] = map[string]string{"after": posts[len(posts)-1].Cursor()}
	}
	return h.writeOK(w, resp)
}

const maxLimit = 100

func listQuery(q url.Values) (post.Query, error) {
	pq := post.Query{
		Type:     q.Get("post-type"),
		Status:   q.Get("post-status"),
		Category: q.Get("category"),
		After:    q.Get("after"),
		Limit:    20,
	}
	if pq.Status != "" && pq.Status != post.StatusPublished && pq.Status != post.StatusDraft {
		return pq, fmt.Errorf("%w: post-status %q", post.ErrInvalid, pq.Status)
	}
	var err error
	if pq.After != "" {
		if _, _, err := post.ParseCursor(pq.After); err != nil {
			return pq, err
		}
	}
	if s := q.Get("limit"); s != "" {
		if pq.Limit, err = strconv.Atoi(s); err != nil || pq.Limit < 1 {
			return pq, fmt.Errorf("%w: limit %q", post.ErrInvalid, s)
		}
		pq.Limit = min(pq.Limit, maxLimit)
	}
	if s := q.Get("offset"); s != "" {
		if pq.Offset, err = strconv.Atoi(s); err != nil || pq.Offset < 0 {
			return pq, fmt.Errorf("%w: offset %q", post.ErrInvalid, s)
		}
	}
	return pq, nil
}
