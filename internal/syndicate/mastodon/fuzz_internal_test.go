package mastodon

import (
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/syndicate/mastodon/mastodontest"
)

// FuzzStatusText checks that any post's status text is within the server's limit as
// Mastodon counts it (mastodontest.CountCharacters: URLs as 23, the rest in clusters).
func FuzzStatusText(f *testing.F) {
	f.Add("Hello https://example.com/a #tag", "coffee shops", "", 500)
	f.Add(strings.Repeat("👩‍👩‍👧‍👦🇫🇷漢字e\u0301 ", 80), "emoji", "", 500)
	f.Add(strings.Repeat("x", 400)+" https://example.com/"+strings.Repeat("p", 300), "", "A title", 100)
	f.Add("\u0600https://a.example/ #\u0301x", "🇫", "", 30)
	f.Fuzz(func(t *testing.T, content, tag, name string, max int) {
		max = 30 + int(uint(max)%1000)
		p, err := post.New(post.Item{Type: []string{"h-entry"}, Properties: map[string][]any{
			"content": {content}, "category": {tag}, "name": {name},
		}}, time.Now())
		if err != nil {
			t.Skip()
		}
		p.URL = "https://jane.example/notes/2026/12/a-post"
		text := statusText(p, max)
		if n := mastodontest.CountCharacters(text); n > max {
			t.Fatalf("%d characters over %d: %q", n, max, text)
		}
	})
}
