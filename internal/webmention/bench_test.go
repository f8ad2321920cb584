package webmention_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
	"github.com/indiepub/indiepub/internal/webmention"
)

// BenchmarkReceive measures the synchronous part of receiving a webmention over HTTP
// (issue 15: under 1 ms): the checks, the post lookup, the mention's row and the 202,
// each from a new source host so that the rate limit stays out of it. The verification
// job is not stored; BenchmarkReceiveQueued stores it as the server does.
func BenchmarkReceive(b *testing.B) {
	benchmarkReceive(b, servertest.New(b, func(c *server.Config) {
		c.Enqueue = func(context.Context, ...*jobs.Job) (int, error) { return 1, nil }
	}))
}

// BenchmarkReceiveQueued is BenchmarkReceive with the verification job put in the
// store's queue, as the server does; the job runner is stopped, so that no verification
// (of sources that do not exist) runs meanwhile.
func BenchmarkReceiveQueued(b *testing.B) {
	srv := servertest.New(b)
	if err := srv.Handler.StopJobs(b.Context()); err != nil {
		b.Fatal(err)
	}
	benchmarkReceive(b, srv)
}

func benchmarkReceive(b *testing.B, srv *servertest.Server) {
	resp, _ := srv.PostForm(b, "/micropub", srv.IssueToken(b, "create"), "h=entry&content=hello")
	target := resp.Header.Get("Location")
	client := &http.Client{} // keeps its connection alive, as a sender's would between requests
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		form := url.Values{"source": {fmt.Sprintf("https://s%d.example/reply", i)}, "target": {target}}.Encode()
		start := time.Now()
		resp, err := client.Post(srv.URL+"/webmention", "application/x-www-form-urlencoded", strings.NewReader(form))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(start))
		if resp.StatusCode != http.StatusAccepted {
			b.Fatalf("webmention %d: %d", i, resp.StatusCode)
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkVerify1000 verifies 1,000 received webmentions against a local source page,
// four at a time as the queue's workers would (issue 15: under 10 s), and reports the
// seconds one batch takes.
func BenchmarkVerify1000(b *testing.B) {
	var queue []*jobs.Job
	var mu sync.Mutex
	srv := servertest.New(b, func(c *server.Config) {
		c.AllowPrivateFetch = true
		c.WebmentionModeration = webmention.ModerateAll
		c.WebmentionRateLimit = 1 << 20 // one source host sends them all
		c.Enqueue = func(_ context.Context, js ...*jobs.Job) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			queue = append(queue, js...)
			return len(js), nil
		}
	})
	resp, _ := srv.PostForm(b, "/micropub", srv.IssueToken(b, "create"), "h=entry&content=hello")
	target := resp.Header.Get("Location")
	src := newSources(b, target)
	verify := srv.Handler.JobHandlers()[webmention.KindVerify]
	for n := range b.N {
		queue = queue[:0]
		for i := range 1000 {
			source := fmt.Sprintf("%s/reply?n=%d&i=%d", src.URL, n, i)
			resp, _ := srv.PostForm(b, "/webmention", "", url.Values{"source": {source}, "target": {target}}.Encode())
			if resp.StatusCode != http.StatusAccepted {
				b.Fatalf("webmention %d: %d", i, resp.StatusCode)
			}
		}
		b.StartTimer()
		start := time.Now()
		work := make(chan *jobs.Job)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for j := range work {
					if res, err := verify(context.Background(), j); err != nil || res != webmention.Verified {
						b.Errorf("verify: %q %v", res, err)
					}
				}
			})
		}
		for _, j := range queue {
			work <- j
		}
		close(work)
		wg.Wait()
		b.ReportMetric(time.Since(start).Seconds(), "s/1000")
		b.StopTimer()
	}
}

// BenchmarkVerify1000Runner puts 1,000 verification jobs into the store's queue at once
// and waits for the server's own job runner (its default two workers, claims and
// completions in the store) to have verified them all (issue 15: under 10 s).
func BenchmarkVerify1000Runner(b *testing.B) {
	var queue []*jobs.Job
	var mu sync.Mutex
	srv := servertest.New(b, func(c *server.Config) {
		c.AllowPrivateFetch = true
		c.WebmentionModeration = webmention.ModerateAll
		c.WebmentionRateLimit = 1 << 20 // one source host sends them all
		c.Enqueue = func(_ context.Context, js ...*jobs.Job) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			queue = append(queue, js...)
			return len(js), nil
		}
	})
	resp, _ := srv.PostForm(b, "/micropub", srv.IssueToken(b, "create"), "h=entry&content=hello")
	target := resp.Header.Get("Location")
	src := newSources(b, target)
	src.set("/me.jpg", page{http.StatusOK, "image/png", string(pngPhoto(b, 3))}) // the author's photo, kept each time
	b.StopTimer()
	for n := range b.N {
		queue = queue[:0]
		for i := range 1000 {
			source := fmt.Sprintf("%s/reply?n=%d&i=%d", src.URL, n, i)
			resp, _ := srv.PostForm(b, "/webmention", "", url.Values{"source": {source}, "target": {target}}.Encode())
			if resp.StatusCode != http.StatusAccepted {
				b.Fatalf("webmention %d: %d", i, resp.StatusCode)
			}
		}
		b.StartTimer()
		start := time.Now()
		if _, err := srv.DB.EnqueueJobs(b.Context(), queue...); err != nil {
			b.Fatal(err)
		}
		for verified := 0; verified < 1000*(n+1); {
			if time.Since(start) > 2*time.Minute {
				b.Fatalf("after %s only %d of %d verified", time.Since(start), verified, 1000*(n+1))
			}
			time.Sleep(50 * time.Millisecond)
			counts, err := srv.DB.MentionCounts(b.Context(), []string{target})
			if err != nil {
				b.Fatal(err)
			}
			verified = counts[target][webmention.TypeReply]
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/1000")
		b.StopTimer()
	}
}
