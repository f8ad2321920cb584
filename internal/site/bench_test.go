package site_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// benchPosts is how many posts the benchmarks store: the size the site must stay fast at.
const benchPosts = 100_000

// BenchmarkPages serves pages from a database of 100,000 posts of mixed types, calling the
// handler directly so that only the site's own work (queries, rendering, hashing for the
// ETag) is measured, not the network. Each page is measured three ways:
//   - uncached: nothing rendered before, as after a restart (every post's content
//     sanitized or converted from Markdown, every entry rendered);
//   - cold: the page itself rendered again, as the first visit after a change to a post or
//     every request of the signed-in owner (queries and templates; unchanged entries and
//     content come from their caches);
//   - warm: a visitor's request answered from the page kept until the next change.
func BenchmarkPages(b *testing.B) {
	ts := newSite(b)
	start := time.Now()
	urls := seedPosts(b, ts, benchPosts)
	b.Logf("stored %d posts in %v", len(urls), time.Since(start))
	// A page deep in the listing: its cursor comes from the "Older posts" link of the
	// previous page, as a visitor would follow it.
	deep := ts.Cfg.URL
	for i := 0; i < 50; i++ {
		rec := serve(b, ts, deep)
		deep = nextLink(b, rec.Body.String())
	}
	for _, bm := range []struct{ name, url string }{
		{"home", ts.Cfg.URL},
		{"post", urls[nth(len(urls)/2, 2)]},    // a photo (quill-note-alt.json)
		{"article", urls[nth(len(urls)/2, 5)]}, // Markdown (ia-writer-draft.json)
		{"tag", ts.Cfg.URL + "tags/coffee"},
		{"page-51", deep},
		{"feed.atom", ts.Cfg.URL + "feed.atom"},
		{"tags", ts.Cfg.URL + "tags/"},
	} {
		b.Run(bm.name+"/uncached", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ts.Handler.ResetCaches()
				serve(b, ts, bm.url)
			}
		})
		b.Run(bm.name+"/cold", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				serve(b, ts, bm.url, ownerHeader, "yes")
			}
		})
		b.Run(bm.name+"/warm", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				serve(b, ts, bm.url)
			}
		})
	}
}

// nth is the index near i of the post made from body number k of seedPosts.
func nth(i, k int) int { return i - i%7 + k }

func serve(b *testing.B, ts *testSite, url string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, url, nil)
	if len(header) == 2 {
		req.Header.Set(header[0], header[1])
	}
	rec := httptest.NewRecorder()
	ts.Mux.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d", url, rec.Code)
	}
	return rec
}

var nextRE = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)

// nextLink is the page's "Older posts" link.
func nextLink(b *testing.B, body string) string {
	m := nextRE.FindStringSubmatch(body)
	if m == nil {
		b.Fatal("no link to older posts")
	}
	return html.UnescapeString(m[1])
}

// seedPosts stores n posts through the store, from several goroutines so that the store's
// group commit batches them, and returns their URLs.
func seedPosts(b *testing.B, ts *testSite, n int) []string {
	b.Helper()
	bodies := []map[string]any{
		note("Trying the new espresso bar on Alder St. Worth the wait ☕ https://alderespresso.example.com/"),
		item(b, readFixture(b, "quill-editor.json")),
		item(b, readFixture(b, "quill-note-alt.json")),
		item(b, readFixture(b, "quill-like.form")),
		item(b, readFixture(b, "ownyourswarm-checkin.json")),
		item(b, readFixture(b, "ia-writer-draft.json")),
		item(b, readFixture(b, "sparkles-watch.json")),
	}
	tags := []any{"coffee", "portland", "indieweb", "bikes", "photo", "travel", "books", "film"}
	base := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	urls := make([]string, n)
	var wg sync.WaitGroup
	const workers = 16
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				raw := bodies[i%len(bodies)]
				it, err := post.Normalize(raw)
				if err != nil {
					errs <- err
					return
				}
				post.StripCommands(&it)
				unique(it, i)
				it.Properties["published"] = []any{base.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)}
				it.Properties["post-status"] = []any{"published"}
				it.Properties["category"] = []any{tags[i%len(tags)], tags[(i/len(tags))%len(tags)]}
				delete(it.Properties, "visibility")
				p, err := post.New(it, base)
				if err != nil {
					errs <- err
					return
				}
				p.Slug = fmt.Sprintf("post-%d", i)
				p.URL = ts.Cfg.URL + p.Path("")[1:]
				if err := ts.DB.CreatePost(context.Background(), p); err != nil {
					errs <- err
					return
				}
				urls[i] = p.URL
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return urls
}

// unique makes the post's content its own, so that no rendering is shared between posts.
func unique(it post.Item, i int) {
	vs := it.Properties["content"]
	if len(vs) == 0 {
		it.Properties["content"] = []any{fmt.Sprintf("Post number %d.", i)}
		return
	}
	switch c := vs[0].(type) {
	case string:
		it.Properties["content"] = []any{fmt.Sprintf("%s\n\nPost number %d.", c, i)}
	case map[string]any:
		m := map[string]any{}
		for k, v := range c {
			m[k] = v
		}
		if h, ok := m["html"].(string); ok {
			m["html"] = fmt.Sprintf("%s<p>Post number %d.</p>", h, i)
		}
		it.Properties["content"] = []any{m}
	}
}
