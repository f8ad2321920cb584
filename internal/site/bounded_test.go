package site

import (
	"strings"
	"testing"
	"time"
)

// shape is a pathological piece of content: kind says which renderer it targets.
type shape struct {
	name string
	kind contentKind
	src  string
}

// shapes are the inputs that made goldmark, bluemonday, the tag balancer or RenderText
// quadratic (or worse) in the length of the content, each about n bytes long.
func shapes(n int) []shape {
	rep := func(s string) string { return strings.Repeat(s, n/len(s)+1)[:n] }
	lines := func(line func(i int) string) string {
		var b strings.Builder
		for i := 0; b.Len() < n; i++ {
			b.WriteString(line(i))
			b.WriteByte('\n')
		}
		return b.String()
	}
	wide := "|" + strings.Repeat("a|", n/8) + "\n|" + strings.Repeat("-|", n/8) + "\n"
	return []shape{
		{"nested quotes", contentMarkdown, rep(">")},
		{"quote stairs", contentMarkdown, lines(func(i int) string { return strings.Repeat(">", i%2000) + " a" })},
		{"lazy deep quote", contentMarkdown, strings.Repeat(">", n/2) + " a\n" + rep("b\n")[:n/2]},
		{"nested lists", contentMarkdown, rep("- ")},
		{"nested ordered lists", contentMarkdown, rep("1. ")},
		{"indented list items", contentMarkdown, lines(func(i int) string { return strings.Repeat(" ", 2*(i%1000)) + "- a" })},
		{"star emphasis", contentMarkdown, rep("*a")},
		{"underscore emphasis", contentMarkdown, rep("_a")},
		{"mixed emphasis", contentMarkdown, rep("*_")},
		{"strong runs", contentMarkdown, rep("**a __b ~~c ")},
		{"link brackets", contentMarkdown, rep("[")},
		{"labelled brackets", contentMarkdown, rep("[a")},
		{"unclosed links", contentMarkdown, rep("[a](")},
		{"unclosed images", contentMarkdown, rep("![a](")},
		{"unclosed titles", contentMarkdown, rep("[a](b (")},
		{"reference definitions", contentMarkdown, rep("[a]: b\n")},
		{"table rows", contentMarkdown, "|a|b|c|\n|-|-|-|\n" + rep("|x|y|z|\n")},
		{"table columns", contentMarkdown, wide + rep("|x\n")[:n-len(wide)]},
		{"backtick runs", contentMarkdown, lines(func(i int) string { return strings.Repeat("`", i%300+1) + "a" })},
		{"less-than", contentMarkdown, rep("<")},
		{"ampersands", contentMarkdown, rep("&")},
		{"html comments", contentMarkdown, rep("a <!--")},
		{"carriage returns", contentMarkdown, rep("> [a](\r")},
		{"url parentheses", contentText, "see https://a.example/" + rep(")")},
		{"text ampersands", contentText, rep("&<")},
		{"nested divs", contentHTML, rep("<div>")},
		{"nested formatting", contentHTML, rep("<b><i><u><s><em>")},
		{"misnested formatting", contentHTML, rep("<b><i></b></i>")},
		{"nested tables", contentHTML, rep("<table><tr><td>")},
		{"nested links", contentHTML, rep("<a href=/x>")},
		{"stray end tags", contentHTML, rep("</p></b>")},
		{"unclosed attribute", contentHTML, `<a href="` + rep("x ")},
		{"html less-than", contentHTML, rep("<")},
		{"html ampersands", contentHTML, rep("&")},
	}
}

// render renders content of a kind as the website does, with no cache.
func render(kind contentKind, src string) string {
	switch kind {
	case contentMarkdown:
		return string(RenderMarkdown(src))
	case contentText:
		return string(RenderText(src))
	}
	return string(SanitizeHTML(src))
}

// TestRenderingIsBounded renders every pathological shape at 1 MB, and at just under
// the size above which Markdown is not parsed, with every renderer: each must finish in
// a second (goldmark took minutes on some) with output at most 16 times its input.
func TestRenderingIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("renders megabytes")
	}
	limit := time.Second * raceFactor
	for _, n := range []int{1 << 20, maxMarkdownBytes - 1} {
		for _, s := range shapes(n) {
			for _, kind := range []contentKind{contentMarkdown, contentHTML, contentText} {
				start := time.Now()
				out := render(kind, s.src)
				if d := time.Since(start); d > limit {
					t.Errorf("%s, %d bytes, rendered as %s: %v, want under %v", s.name, len(s.src), kindName(kind), d, limit)
				}
				if len(out) > 16*len(s.src)+1<<20 {
					t.Errorf("%s, %d bytes, rendered as %s: %d bytes of HTML", s.name, len(s.src), kindName(kind), len(out))
				}
			}
		}
	}
}

