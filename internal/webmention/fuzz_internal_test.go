package webmention

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzSource: whatever a source page holds, checking its link and reading its
// microformats2 never panics, the type is one of the known ones, and the content that
// would be shown went through the sanitizer.
func FuzzSource(f *testing.F) {
	files, _ := filepath.Glob("testdata/sources/*.html")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(strings.NewReplacer("{{base}}", "https://src.example", "{{target}}", "https://site.example/notes/1").Replace(string(b)), "text/html")
	}
	f.Add(`{"url":["https://site.example/notes/1"]}`, "application/json")
	f.Add(`see https://site.example/notes/1`, "text/plain")
	f.Add(`<div class="h-entry"><a class="u-in-reply-to h-cite" href="https://site.example/notes/1"><span class="p-author h-card">x</span></a></div>`, "")
	src, _ := url.Parse("https://src.example/reply")
	const target = "https://site.example/notes/1"
	types := map[string]bool{TypeReply: true, TypeLike: true, TypeRepost: true, TypeBookmark: true,
		TypeRSVP: true, TypeQuotation: true, TypeMention: true}
	f.Fuzz(func(t *testing.T, body, contentType string) {
		linksTo([]byte(body), contentType, src, target)
		var m Mention
		sanitized := false
		readSource(&m, []byte(body), src, target, func(s string) string { sanitized = true; return "" })
		if !types[m.Type] {
			t.Errorf("type %q", m.Type)
		}
		if m.Content != "" && !sanitized {
			t.Errorf("content %q was not sanitized", m.Content)
		}
	})
}
