package server_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
	"github.com/indiepub/indiepub/internal/syndicate"
)

// BenchmarkCreatesSyndicated measures Micropub creates/s over HTTP from 16 clients, each
// post asking for a target ("on", a fake publisher behind the job queue) or not ("off").
// Alternate them by running the benchmark several times with -count=1; the remote calls are never on the request path, so
// the two should be close.
func BenchmarkCreatesSyndicated(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			fake := &fakePublisher{name: "social"}
			srv := servertest.New(b, func(c *server.Config) {
				c.Syndication = []syndicate.Target{{UID: uidSocial, Name: "Social", Publisher: fake}}
				c.Jobs = jobs.Config{Poll: time.Second}
				c.Logger = slog.New(slog.DiscardHandler)
			})
			tok := srv.IssueToken(b, "create")
			body := "h=entry&content=Hello"
			if on {
				body += "&mp-syndicate-to=" + url.QueryEscape(uidSocial)
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}}
			var failed atomic.Int64
			b.SetParallelism(8) // 16 clients on 2 CPUs
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, srv.URL+"/micropub", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+tok)
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					resp, err := client.Do(req)
					if err != nil || resp.StatusCode != http.StatusCreated {
						failed.Add(1)
					}
					if resp != nil {
						resp.Body.Close()
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "creates/s")
			b.StopTimer()
			if n := failed.Load(); n > 0 {
				b.Fatalf("%d creates failed", n)
			}
		})
	}
}