func kindName(k contentKind) string {
	return [...]string{"HTML", "Markdown", "text"}[k]
}

func TestMarkdownLimits(t *testing.T) {
	tests := []struct {
		name, src string
		want      bool
	}{
		{"article", "# Title\n\nSome *em* and a [link](https://a.example/).\n\n> quoted\n> > twice\n\n- a\n  - b\n    - c\n", true},
		{"quotes at the limit", strings.Repeat(">", maxMarkdownDepth) + " a", true},
		{"quotes past the limit", strings.Repeat(">", maxMarkdownDepth+1) + " a", false},
		{"lists past the limit", strings.Repeat("- ", maxMarkdownDepth+1) + "a", false},
		{"indented past the limit", strings.Repeat(" ", 4*maxMarkdownDepth+4) + "- a", false},
		{"deep code in a fence", "```\n" + strings.Repeat(" ", 60) + "x\n```", true},
		{"too long", strings.Repeat("a", maxMarkdownBytes+1), false},
		{"many links in paragraphs", strings.Repeat("A [link](https://a.example/) and [another](/b).\n\n", 4000), true},
		{"a long list of links", strings.Repeat("- [a link](https://a.example/)\n", 500), true},
		{"unclosed links", strings.Repeat("[a](", 20000), false},
		{"unclosed links over lines", strings.Repeat("[a](\n", 20000), false},
		{"unclosed links over old Mac lines", strings.Repeat("[a](\r", 20000), false},
		{"unclosed links in blank-separated paragraphs", strings.Repeat("[a](\n\n", 20000), true},
		{"unmatched emphasis", strings.Repeat("*_", 5000), false},
		{"emphasis in paragraphs", strings.Repeat("Some *em*, __strong__ and ~~struck~~ words.\n\n", 4000), true},
		{"a table", "|a|b|\n|-|-|\n" + strings.Repeat("|1|2|\n", 5000), true},
		{"a padded table", "|" + strings.Repeat("a|", 1000) + "\n|" + strings.Repeat("-|", 1000) + "\n" + strings.Repeat("|x\n", 100), false},
	}
	for _, tt := range tests {
		if got := markdownBounded(tt.src); got != tt.want {
			t.Errorf("%s: markdownBounded = %t, want %t", tt.name, got, tt.want)
		}
	}
}

// FuzzMarkdownTime renders arbitrary text, repeated to at least 64 KB (quadratic shapes
// show only when repeated), as Markdown: it must take no more than a bound linear in its
// length, and its HTML no more than 16 times as many bytes.
func FuzzMarkdownTime(f *testing.F) {
	for _, s := range shapes(64) {
		f.Add(s.src)
	}
	f.Add("# Title\n\n> quote\n\n- a\n  - b\n\n|a|b|\n|-|-|\n|1|2|\n\n[x](https://a.example/ \"t\") *em* `code`\n")
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" {
			return
		}
		const size = 64 << 10
		src := strings.Repeat(s, (size+len(s)-1)/len(s))
		// Rendering costs per byte of input and per byte of HTML written (sanitizing reads
		// it all again): about four times what the costliest linear shapes (nested lists,
		// tables) take; the quadratic ones took seconds at this size.
		var out string
		d := timeRender(func() { out = string(RenderMarkdown(src)) })
		limit := (40*time.Millisecond + time.Duration(len(src))*8*time.Microsecond +
			time.Duration(len(out))*time.Microsecond) * raceFactor
		if d > limit {
			// Once more, in case the machine was busy.
			if d = timeRender(func() { RenderMarkdown(src) }); d > limit {
				t.Fatalf("%q repeated to %d bytes: rendered in %v, want under %v", s, len(src), d, limit)
			}
		}
		if len(out) > 16*len(src)+1<<20 {
			t.Fatalf("%q repeated to %d bytes: %d bytes of HTML", s, len(src), len(out))
		}
	})
}

func timeRender(fn func()) time.Duration {
	start := time.Now()
	fn()
	return time.Since(start)
}
