package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/servertest"
)

// studioBenchPosts is how many posts the studio's pages must stay fast at.
const studioBenchPosts = 100_000

// BenchmarkStudioPages renders the owner's Write form, Edit form, list of posts and
// settings, and the home page as the owner sees it (the settings in force read per
// request), from
// a database of 100,000 posts (with 80 tags in use), calling the real handler tree
// directly with the owner's session, so that the pages' own work (session check, queries,
// templates) is measured, not the network. The posts are stored through the store's
// group commit (CreatePost from 16 goroutines), with the job runner stopped.
func BenchmarkStudioPages(b *testing.B) {
	s := servertest.New(b)
	if err := s.Handler.StopJobs(context.Background()); err != nil {
		b.Fatal(err)
	}
	c := s.OwnerClient(b)
	u, _ := url.Parse(s.URL)
	cookies := c.Jar.Cookies(u)
	start := time.Now()
	urls := seedStudio(b, s, studioBenchPosts)
	b.Logf("stored %d posts in %v", len(urls), time.Since(start))
	for _, bm := range []struct{ name, path string }{
		{"write", "/admin/write"},
		{"edit", "/admin/posts/edit?url=" + url.QueryEscape(urls[len(urls)/2])},
		{"posts", "/admin/posts"},
		{"posts-draft", "/admin/posts?status=draft"},
		{"posts-tag", "/admin/posts?tag=tag-7&type=note"},
		{"posts-search", "/admin/posts?q=number+99999"},
		{"settings", "/admin/settings"},
		{"home", "/"},
		{"posts-search-common", "/admin/posts?q=number"},
		{"posts-search-draft", "/admin/posts?q=number&status=draft"},
		{"posts-search-tag", "/admin/posts?q=number&tag=tag-7"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuSeconds()
			defer func() { reportCPU(b, cpu) }()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, s.URL+bm.path, nil)
				req.Header.Set("Accept", "text/html")
				for _, ck := range cookies {
					req.AddCookie(ck)
				}
				rec := httptest.NewRecorder()
				s.Handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s: %d %s", bm.path, rec.Code, rec.Body)
				}
			}
		})
	}
}

// seedStudio stores n notes, one an hour from 2015 on, every tenth a draft, each with
// two of 80 tags, from several goroutines so that the store's group commit batches them,
// and returns their URLs.
func seedStudio(b *testing.B, s *servertest.Server, n int) []string {
	b.Helper()
	base := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	urls := make([]string, n)
	const workers = 16
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				status := post.StatusPublished
				if i%10 == 0 {
					status = post.StatusDraft
				}
				it := post.Item{Type: []string{"h-entry"}, Properties: map[string][]any{
					"content":     {fmt.Sprintf("Post number %d, about one thing and another.", i)},
					"published":   {base.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)},
					"post-status": {status},
					"category":    {fmt.Sprintf("tag-%d", i%40), fmt.Sprintf("Tag-%d", (i/40)%40+40)},
				}}
				p, err := post.New(it, base)
				if err != nil {
					errs <- err
					return
				}
				p.Slug = fmt.Sprintf("post-%d", i)
				p.URL = s.Cfg.URL + p.Path("")[1:]
				if err := s.DB.CreatePost(context.Background(), p); err != nil {
					errs <- err
					return
				}
				urls[i] = p.URL
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return urls
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
