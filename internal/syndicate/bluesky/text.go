package bluesky

import (
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/indiepub/indiepub/internal/syndicate/compose"
)

// The limits of app.bsky.feed.post's text (lexicons/app/bsky/feed/post.json): 300
// grapheme clusters and 3000 bytes; and of a tag facet (richtext/facet.json#tag).
const (
	maxGraphemes    = 300
	maxTextBytes    = 3000
	maxTagGraphemes = 64
	maxTagBytes     = 640
)

// facet is an app.bsky.richtext.facet: features over the byte range [byteStart,
// byteEnd) of the UTF-8 text (lexicons/app/bsky/richtext/facet.json).
type facet struct {
	Index    byteSlice `json:"index"`
	Features []feature `json:"features"`
}

type byteSlice struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

type feature struct {
	Type string `json:"$type"`
	URI  string `json:"uri,omitempty"`
	Tag  string `json:"tag,omitempty"`
}

// richText is a post's text within Bluesky's limits and its facets: the text is cut
// (compose.Fit) with a link back to link, shown short (compose.ShortURL) and made a link
// facet; every http(s) URL in the text becomes a link facet and every #hashtag a tag
// facet, all on grapheme cluster boundaries.
func richText(parts compose.Parts) (string, []facet) {
	parts.LinkText = compose.ShortURL(parts.Link)
	f := compose.Fit(parts, compose.Limit{Max: maxGraphemes, MaxBytes: maxTextBytes})
	var out []facet
	if f.LinkStart >= 0 {
		out = append(out, linkFacet(f.LinkStart, f.LinkEnd, parts.Link))
	}
	urls := compose.URLs(f.Text)
	for _, u := range urls {
		out = append(out, linkFacet(u[0], u[1], f.Text[u[0]:u[1]]))
	}
	if f.LinkStart >= 0 {
		urls = append(urls, [2]int{f.LinkStart, f.LinkEnd})
	}
	for _, t := range hashtags(f.Text, urls) {
		out = append(out, facet{Index: byteSlice{t[0], t[1]}, Features: []feature{{Type: "app.bsky.richtext.facet#tag", Tag: f.Text[t[0]+1 : t[1]]}}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index.ByteStart < out[j].Index.ByteStart })
	return f.Text, out
}

func linkFacet(start, end int, uri string) facet {
	return facet{Index: byteSlice{start, end}, Features: []feature{{Type: "app.bsky.richtext.facet#link", URI: uri}}}
}

// hashtagPattern finds "#tag" after the start or white space, as the Bluesky app's own
// detection does; the tag runs to the next space.
var hashtagPattern = regexp.MustCompile(`(?:^|\s)(#[^\s#]+)`)

// hashtags is where text has hashtags ([start, end) from the '#'), without trailing
// punctuation, with at least one letter, within the tag facet's limits, outside URLs and
// on grapheme cluster boundaries.
func hashtags(text string, urls [][2]int) [][2]int {
	var out [][2]int
	bounds := compose.Boundaries(text)
	for _, m := range hashtagPattern.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[2], m[3]
		end = start + len(strings.TrimRightFunc(text[start:end], unicode.IsPunct))
		tag := text[start+1 : end]
		if !strings.ContainsFunc(tag, unicode.IsLetter) || len(tag) > maxTagBytes || compose.Graphemes(tag) > maxTagGraphemes {
			continue
		}
		if inside(start, end, urls) || !bounds[start] || !bounds[end] {
			continue
		}
		out = append(out, [2]int{start, end})
	}
	return out
}

func inside(start, end int, ranges [][2]int) bool {
	for _, r := range ranges {
		if start < r[1] && end > r[0] {
			return true
		}
	}
	return false
}
