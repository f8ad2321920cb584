package compose

import (
	"strings"
	"testing"
)

func TestHashtag(t *testing.T) {
	tests := []struct{ in, want string }{
		{"indieweb", "#indieweb"},
		{"#IndieWeb", "#IndieWeb"},
		{"coffee shops", "#CoffeeShops"},
		{"café-culture", "#CaféCulture"},
		{"2026", ""},
		{"!!!", ""},
		{"日本語", "#日本語"},
	}
	for _, tt := range tests {
		if got := Hashtag(tt.in); got != tt.want {
			t.Errorf("Hashtag(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestURLs(t *testing.T) {
	s := "see https://a.example/x, (https://b.example/y) and https://w.example/A_(b)."
	var got []string
	for _, u := range URLs(s) {
		got = append(got, s[u[0]:u[1]])
	}
	want := []string{"https://a.example/x", "https://b.example/y", "https://w.example/A_(b)"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("URLs = %q, want %q", got, want)
	}
}

func TestCut(t *testing.T) {
	tests := []struct {
		name, in     string
		max, urlCost int
		want         string
		wantCut      bool
	}{
		{"fits", "hello world", 11, 0, "hello world", false},
		{"at a space", "hello brave new world", 18, 0, "hello brave new…", true},
		{"no space: CJK", "漢字漢字漢字漢字", 5, 0, "漢字漢字…", true},
		{"clusters stay whole", "👩‍👩‍👧‍👦👩‍👩‍👧‍👦👩‍👩‍👧‍👦", 2, 0, "👩‍👩‍👧‍👦…", true},
		{"flags stay whole", "🇫🇷🇩🇪🇮🇹", 2, 0, "🇫🇷…", true},
		{"combining marks stay", "e\u0301e\u0301e\u0301", 2, 0, "e\u0301…", true},
		{"never inside a URL", "ab https://example.com/long/path", 20, 0, "ab…", true},
		{"a URL costs 23", "ab https://example.com/" + strings.Repeat("p", 40) + " cd", 27, 23, "ab https://example.com/" + strings.Repeat("p", 40) + "…", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cut := Cut(tt.in, tt.max, 3000, tt.urlCost)
			if got != tt.want || cut != tt.wantCut {
				t.Errorf("Cut(%q, %d) = %q, %v; want %q, %v", tt.in, tt.max, got, cut, tt.want, tt.wantCut)
			}
			if n := Cost(got, tt.urlCost); n > tt.max {
				t.Errorf("cost %d over %d", n, tt.max)
			}
		})
	}
}

func TestFit(t *testing.T) {
	l := Limit{Max: 40, MaxBytes: 3000}
	tests := []struct {
		name string
		p    Parts
		want string
	}{
		{"whole", Parts{Body: "short", Link: "https://j.example/a", Tags: []string{"#t"}}, "short\n\n#t"},
		{"tag already there", Parts{Body: "about #t", Tags: []string{"#t"}}, "about #t"},
		{"always link", Parts{Body: "Title", Link: "https://j.example/a", AlwaysLink: true}, "Title\n\nhttps://j.example/a"},
		{"cut with link and tag", Parts{Body: strings.Repeat("word ", 20), Link: "https://j.example/a", Tags: []string{"#t"}}, "word word word…\n\nhttps://j.example/a\n\n#t"},
		{"tags dropped before the body starves", Parts{Body: strings.Repeat("word ", 20), Link: "https://j.example/a", Tags: []string{"#aaaaaaaa", "#bbbbbbbb"}}, "word word word…\n\nhttps://j.example/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Fit(tt.p, l)
			if f.Text != tt.want {
				t.Errorf("Fit = %q, want %q", f.Text, tt.want)
			}
			if f.LinkStart >= 0 && f.Text[f.LinkStart:f.LinkEnd] != tt.p.Link {
				t.Errorf("link at [%d, %d) is %q", f.LinkStart, f.LinkEnd, f.Text[f.LinkStart:f.LinkEnd])
			}
		})
	}
}
