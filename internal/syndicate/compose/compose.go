// Package compose reads what the copies of a post are made of (its text, title, tags,
// photos and the URLs it names) and cuts text to a service's limit in grapheme clusters,
// the unit both Mastodon (StatusLengthValidator counts mb_chars.grapheme_length) and
// Bluesky (app.bsky.feed.post text maxGraphemes) count in.
package compose

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"

	"github.com/indiepub/indiepub/internal/post"
)

// Ellipsis ends a text that was cut.
const Ellipsis = "…"

// Text is a post's text: its content (or summary) as plain text, with runs of blank
// lines collapsed and the ends trimmed; never invalid UTF-8.
func Text(p *post.Post) string {
	v := firstOf(p.Item, "content")
	if v == nil {
		v = firstOf(p.Item, "summary")
	}
	return Clean(post.PlainText(v))
}

// Name is a post's title (its name), cleaned as Text.
func Name(p *post.Post) string {
	return Clean(post.PlainText(firstOf(p.Item, "name")))
}

// Clean makes s valid UTF-8, trims it, turns \r\n into \n and keeps at most one blank
// line in a row.
func Clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for strings.Contains(s, "\n\n\n") {
		s = strings.ReplaceAll(s, "\n\n\n", "\n\n")
	}
	return strings.TrimSpace(s)
}

func firstOf(it post.Item, name string) any {
	for _, v := range it.Properties[name] {
		if strings.TrimSpace(post.PlainText(v)) != "" {
			return v
		}
	}
	return nil
}

// First is the first URL value of a property (in-reply-to, like-of, repost-of): a
// string, or a nested h-cite's url or value.
func First(p *post.Post, name string) string {
	for _, v := range p.Item.Properties[name] {
		switch x := v.(type) {
		case string:
			return strings.TrimSpace(x)
		case map[string]any:
			if props, ok := x["properties"].(map[string]any); ok {
				if us, ok := props["url"].([]any); ok && len(us) > 0 {
					if u, ok := us[0].(string); ok {
						return strings.TrimSpace(u)
					}
				}
			}
			if u, ok := x["value"].(string); ok {
				return strings.TrimSpace(u)
			}
		}
	}
	return ""
}

// Photo is one photo of a post.
type Photo struct {
	URL, Alt string
}

// Photos is a post's photos with their alt text (Micropub's {"value", "alt"} form).
func Photos(p *post.Post) []Photo {
	var out []Photo
	for _, v := range p.Item.Properties["photo"] {
		switch x := v.(type) {
		case string:
			if x != "" {
				out = append(out, Photo{URL: x})
			}
		case map[string]any:
			u, _ := x["value"].(string)
			alt, _ := x["alt"].(string)
			if u != "" {
				out = append(out, Photo{URL: u, Alt: strings.TrimSpace(alt)})
			}
		}
	}
	return out
}

// Hashtags is a post's tags as hashtags ("#CoffeeShops" for "coffee shops"), without
// those that would not be one (no letter).
func Hashtags(p *post.Post) []string {
	var out []string
	for _, t := range p.Item.Tags() {
		if h := Hashtag(t); h != "" {
			out = append(out, h)
		}
	}
	return out
}

// Hashtag is "#" and the tag's letters, digits and underscores; a tag of several words
// has each start upper case ("#CoffeeShops", which screen readers read as two words);
// "" when it has no letter (Mastodon and Bluesky both take "#123" for no tag).
func Hashtag(tag string) string {
	tag = strings.TrimPrefix(strings.TrimSpace(tag), "#")
	var b strings.Builder
	letter := false
	upper := len(strings.FieldsFunc(tag, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && !unicode.Is(unicode.Mn, r)
	})) > 1
	for _, r := range tag {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || unicode.Is(unicode.Mn, r):
			if upper {
				r = unicode.ToUpper(r)
			}
			b.WriteRune(r)
			letter = letter || unicode.IsLetter(r)
			upper = false
		default:
			upper = b.Len() > 0
		}
	}
	if !letter {
		return ""
	}
	return "#" + b.String()
}

var urlPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// URLs is where s names http(s) URLs, as byte ranges [start, end), with trailing
// punctuation left out; a URL that does not start and end between grapheme clusters is
// left out too, so that every range can be a facet.
func URLs(s string) [][2]int {
	b := boundaries(s)
	var out [][2]int
	for _, m := range urlPattern.FindAllStringIndex(s, -1) {
		start, end := m[0], m[1]
		for end > start {
			r, size := utf8.DecodeLastRuneInString(s[:end])
			if !strings.ContainsRune(".,;:!?'\")]}…", r) || r == ')' && strings.Contains(s[start:end], "(") {
				break
			}
			end -= size
		}
		if end-start > len("https://") && b[start] && b[end] {
			out = append(out, [2]int{start, end})
		}
	}
	return out
}

