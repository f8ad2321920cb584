package bluesky

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/indiepub/indiepub/internal/syndicate/compose"
)

// FuzzBlueskyText checks the text and facets of any post: valid UTF-8 within 300
// grapheme clusters and 3000 bytes, facets within the text, on cluster boundaries, in
// order and apart, each tag facet over "#" and its tag.
func FuzzBlueskyText(f *testing.F) {
	f.Add("Hello https://example.com/a #tag", "coffee shops", true)
	f.Add(strings.Repeat("👩‍👩‍👧‍👦🇫🇷漢字e\u0301 ", 80), "emoji", false)
	f.Add(strings.Repeat("x", 400)+" https://example.com/"+strings.Repeat("p", 300), "", false)
	f.Add("\u0600https://a.example/ #\u0301x", "🇫", true)
	f.Add(strings.Repeat("e\u0301\u0302\u0303\u0304", 900), "", false)
	f.Fuzz(func(t *testing.T, body, tag string, article bool) {
		parts := compose.Parts{Body: compose.Clean(body), Link: "https://jane.example/notes/2026/12/a-post", AlwaysLink: article}
		if h := compose.Hashtag(tag); h != "" {
			parts.Tags = []string{h}
		}
		text, facets := richText(parts)
		if !utf8.ValidString(text) {
			t.Fatalf("text %q is not valid UTF-8", text)
		}
		if n := compose.Graphemes(text); n > maxGraphemes || len(text) > maxTextBytes {
			t.Fatalf("text of %d clusters and %d bytes: %q", n, len(text), text)
		}
		last := 0
		for _, fc := range facets {
			s, e := fc.Index.ByteStart, fc.Index.ByteEnd
			if s < last || e <= s || e > len(text) {
				t.Fatalf("facet [%d, %d) out of order or outside %d bytes of %q", s, e, len(text), text)
			}
			if !compose.IsBoundary(text, s) || !compose.IsBoundary(text, e) {
				t.Fatalf("facet [%d, %d) cuts a grapheme cluster of %q", s, e, text)
			}
			if ft := fc.Features[0]; ft.Tag != "" && text[s:e] != "#"+ft.Tag {
				t.Fatalf("tag facet over %q names %q", text[s:e], ft.Tag)
			}
			last = e
		}
	})
}
