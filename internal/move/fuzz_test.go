package move

import (
	"archive/zip"
	"bytes"
	"io"
	"io/fs"
	"os"
	"strings"
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

// FuzzOpenArchive feeds arbitrary bytes to the blog archive reader as a zip: it never
// panics, and every file a post's URL leads to is a valid name inside the archive,
// never one that climbs out of it.
func FuzzOpenArchive(f *testing.F) {
	if b, err := os.ReadFile("testdata/microblog.bar"); err == nil {
		f.Add(b)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"../feed.json": `{"version":"https://jsonfeed.org/version/1","items":[{"url":"https://a/b","content_html":"<img src=\"https://a/../../etc/x.png\">"}]}`,
		"/abs/x.png":   "png",
		`a\..\b.png`:   "png",
	} {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	zw.Close()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		root, feed, err := openArchive(zr)
		if err != nil {
			return
		}
		entries, files, err := parseJSONFeed(feed)
		if err != nil {
			return
		}
		checkEntries(t, entries)
		for _, u := range files {
			name, ok := localFile(u, root, "")
			if !ok {
				continue
			}
			if !fs.ValidPath(name) || strings.HasPrefix(name, "..") {
				t.Fatalf("file %q of %s: not a name inside the archive", name, u)
			}
			if r, err := root.Open(name); err == nil {
				io.Copy(io.Discard, io.LimitReader(r, 1<<20))
				r.Close()
			}
		}
	})
}
