package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/media/mediatest"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/servertest"
)

// BenchmarkMediaLibrary renders /admin/media, the owner signed in, through the whole
// handler tree called directly, over 100,000 posts and a page of 24 files that no post
// uses: each file's posts are looked up on every render, and finding none reads them all.
func BenchmarkMediaLibrary(b *testing.B) {
	srv := servertest.New(b)
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
	b.ReportAllocs()
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
