package micropub_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/servertest"
)

// benchClient keeps enough idle connections for 16 concurrent clients, so that the
// benchmark measures the server rather than TCP handshakes.
func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}}
}

// latencies collects request durations from many goroutines.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d []time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d...)
	l.mu.Unlock()
}

func (l *latencies) p99() time.Duration {
	if len(l.d) == 0 {
		return 0
	}
	slices.Sort(l.d)
	return l.d[(len(l.d)*99)/100]
}

// benchCreate posts b.N creates from 16 concurrent clients through the real HTTP handler
// on a real SQLite file, and reports creates/s and the 99th percentile latency.
func benchCreate(b *testing.B, contentType string, body func(n int64) string) {
	srv := servertest.New(b)
	tok := srv.IssueToken(b, "create")
	client := benchClient()
	var n atomic.Int64
	var lat latencies
	// RunParallel starts parallelism × GOMAXPROCS goroutines: 16 clients.
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/micropub", strings.NewReader(body(n.Add(1))))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", contentType)
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mine = append(mine, time.Since(t0))
			if resp.StatusCode != http.StatusCreated {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
		lat.add(mine)
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "creates/s")
	b.ReportMetric(float64(lat.p99().Microseconds())/1000, "p99-ms")
}

func BenchmarkCreateForm(b *testing.B) {
	benchCreate(b, "application/x-www-form-urlencoded", func(n int64) string {
		return fmt.Sprintf("h=entry&content=Benchmark+note+number+%d&category[]=bench&category[]=go&mp-syndicate-to[]=", n)
	})
}

func BenchmarkCreateJSON(b *testing.B) {
	benchCreate(b, "application/json", func(n int64) string {
		return fmt.Sprintf(`{"type":["h-entry"],"properties":{"content":["Benchmark note number %d"],"category":["bench","go"]}}`, n)
	})
}

// BenchmarkSource fills the store with 100,000 posts (through the store, not HTTP, to
// keep setup short) and then times q=source by URL through the handler.
func BenchmarkSource(b *testing.B) {
	const total = 100_000
	srv := servertest.New(b)
	tok := srv.IssueToken(b, "create")
	urls := fillPosts(b, srv, total)
	client := benchClient()
	b.Run("by-url", func(b *testing.B) {
		var lat latencies
		mine := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := range b.N {
			u := urls[(i*7919)%total]
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/micropub?q=source&url="+url.QueryEscape(u), nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mine = append(mine, time.Since(t0))
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
		b.StopTimer()
		lat.add(mine)
		b.ReportMetric(float64(lat.p99().Microseconds())/1000, "p99-ms")
	})
}

// fillPosts stores n notes from 16 goroutines and returns their URLs.
func fillPosts(b *testing.B, srv *servertest.Server, n int) []string {
	b.Helper()
	start := time.Now()
	urls := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				it := post.Item{Type: []string{"h-entry"}, Properties: map[string][]any{
					"content":  {fmt.Sprintf("Stored note %d with a little text to make it realistic.", i)},
					"category": {"bench"},
				}}
				p, err := post.New(it, base.Add(time.Duration(i)*time.Minute))
				if err != nil {
					b.Error(err)
					return
				}
				p.Slug = fmt.Sprintf("stored-%d", i)
				p.URL = srv.Cfg.URL + strings.TrimPrefix(p.Path(""), "/")
				if err := srv.DB.CreatePost(context.Background(), p); err != nil {
					b.Error(err)
					return
				}
				urls[i] = p.URL
			}
		}()
	}
	wg.Wait()
	b.Logf("stored %d posts in %v", n, time.Since(start).Round(time.Millisecond))
	return urls
}
