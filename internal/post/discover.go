package post

import (
	"html"
	"strings"
)

// RSVP values Post Type Discovery accepts (https://www.w3.org/TR/post-type-discovery/#algorithm).
var rsvpValues = map[string]bool{"yes": true, "no": true, "maybe": true, "interested": true}

// responseTypes are checked in order after rsvp: the first property present with a usable
// value decides the type. The spec's list (reply, repost, like, video, photo) is extended
// with the response and media kinds the IndieWeb wiki and current clients use; they sit
// before video, audio and photo because a checkin, a watch or a bookmark often carries a
// photo without being a photo post.
var responseTypes = []struct{ prop, typ string }{
	{"in-reply-to", "reply"},
	{"repost-of", "repost"},
	{"like-of", "like"},
	{"bookmark-of", "bookmark"},
	{"quotation-of", "quotation"},
	{"checkin", "checkin"},
	{"watch-of", "watch"},
	{"read-of", "read"},
	{"listen-of", "listen"},
	{"play-of", "game"},
	{"itinerary", "itinerary"},
	{"video", "video"},
	{"audio", "audio"},
	{"photo", "photo"},
}

// DiscoverType implements IndieWeb Post Type Discovery
// (https://www.w3.org/TR/post-type-discovery/#algorithm): event for an h-event, rsvp when
// rsvp has a valid value, then the response and media properties in responseTypes, and
// finally article or note by whether the name is a prefix of the content.
func DiscoverType(it Item) string {
	for _, t := range it.Type {
		if t == "h-event" {
			return "event"
		}
	}
	if rsvpValues[strings.ToLower(strings.TrimSpace(it.First("rsvp")))] {
		return "rsvp"
	}
	for _, rt := range responseTypes {
		if hasUsableValue(it.Properties[rt.prop]) {
			return rt.typ
		}
	}
	return articleOrNote(it)
}

// articleOrNote is steps 8 to 13 of the algorithm: no name means a note; a name that the
// content (or summary) does not start with, once whitespace is collapsed, means an article.
func articleOrNote(it Item) string {
	name := collapse(PlainText(firstValue(it, "name")))
	if name == "" {
		return "note"
	}
	content := firstValue(it, "content")
	if content == nil {
		content = firstValue(it, "summary")
	}
	if content == nil {
		// The spec: "if there is no content nor summary, it is a note". A named post with
		// nothing else would read as an article title with no body; the spec is followed.
		return "note"
	}
	if !strings.HasPrefix(collapse(PlainText(content)), name) {
		return "article"
	}
	return "note"
}

// firstValue is the first value of the property with some text (the spec's "first
// non-empty value"), or nil.
func firstValue(it Item, name string) any {
	for _, v := range it.Properties[name] {
		if strings.TrimSpace(PlainText(v)) != "" {
			return v
		}
	}
	return nil
}

// hasUsableValue reports whether a response or media property points somewhere: a
// non-empty string, or an object with a url, value or properties (an embedded h-cite,
// h-card or {"value","alt"} photo).
func hasUsableValue(vs []any) bool {
	for _, v := range vs {
		switch x := v.(type) {
		case string:
			if strings.TrimSpace(x) != "" {
				return true
			}
		case map[string]any:
			if StringValue(x) != "" {
				return true
			}
			if props, ok := x["properties"].(map[string]any); ok && len(props) > 0 {
				return true
			}
		}
	}
	return false
}

// PlainText is the text of a property value: a string as is, an object's "value", or its
// "html" with the tags removed and entities decoded (Micropub allows content as
// {"html": ...} alone).
func PlainText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if s, ok := x["value"].(string); ok {
			return s
		}
		if s, ok := x["html"].(string); ok {
			return stripTags(s)
		}
	}
	return ""
}

// stripTags drops markup, keeping text. A tag that starts a block or a line (</p>, <br>,
// <li>…) becomes a space so that the words on either side stay apart; inline tags become
// nothing, so that <em>styl</em>ed stays one word, as a browser shows it.
func stripTags(s string) string {
	var b strings.Builder
	for {
		start := strings.IndexByte(s, '<')
		if start < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:start])
		end := strings.IndexByte(s[start:], '>')
		if end < 0 {
			break // an unterminated tag runs to the end
		}
		if breaksText(s[start+1 : start+end]) {
			b.WriteByte(' ')
		}
		s = s[start+end+1:]
	}
	return html.UnescapeString(b.String())
}

// breaksText reports whether a tag (its text between < and >) is of an element that
// starts a block or a line in HTML's rendering.
func breaksText(tag string) bool {
	tag = strings.TrimPrefix(tag, "/")
	n := 0
	for n < len(tag) && (tag[n] >= 'a' && tag[n] <= 'z' || tag[n] >= 'A' && tag[n] <= 'Z' || tag[n] >= '0' && tag[n] <= '9') {
		n++
	}
	return blockTags[strings.ToLower(tag[:n])]
}

var blockTags = map[string]bool{
	"address": true, "article": true, "aside": true, "blockquote": true, "br": true,
	"caption": true, "dd": true, "details": true, "div": true, "dl": true, "dt": true,
	"figcaption": true, "figure": true, "footer": true, "h1": true, "h2": true, "h3": true,
	"h4": true, "h5": true, "h6": true, "header": true, "hr": true, "li": true, "main": true,
	"nav": true, "ol": true, "p": true, "pre": true, "section": true, "summary": true,
	"table": true, "tbody": true, "td": true, "tfoot": true, "th": true, "thead": true,
	"tr": true, "ul": true, "img": true, "video": true, "audio": true,
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }
