package admin

import (
	"context"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/indiepub/indiepub/internal/post"
)

// publishedLayouts are what the publish date field takes: the datetime-local input's
// value, which is read as UTC (the label says so), or a full RFC 3339 date.
var publishedLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05"}

// micropubFields checks the form of page, noting what is wrong in page.Errors next to
// each field, and returns the form-encoded Micropub create it stands for: the fields an
// app would send for the same post.
func (s *Server) micropubFields(ctx context.Context, page *writePage) url.Values {
	f := &page.Form
	v := url.Values{"h": {"entry"}}
	if !kindKnown(f.Kind) {
		page.Errors["kind"] = "choose what kind of post this is"
	}
	if f.Kind == "article" && f.Name == "" {
		page.Errors["name"] = "an article needs a title"
	}
	// A note's title would make it an article; likes and reposts have none.
	if f.Name != "" && f.Kind != "note" && f.Kind != "like" && f.Kind != "repost" {
		v.Set("name", f.Name)
	}
	if strings.TrimSpace(f.Content) != "" {
		v.Set("content", f.Content)
	}
	if prop := kindProp(f.Kind); prop != "" {
		if !webURL(f.Target) {
			page.Errors["target"] = "paste the address (http or https) of the page this post is about"
		}
		v.Set(prop, f.Target)
	}
	switch {
	case f.Kind == "photo" && len(f.Photos) == 0 && page.Errors["photos"] == "":
		page.Errors["photos"] = "a photo post needs at least one photo"
	case (f.Kind == "note" || f.Kind == "article") && v.Get("content") == "" && len(f.Photos) == 0:
		page.Errors["content"] = "write something"
	}
	for _, p := range f.Photos {
		v.Add("photo[]", p.URL)
		v.Add("mp-photo-alt[]", p.Alt)
	}
	tags, err := s.matchTags(ctx, f.Tags)
	if err != nil {
		page.Errors["tags"] = "the existing tags could not be read"
	}
	for _, t := range tags {
		v.Add("category[]", t)
	}
	if f.Slug != "" {
		v.Set("mp-slug", f.Slug)
	}
	if f.Published != "" {
		t, ok := parsePublished(f.Published)
		if !ok {
			page.Errors["published"] = "give the date as 2026-12-24T18:00 (UTC)"
		}
		v.Set("published", t.Format(time.RFC3339))
	}
	switch f.Visibility {
	case "":
	case post.VisibilityPublic:
		// Said only when the site's default is another one, which a create without it
		// would get.
		if s.defaultVisibility(ctx) != post.VisibilityPublic {
			v.Set("visibility", f.Visibility)
		}
	case post.VisibilityUnlisted, post.VisibilityPrivate:
		v.Set("visibility", f.Visibility)
	default:
		page.Errors["visibility"] = "choose public, unlisted or private"
	}
	for _, u := range strings.FieldsFunc(f.Audience, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		if !webURL(u) {
			page.Errors["audience"] = "give each person as the address (http or https) of their website"
			break
		}
		v.Add("audience[]", u)
	}
	if f.Draft {
		v.Set("post-status", post.StatusDraft)
	}
	for _, t := range page.Targets {
		if f.Syndicate[t.UID] {
			v.Add("mp-syndicate-to[]", t.UID)
		}
	}
	return v
}

// matchTags splits the comma-separated tags, trims them and drops empty ones and
// repeats; a tag the site already has in another case takes the existing spelling, so
// that "Coffee" joins the posts tagged "coffee".
func (s *Server) matchTags(ctx context.Context, input string) ([]string, error) {
	var raw []string
	for _, t := range strings.Split(input, ",") {
		if t = strings.Join(strings.Fields(t), " "); t != "" {
			raw = append(raw, t)
		}
	}
	if len(raw) == 0 {
		return nil, nil
	}
	existing, err := s.store.Categories(ctx, "")
	if err != nil {
		return raw, err
	}
	known := make(map[string]string, len(existing))
	for _, t := range existing {
		known[post.NormalizeTag(t)] = t
	}
	var out []string
	seen := map[string]bool{}
	for _, t := range raw {
		norm := post.NormalizeTag(t)
		if norm == "" || seen[norm] {
			continue
		}
		seen[norm] = true
		if k, ok := known[norm]; ok {
			t = k
		}
		out = append(out, t)
	}
	return out, nil
}

// defaultVisibility is the visibility a create that names none gets.
func (s *Server) defaultVisibility(ctx context.Context) string {
	if s.cfg.Settings != nil {
		if cur, err := s.cfg.Settings.Current(ctx); err == nil && cur.DefaultVisibility != "" {
			return cur.DefaultVisibility
		}
	}
	return post.VisibilityPublic
}

func parsePublished(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	for _, layout := range publishedLayouts {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// webURL reports whether s is an absolute http or https URL.
func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
