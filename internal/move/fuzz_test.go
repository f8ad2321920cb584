package move

import (
	"os"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// checkEntries fails on entries that would reach the store in a shape the post package
// cannot read back: every entry must be an h-entry whose properties are lists.
func checkEntries(t *testing.T, entries []entry) {
	for _, e := range entries {
		if len(e.item.Type) != 1 || e.item.Type[0] != "h-entry" || e.item.Properties == nil {
			t.Fatalf("entry %+v: want an h-entry with properties", e)
		}
		if p, err := post.New(e.item, time.Now()); err == nil {
			oldPath(e.oldURL)
			post.ChooseSlug(p.Item, e.slug, p.LocalPublished())
		}
	}
}

// FuzzParseWXR feeds arbitrary documents to the WordPress export parser: it never panics
// and makes only h-entries.
func FuzzParseWXR(f *testing.F) {
	if b, err := os.ReadFile("testdata/wxr/jane.wordpress.xml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`<rss><channel><item><wp:post_type>post</wp:post_type><wp:status>publish</wp:status><title>x</title><link>/../a</link></item></channel></rss>`))
	f.Add([]byte(`<rss><channel><item><post_type>attachment</post_type><attachment_url>http://x/y-1x1.jpg</attachment_url></item></channel></rss>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, files, err := parseWXR(b)
		if err != nil {
			return
		}
		checkEntries(t, entries)
		for _, a := range files {
			sizedVariant(a.URL)
		}
	})
}

// FuzzParseJSONFeed feeds arbitrary documents to the JSON Feed parser.
func FuzzParseJSONFeed(f *testing.F) {
	if b, err := os.ReadFile("testdata/microblog/feed.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","content_text":"x","date_published":"2024-13-01"}]}`))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1","items":[{"url":"https://a/b","image":"https://a/c.jpg","attachments":[{"url":"https://a/d.mp3","mime_type":"audio/mpeg"}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, _, err := parseJSONFeed(b)
		if err != nil {
			return
		}
		checkEntries(t, entries)
	})
}

// FuzzAutop feeds arbitrary content to autop: it never panics.
func FuzzAutop(f *testing.F) {
	f.Add("one\n\ntwo\nthree")
	f.Fuzz(func(t *testing.T, s string) { autop(s) })
}
