package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/media/mediatest"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/servertest"
)

// BenchmarkMediaLibrary renders /admin/media, the owner signed in, through the whole
// handler tree called directly, over 100,000 posts and a page of 24 files: each file's
// posts are looked up on every render. "unused": no post uses the files; "used": then
// 72 more posts use them, three each (a photo, a photo with alt text, an image in HTML
// content). The posts are stored once for both, the job runner stopped.
func BenchmarkMediaLibrary(b *testing.B) {
	srv := servertest.New(b)
	// The job runner would work through the posts' PostChanged jobs during the renders.
	if err := srv.Handler.StopJobs(context.Background()); err != nil {
		b.Fatal(err)
	}
	c := srv.OwnerClient(b)
	start := time.Now()
	var wg sync.WaitGroup
	const posts, workers = 100_000, 16
	base := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < posts; i += workers {
				it := post.Item{Type: []string{"h-entry"}, Properties: map[string][]any{
					"content":   {fmt.Sprintf("Post number %d, with a few words to make it a post.", i)},
					"published": {base.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)}}}
				p, err := post.New(it, base)
				if err != nil {
					b.Error(err)
					return
				}
				p.Slug = fmt.Sprintf("post-%d", i)
				p.URL = srv.Cfg.URL + p.Path("")[1:]
				if err := srv.DB.CreatePost(context.Background(), p); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	var csrf string
	for i := range 24 {
		_, csrf = library(b, c, srv, "")
		if resp := uploadForm(b, c, srv, mediatest.Image(b, "png", 1000+i), "csrf", csrf, "file", "f.png"); resp.StatusCode != http.StatusSeeOther {
			b.Fatalf("upload: %d", resp.StatusCode)
		}
	}
	b.Logf("stored %d posts and 24 files in %v", posts, time.Since(start))
	u, _ := url.Parse(srv.URL)
	cookies := c.Jar.Cookies(u)
	render := func(b *testing.B) {
		b.ReportAllocs()
		cpu := cpuSeconds()
		defer func() { reportCPU(b, cpu) }()
		for b.Loop() {
			req := httptest.NewRequest(http.MethodGet, srv.URL+"/admin/media", nil)
			for _, ck := range cookies {
				req.AddCookie(ck)
			}
			rec := httptest.NewRecorder()
			srv.Handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("GET /admin/media: %d", rec.Code)
			}
		}
	}
	b.Run("unused", render)
	files, err := srv.DB.Uploads(context.Background(), 24, 0)
	if err != nil || len(files) != 24 {
		b.Fatalf("Uploads: %d files, %v", len(files), err)
	}
	for i, f := range files {
		for j, prop := range []map[string][]any{
			{"photo": {f.URL}},
			{"photo": {map[string]any{"value": f.URL, "alt": "A picture"}}},
			{"content": {map[string]any{"html": `<p><img src="` + f.URL + `" alt=""></p>`, "value": ""}}},
		} {
			prop["published"] = []any{base.Add(time.Duration(posts+3*i+j) * time.Hour).Format(time.RFC3339)}
			p, err := post.New(post.Item{Type: []string{"h-entry"}, Properties: prop}, base)
			if err != nil {
				b.Fatal(err)
			}
			p.Slug = fmt.Sprintf("uses-%d-%d", i, j)
			p.URL = srv.Cfg.URL + p.Path("")[1:]
			if err := srv.DB.CreatePost(context.Background(), p); err != nil {
				b.Fatal(err)
			}
		}
	}
	page, _ := library(b, c, srv, "")
	if n := len(regexp.MustCompile(`<a href="[^"]*/uses-`).FindAllString(page, -1)); n != 72 {
		b.Fatalf("the library links to %d posts using its files, want 72", n)
	}
	b.Run("used", render)
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
