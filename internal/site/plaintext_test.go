package site_test

import (
	"encoding/xml"
	"html"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/indiepub/indiepub/internal/fixture"
	"github.com/indiepub/indiepub/internal/site"
)

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>a list:</p><ul><li>one</li><li>two</li></ul><p><em>styl</em>ed</p>", "a list: one two styled"},
		{"first line<br>second<br/>third", "first line second third"},
		{"<h2>Heading</h2><p>Body</p><blockquote>quoted</blockquote><pre>code\nblock</pre>", "Heading Body quoted code block"},
		{"<table><tr><td>a</td><td>b</td></tr><tr><th>c</th></tr></table>", "a b c"},
		{"<div>one</div><div>two</div>", "one two"},
		{"Caf&eacute; &amp; <strong>b</strong>ar &lt;3", "Café & bar <3"},
		{"<a href=\"https://x.example/\">link</a>, then <code>x</code>.", "link, then x."},
		{"before<script>alert(1)</script><style>p{}</style>after", "beforeafter"},
		{"  spaced \n\t out  ", "spaced out"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := site.PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A post without a name is titled by the text of its content, in the page's <title> and
// in feeds, with the words of separate blocks kept apart.
func TestTitleFromHTMLContent(t *testing.T) {
	ts := newSite(t)
	ts.createPost(t, map[string]any{"type": []any{"h-entry"}, "properties": map[string]any{
		"content": []any{map[string]any{"html": "<p>a list:</p><ul><li>one</li><li>two</li></ul><p><em>styl</em>ed</p>"}},
	}})
	const want = "a list: one two styled"
	_, body := ts.page2(t, "/feed.atom")
	var f atomFeed
	if err := xml.Unmarshal(body, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != 1 || f.Entries[0].Title != want {
		t.Fatalf("Atom entries %+v, want one titled %q", f.Entries, want)
	}
	_, page := ts.page(t, f.Entries[0].ID)
	if !strings.Contains(string(page), "<title>"+want+" · Jane Example</title>") {
		t.Errorf("page title is not %q:\n%s", want, page)
	}
}

// FuzzPlainText checks that any HTML gives collapsed, valid text, and that text with no
// markup comes back as it is, whitespace collapsed and entities decoded.
func FuzzPlainText(f *testing.F) {
	for _, s := range []string{"<p>a</p><p>b</p>", "a<br>b", "<em>x</em>y", "<script>x", "&amp;&lt;", "<a href='x'>y</a>"} {
		f.Add(s)
	}
	for _, name := range fixture.Glob(f, "*.json") {
		f.Add(string(fixture.Read(f, name[strings.LastIndexByte(name, '/')+1:])))
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := site.PlainText(s)
		if got != strings.Join(strings.Fields(got), " ") {
			t.Fatalf("PlainText(%q) = %q: whitespace not collapsed", s, got)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("PlainText(%q) = %q: not UTF-8", s, got)
		}
		if !strings.ContainsAny(s, "<>&") {
			if want := strings.Join(strings.Fields(html.UnescapeString(s)), " "); got != want {
				t.Fatalf("PlainText(%q) = %q, want %q", s, got, want)
			}
		}
	})
}
