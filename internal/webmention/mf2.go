package webmention

import (
	"bytes"
	"net/url"
	"strings"

	"willnorris.com/go/microformats"

	"github.com/indiepub/indiepub/internal/post"
)

// readSource fills m with what the source's microformats2 say about its response to
// target: the h-entry (the one whose url is the source, else the first, at any depth),
// its response type, author, published date, content and url.
func readSource(m *Mention, body []byte, source *url.URL, target string, sanitize func(string) string) {
	data := microformats.Parse(bytes.NewReader(body), source)
	m.URL, m.Type = source.String(), TypeMention
	entry, feed := findEntry(data.Items, source.String(), nil)
	if entry == nil {
		m.AuthorName, m.AuthorPhoto, m.AuthorURL = pageAuthor(data, nil)
		return
	}
	m.Type, m.RSVP = responseType(entry, target)
	if u := firstURL(entry.Properties["url"]); u != "" {
		m.URL = u
	}
	if t, err := post.ParseTime(firstText(entry.Properties["published"])); err == nil {
		m.Published = t
	}
	m.Content = entryContent(entry, sanitize)
	m.AuthorName, m.AuthorPhoto, m.AuthorURL = pageAuthor(data, authorOf(entry, feed))
}

// findEntry returns the h-entry whose url is source, else the first h-entry, with the
// h-feed that holds it (nil when none).
func findEntry(items []*microformats.Microformat, source string, feed *microformats.Microformat) (entry, in *microformats.Microformat) {
	var first, firstFeed *microformats.Microformat
	var walk func(items []*microformats.Microformat, feed *microformats.Microformat) bool
	walk = func(items []*microformats.Microformat, feed *microformats.Microformat) bool {
		for _, it := range items {
			switch {
			case hasType(it, "h-entry"):
				if first == nil {
					first, firstFeed = it, feed
				}
				for _, u := range it.Properties["url"] {
					if s, _ := u.(string); s == source {
						entry, in = it, feed
						return true
					}
				}
			case hasType(it, "h-feed"):
				if walk(it.Children, it) {
					return true
				}
				continue
			}
			if walk(it.Children, feed) {
				return true
			}
		}
		return false
	}
	if walk(items, feed) {
		return entry, in
	}
	return first, firstFeed
}

func hasType(it *microformats.Microformat, typ string) bool {
	for _, t := range it.Type {
		if t == typ {
			return true
		}
	}
	return false
}

// responseType is what the entry is to target, by the property that names it
// (Post Type Discovery's response kinds; RSVP before reply).
func responseType(e *microformats.Microformat, target string) (typ, rsvp string) {
	names := func(prop string) bool {
		for _, v := range e.Properties[prop] {
			if sameURL(valueURLOf(v), target) {
				return true
			}
		}
		return false
	}
	switch {
	case names("in-reply-to"):
		if r := strings.ToLower(strings.TrimSpace(firstText(e.Properties["rsvp"]))); rsvpValues[r] {
			return TypeRSVP, r
		}
		return TypeReply, ""
	case names("like-of"):
		return TypeLike, ""
	case names("repost-of"):
		return TypeRepost, ""
	case names("bookmark-of"):
		return TypeBookmark, ""
	case names("quotation-of"):
		return TypeQuotation, ""
	}
	return TypeMention, ""
}

var rsvpValues = map[string]bool{"yes": true, "no": true, "maybe": true, "interested": true}

// sameURL compares URLs without their fragments.
func sameURL(a, b string) bool {
	a, _, _ = strings.Cut(a, "#")
	b, _, _ = strings.Cut(b, "#")
	return a != "" && a == b
}

// valueURLOf is a parsed property value's URL: a string, or a nested item's url or value.
func valueURLOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case *microformats.Microformat:
		if u := firstURL(v.Properties["url"]); u != "" {
			return u
		}
		return v.Value
	case map[string]string:
		return v["value"]
	}
	return ""
}

func firstURL(vs []any) string {
	for _, v := range vs {
		if s := valueURLOf(v); s != "" {
			return s
		}
	}
	return ""
}

// firstText is a property's first value as text.
func firstText(vs []any) string {
	for _, v := range vs {
		switch v := v.(type) {
		case string:
			return v
		case map[string]string:
			return v["value"]
		case *microformats.Microformat:
			return v.Value
		}
	}
	return ""
}

// entryContent is the entry's content as safe HTML: e-content's HTML through the site's
// sanitizer, else its text (or the summary's), escaped.
func entryContent(e *microformats.Microformat, sanitize func(string) string) string {
	for _, v := range e.Properties["content"] {
		if m, ok := v.(map[string]string); ok && strings.TrimSpace(m["html"]) != "" {
			return sanitize(m["html"])
		}
	}
	text := firstText(e.Properties["content"])
	if strings.TrimSpace(text) == "" {
		text = firstText(e.Properties["summary"])
	}
	if strings.TrimSpace(text) == "" {
		return ""
	}
	return sanitize("<p>" + htmlEscape(text) + "</p>")
}

// authorOf is the entry's author, else its feed's (authorship algorithm steps 1–3).
func authorOf(e, feed *microformats.Microformat) any {
	if vs := e.Properties["author"]; len(vs) > 0 {
		return vs[0]
	}
	if feed != nil {
		if vs := feed.Properties["author"]; len(vs) > 0 {
			return vs[0]
		}
	}
	return nil
}

// pageAuthor reads an author (an h-card, or a URL or name as text), falling back as the
// authorship algorithm (https://indieweb.org/authorship) does: an author given as a URL
// takes the name and photo of the page's h-card with that url; no author at all takes
// the page's rel=author link, and the h-card that matches it.
func pageAuthor(data *microformats.Data, author any) (name, photo, link string) {
	switch a := author.(type) {
	case *microformats.Microformat:
		name, photo, link = firstText(a.Properties["name"]), firstURL(a.Properties["photo"]), firstURL(a.Properties["url"])
		if name == "" {
			name = a.Value
		}
		return name, photo, link
	case string:
		if u, err := url.Parse(a); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			link = a
		} else {
			name = a
		}
	case map[string]string:
		name = a["value"]
	}
	if link == "" && name == "" && len(data.Rels["author"]) > 0 {
		link = data.Rels["author"][0]
	}
	if link != "" {
		for _, it := range data.Items {
			if hasType(it, "h-card") && sameURL(firstURL(it.Properties["url"]), link) {
				return firstText(it.Properties["name"]), firstURL(it.Properties["photo"]), link
			}
		}
	}
	return name, photo, link
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
