package git_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gitstore "github.com/indiepub/indiepub/internal/contentstore/git"
	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/server"
)

// BenchmarkCreatesGit measures Micropub creates over HTTP from 16 clients with the git
// content store on (hugo preset, a local clone, no remote), once the repository holds
// INDIEPUB_BENCH_POSTS posts (10,000 unless set), created first through the same
// path. The creates never wait for git, but its jobs share the CPU with them: besides
// creates/s and the create's p50, it reports the CPU time per create of this process
// (requests and jobs) and of its git commands, and how long the jobs took to catch up
// after the last create. The machine is shared: alternate runs before and after a
// change (-count=1, several times), and note the load average.
func BenchmarkCreatesGit(b *testing.B) {
	seed := 10000
	if s := os.Getenv("INDIEPUB_BENCH_POSTS"); s != "" {
		seed, _ = strconv.Atoi(s)
	}
	g := newGitServer(b, "hugo", "", func(c *server.Config, _ *gitstore.Config) {
		c.Jobs = jobs.Config{Workers: 16}
		c.Logger = slog.New(slog.DiscardHandler)
	})
	start := time.Now()
	creates(b, g, seed, 16, "seed")
	g.idleWithin(b, 30*time.Minute)
	b.Logf("seeded %d posts in %s", seed, time.Since(start).Round(time.Millisecond))

	b.Run("c=16", func(b *testing.B) {
		self0, kids0 := cpu(syscall.RUSAGE_SELF), cpu(syscall.RUSAGE_CHILDREN)
		b.ResetTimer()
		start := time.Now()
		lat := creates(b, g, b.N, 16, "bench"+strconv.Itoa(b.N))
		elapsed := time.Since(start)
		b.StopTimer()
		g.idleWithin(b, 30*time.Minute)
		drain := time.Since(start) - elapsed
		self, kids := cpu(syscall.RUSAGE_SELF)-self0, cpu(syscall.RUSAGE_CHILDREN)-kids0
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "creates/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(self.Microseconds())/1000/float64(b.N), "self-cpu-ms/create")
		b.ReportMetric(float64(kids.Microseconds())/1000/float64(b.N), "git-cpu-ms/create")
		b.ReportMetric(float64(drain.Milliseconds()), "catch-up-ms")
	})
}

// creates makes n notes from clients concurrent clients and returns their latencies,
// sorted.
func creates(b *testing.B, g *gitServer, n, clients int, prefix string) []time.Duration {
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}}
	var next, failed atomic.Int64
	var mu sync.Mutex
	lat := make([]time.Duration, 0, n)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				body := fmt.Sprintf("h=entry&content=Post+number+%d&category[]=tag%d&mp-slug=%s-%d", i, i%50, prefix, i)
				req, _ := http.NewRequest(http.MethodPost, g.URL+"/micropub", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+g.token)
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				t0 := time.Now()
				resp, err := client.Do(req)
				d := time.Since(t0)
				if err != nil || resp.StatusCode != http.StatusCreated {
					failed.Add(1)
				}
				if resp != nil {
					resp.Body.Close()
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d creates failed", f, n)
	}
	slices.Sort(lat)
	return lat
}

// cpu is the user and system time of this process or of its waited-for children.
func cpu(who int) time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(who, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
