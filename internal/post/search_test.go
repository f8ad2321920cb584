package post

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSearchTerms(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"Coffee", []string{"coffee"}},
		{`  "flat white" -milk`, []string{"flat", "white", "milk"}},
		{`NEAR(a b, 3) OR c*`, []string{"near", "a", "b", "3", "or", "c"}},
		{`name:tea AND ^x`, []string{"name", "tea", "and", "x"}},
		{"café Café", []string{"café"}},
		{"don't", []string{"don", "t"}},
		{"日本語 テスト", []string{"日本語", "テスト"}},
		{`""" *** ((( `, nil},
	}
	for _, tt := range tests {
		if got := SearchTerms(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("SearchTerms(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSearchTermsBounded(t *testing.T) {
	long := strings.Repeat("é", 100)
	got := SearchTerms(long + " " + strings.Repeat("w ", 1000) + strings.Repeat("x", 10))
	if len(got[0]) > MaxSearchTermLen || !utf8.ValidString(got[0]) {
		t.Errorf("first term %q: %d bytes, want at most %d, valid UTF-8", got[0], len(got[0]), MaxSearchTermLen)
	}
	var many []string
	for i := range 100 {
		many = append(many, strings.Repeat("a", i+1))
	}
	if got := SearchTerms(strings.Join(many, " ")); len(got) != MaxSearchTerms {
		t.Errorf("%d words: %d terms, want %d", len(many), len(got), MaxSearchTerms)
	}
}

func FuzzSearchTerms(f *testing.F) {
	for _, s := range []string{"coffee", `"a" NEAR(b c) -d e*`, "café", strings.Repeat("x", 300), "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		terms := SearchTerms(s)
		if len(terms) > MaxSearchTerms {
			t.Fatalf("%d terms, want at most %d", len(terms), MaxSearchTerms)
		}
		for _, term := range terms {
			if term == "" || len(term) > MaxSearchTermLen || !utf8.ValidString(term) {
				t.Fatalf("term %q: empty, over %d bytes or not UTF-8", term, MaxSearchTermLen)
			}
			for _, r := range term {
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
					t.Fatalf("term %q holds %q, neither letter nor digit", term, r)
				}
			}
		}
	})
}