// boundaries marks the byte offsets in s between grapheme clusters, 0 and len(s)
// included.
func boundaries(s string) []bool {
	b := make([]bool, len(s)+1)
	b[0] = true
	state, pos := -1, 0
	for pos < len(s) {
		var cluster string
		cluster, _, _, state = uniseg.FirstGraphemeClusterInString(s[pos:], state)
		pos += len(cluster)
		b[pos] = true
	}
	return b
}

// Boundaries reports for each byte offset of s (0 to len(s)) whether it falls between
// grapheme clusters.
func Boundaries(s string) []bool { return boundaries(s) }

// IsBoundary reports whether offset i of s falls between grapheme clusters.
func IsBoundary(s string, i int) bool { return i >= 0 && i <= len(s) && boundaries(s)[i] }

// Graphemes counts s's grapheme clusters.
func Graphemes(s string) int { return uniseg.GraphemeClusterCount(s) }

// Cost is what s counts toward a limit: a grapheme cluster costs 1, a URL urlCost (as
// Mastodon counts every URL as 23 characters), or its own clusters when urlCost is 0.
func Cost(s string, urlCost int) int {
	if urlCost > 0 {
		// A server finds URLs its own way: count also as if every run from a scheme to
		// the next space were one, and take the greater, so as never to count less.
		return max(cost(s, urlCost), Graphemes(anyURL.ReplaceAllString(s, strings.Repeat("x", urlCost))))
	}
	return cost(s, urlCost)
}

var anyURL = regexp.MustCompile(`https?://\S+`)

func cost(s string, urlCost int) int {
	n, last := 0, 0
	for _, u := range URLs(s) {
		n += Graphemes(s[last:u[0]])
		if urlCost > 0 {
			n += urlCost
		} else {
			n += Graphemes(s[u[0]:u[1]])
		}
		last = u[1]
	}
	return n + Graphemes(s[last:])
}

// Cut shortens s to cost at most max (Cost with urlCost) and to at most maxBytes bytes,
// Ellipsis included, and reports whether it cut. It cuts only between grapheme clusters,
// never inside a URL, and at the last space when there is one in the last quarter.
func Cut(s string, max, maxBytes, urlCost int) (string, bool) {
	if len(s) <= maxBytes && Cost(s, urlCost) <= max {
		return s, false
	}
	max -= Graphemes(Ellipsis)
	maxBytes -= len(Ellipsis)
	// Nothing past maxBytes can be kept: look no further (a URL running past the end of
	// this prefix ends past maxBytes either way), so that cutting a long text costs what
	// cutting a short one does.
	if len(s) > maxBytes+len(Ellipsis)+64 {
		s = strings.ToValidUTF8(s[:maxBytes+len(Ellipsis)+64], "")
	}
	urls := URLs(s)
	cost, pos, lastSpace, state := 0, 0, -1, -1
	for pos < len(s) && max > 0 {
		if len(urls) > 0 && urls[0][0] == pos {
			c := urlCost
			if c == 0 {
				c = Graphemes(s[pos:urls[0][1]])
			}
			if cost+c > max || urls[0][1] > maxBytes {
				break
			}
			cost, pos, state = cost+c, urls[0][1], -1
			urls = urls[1:]
			continue
		}
		var cluster string
		cluster, _, _, state = uniseg.FirstGraphemeClusterInString(s[pos:], state)
		if cost+1 > max || pos+len(cluster) > maxBytes {
			break
		}
		if strings.TrimSpace(cluster) == "" {
			lastSpace = pos
		}
		cost, pos = cost+1, pos+len(cluster)
	}
	if lastSpace > 0 && lastSpace >= pos*3/4 {
		pos = lastSpace
	}
	return trimSpaceEnd(s[:pos]) + Ellipsis, true
}

// trimSpaceEnd drops the grapheme clusters of white space that end s.
func trimSpaceEnd(s string) string {
	for {
		end := lastBoundary(s)
		if end == len(s) || strings.TrimSpace(s[end:]) != "" {
			return s
		}
		s = s[:end]
	}
}

// lastBoundary is where s's last grapheme cluster starts.
func lastBoundary(s string) int {
	last, pos, state := 0, 0, -1
	for pos < len(s) {
		var cluster string
		cluster, _, _, state = uniseg.FirstGraphemeClusterInString(s[pos:], state)
		last, pos = pos, pos+len(cluster)
	}
	if len(s) == 0 {
		return 0
	}
	return last
}

// ShortURL is how a URL is shown in text when the text may shorten it (Bluesky's link
// facets point to the whole URL): without its scheme, "www." or final slash, and cut to
// 30 clusters.
func ShortURL(u string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	s = strings.TrimSuffix(strings.TrimPrefix(s, "www."), "/")
	short, _ := Cut(s, 30, 3000, 0)
	return short
}
