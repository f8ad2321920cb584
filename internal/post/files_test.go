package post

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestFileURLs(t *testing.T) {
	const m = "https://example.com/media/"
	const cdn = "https://cdn.example/site/"
	prefixes := []string{m, cdn}
	tests := []struct {
		name, props string
		want        []string
	}{
		{"no file", `"content":["hello"],"in-reply-to":["https://other.example/media/a.jpg"]`, nil},
		{"photo", `"photo":["` + m + `9f/3d/9f3d.jpg"]`, []string{m + "9f/3d/9f3d.jpg"}},
		{"photo with alt", `"photo":[{"value":"` + m + `a.jpg","alt":"A cup"}]`, []string{m + "a.jpg"}},
		{"a value with & < >", `"video":["` + m + `a&b<c>.png"]`, []string{m + "a&b<c>.png"}},
		{"the other prefix", `"audio":["` + cdn + `x.mp3"]`, []string{cdn + "x.mp3"}},
		{"html src and href", `"content":[{"html":"<p><img src=\"` + m + `a.jpg\"> <a href='` + m + `b&amp;c.pdf'>b</a></p>","value":"b"}]`,
			[]string{m + "a.jpg", m + "b&amp;c.pdf", m + "b&c.pdf"}},
		{"markdown", `"content":["![a cup](` + m + `a.jpg \"title\") and [the paper](` + m + `p.pdf)."]`,
			[]string{m + "a.jpg", m + "p.pdf"}},
		{"plain text with punctuation", `"content":["See ` + m + `a.jpg, or ` + m + `b.jpg."]`,
			[]string{m + "a.jpg", m + "b.jpg"}},
		{"query and fragment", `"photo":["` + m + `a.jpg?w=100"],"content":["` + m + `b.jpg#top"]`,
			[]string{m + "a.jpg", m + "a.jpg?w=100", m + "b.jpg", m + "b.jpg#top"}},
		{"nested item", `"in-reply-to":[{"type":["h-cite"],"properties":{"photo":["` + m + `n.jpg"]}}]`, []string{m + "n.jpg"}},
		{"the prefix alone", `"content":["` + m + `"],"url":["` + m + ` x"]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var item Item
			if err := json.Unmarshal([]byte(`{"type":["h-entry"],"properties":{`+tt.props+`}}`), &item); err != nil {
				t.Fatal(err)
			}
			got := FileURLs(item, prefixes)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("FileURLs(%s):\n got %q\nwant %q", tt.props, got, tt.want)
			}
		})
	}
}

// BenchmarkFileFinderNoFile is what a create of a post that uses no file pays for the
// index of files: one look for the media URLs in its JSON.
func BenchmarkFileFinderNoFile(b *testing.B) {
	f := NewFileFinder([]string{"https://example.com/media/", "https://cdn.example/site/"})
	item := Item{Type: []string{"h-entry"}, Properties: map[string][]any{
		"content": {"Benchmark note number 12345"}, "category": {"bench", "go"}}}
	encoded, err := json.Marshal(item)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if f.Files(item, encoded) != nil {
			b.Fatal("files found")
		}
	}
}
