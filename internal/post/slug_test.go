package post

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestSlugify(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Espresso on Alder", "espresso-on-alder"},
		{"espresso-on-alder", "espresso-on-alder"},
		{"  Hello,   World!  ", "hello-world"},
		{"../../etc/passwd", "etc-passwd"},
		{"a/b\\c", "a-b-c"},
		{"..", ""},
		{"%2e%2e%2f", "2e-2e-2f"},
		{"Café Labath", "cafe-labath"},
		{"Straße über Ærø", "strasse-uber-aero"},
		{"Łódź", "lodz"},
		{"кофе утром", ""},
		{"珈琲", ""},
		{"Café кофе bar", "cafe-bar"},
		{"e\u0301te", "e-te"}, // a combining accent is not a letter: it separates
		{"tab\tand\nnewline", "tab-and-newline"},
		{"under_score.dot", "under-score-dot"},
		{"\u202eevil", "evil"},
		{"", ""},
		{"!!!", ""},
		{strings.Repeat("word ", 30), strings.TrimSuffix(strings.Repeat("word-", 12), "-")},
		{strings.Repeat("x", 100), strings.Repeat("x", 60)},
	}
	for _, tt := range tests {
		if got := Slugify(tt.in); got != tt.want {
			t.Errorf("Slugify(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestChooseSlug(t *testing.T) {
	pub := time.Date(2024, 5, 4, 9, 12, 44, 0, time.FixedZone("", -7*3600))
	tests := []struct {
		name   string
		props  map[string][]any
		mpSlug string
		want   string
	}{
		{"mp-slug wins", map[string][]any{"name": {"Title"}}, "My Slug", "my-slug"},
		{"mp-slug traversal", nil, "../../admin", "admin"},
		{"mp-slug of only dots falls back to name", map[string][]any{"name": {"Title here"}}, "../..", "title-here"},
		{"name", map[string][]any{"name": {"On owning your words"}, "content": {"x"}}, "", "on-owning-your-words"},
		{"content words", map[string][]any{"content": {"Trying the new espresso bar on Alder St. Worth the wait"}}, "", "trying-the-new-espresso-bar-on"},
		{"html content", map[string][]any{"content": {map[string]any{"html": "<p>Hello <b>there</b></p>"}}}, "", "hello-there"},
		{"html blocks apart, inline joined", map[string][]any{"content": {map[string]any{"html": "<p>a list:</p><ul><li>one</li><li>two</li></ul><p><em>styl</em>ed</p>"}}}, "", "a-list-one-two-styled"},
		{"html line breaks", map[string][]any{"content": {map[string]any{"html": "first<br>second<BR/>third"}}}, "", "first-second-third"},
		{"summary", map[string][]any{"summary": {"Reading The Left Hand"}}, "", "reading-the-left-hand"},
		{"nothing: time", map[string][]any{"photo": {"https://p.example/x.jpg"}}, "", "04-091244"},
		{"emoji only: time", map[string][]any{"content": {"☕☕"}}, "", "04-091244"},
		{"cyrillic mp-slug: name", map[string][]any{"name": {"Morning coffee"}}, "кофе", "morning-coffee"},
		{"cyrillic everywhere: time", map[string][]any{"name": {"Утренний кофе"}}, "кофе", "04-091244"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := Item{Type: []string{"h-entry"}, Properties: tt.props}
			if got := ChooseSlug(it, tt.mpSlug, pub); got != tt.want {
				t.Errorf("ChooseSlug = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNthSlug(t *testing.T) {
	for n, want := range map[int]string{0: "a", 1: "a", 2: "a-2", 3: "a-3", 12: "a-12"} {
		if got := NthSlug("a", n); got != want {
			t.Errorf("NthSlug(a, %d) = %q, want %q", n, got, want)
		}
	}
}

// checkSlug is the property every slug has, whatever the input.
func checkSlug(t *testing.T, in, s string) {
	t.Helper()
	if len(s) > maxSlug || !utf8.ValidString(s) || strings.Contains(s, "..") ||
		strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") || strings.Contains(s, "--") {
		t.Fatalf("Slugify(%q) = %q: bad shape", in, s)
	}
	for _, r := range s {
		if r != '-' && !('a' <= r && r <= 'z') && !('0' <= r && r <= '9') {
			t.Fatalf("Slugify(%q) = %q: unsafe rune %q", in, s, r)
		}
	}
}
