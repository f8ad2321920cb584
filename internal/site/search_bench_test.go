package site_test

import (
	"context"
	"fmt"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// BenchmarkSearch answers /search on the website's routes over a database of 100,000
// public posts (seedPosts: seven kinds, each with "Post number i." in its content and two
// of eight tags) and 5,000 drafts, calling the handler directly. Each query is measured
// with the rendered entries kept (cold: as every search is, since search pages are not
// cached) and the owner's. The queries: a word every post has, a word of one post, a tag,
// two words of different posts (an empty intersection), and a word only the drafts have,
// which a visitor's search reads through without finding anything.
func BenchmarkSearch(b *testing.B) {
	ts := newSite(b)
	start := time.Now()
	seedPosts(b, ts, benchPosts)
	for i := range 5000 {
		it := post.Item{Type: []string{"h-entry"}, Properties: map[string][]any{
			"content": {fmt.Sprintf("A sketch, number %d.", i)}, "post-status": {"draft"}}}
		p, err := post.New(it, time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			b.Fatal(err)
		}
		p.Slug = fmt.Sprintf("draft-%d", i)
		p.URL = ts.Cfg.URL + p.Path("")[1:]
		if err := ts.DB.CreatePost(context.Background(), p); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("stored %d posts in %v", benchPosts+5000, time.Since(start))
	for _, bm := range []struct{ name, q string }{
		{"every-post", "number"},
		{"one-post", "54321"},
		{"tag", "bikes"},
		{"disjoint", "espresso sunset"},
		{"drafts-only", "sketch"},
	} {
		u := ts.Cfg.URL + "search?q=" + url.QueryEscape(bm.q)
		b.Run(bm.name+"/visitor", func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuSeconds()
			defer func() { reportCPU(b, cpu) }()
			for b.Loop() {
				serve(b, ts, u)
			}
		})
		b.Run(bm.name+"/owner", func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuSeconds()
			defer func() { reportCPU(b, cpu) }()
			for b.Loop() {
				serve(b, ts, u, ownerHeader, "yes")
			}
		})
	}
}

// reportCPU reports the CPU time this process used per iteration since start (a
// cpuSeconds reading): on a loaded machine the wall time per request counts the waits
// for a core, the CPU time much less so.
func reportCPU(b *testing.B, start float64) {
	b.ReportMetric((cpuSeconds()-start)*1e9/float64(b.N), "cpu-ns/op")
}

// cpuSeconds is the CPU time this process has used, user and system, all threads: what
// a CPU profile of the run would total.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
