package server_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
	"github.com/indiepub/indiepub/internal/syndicate"
	"github.com/indiepub/indiepub/internal/syndicate/bluesky"
	"github.com/indiepub/indiepub/internal/syndicate/bluesky/blueskytest"
	"github.com/indiepub/indiepub/internal/syndicate/mastodon"
	"github.com/indiepub/indiepub/internal/syndicate/mastodon/mastodontest"
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
			body := "h=entry&content=Hello"
			if on {
				body += "&mp-syndicate-to=" + url.QueryEscape(uidSocial)
			}
			benchCreates(b, srv, body)
		})
	}
}

// BenchmarkCreatesToFakes is BenchmarkCreatesSyndicated with real publishers: "on" has two
// targets marked always, Mastodon and Bluesky publishers talking to the local fake
// servers, so that every post is copied to both through the job queue while the creates
// go on; "off" has no target. Alternate runs with -count=1.
func BenchmarkCreatesToFakes(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			var targets []syndicate.Target
			if on {
				targets = fakeTargets(b)
			}
			srv := servertest.New(b, func(c *server.Config) {
				c.Syndication = targets
				c.Logger = slog.New(slog.DiscardHandler)
			})
			benchCreates(b, srv, "h=entry&content=Hello+from+the+benchmark")
		})
	}
}

// fakeTargets are a Mastodon and a Bluesky target, both always, on the local fakes.
func fakeTargets(b *testing.B) []syndicate.Target {
	masto, sky := mastodontest.New(), blueskytest.New()
	b.Cleanup(masto.Close)
	b.Cleanup(sky.Close)
	client := indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: true})
	mp, err := mastodon.New(mastodon.Config{Server: masto.URL, Token: mastodontest.Token, Client: client})
	if err != nil {
		b.Fatal(err)
	}
	bp, err := bluesky.New(bluesky.Config{PDS: sky.URL, Identifier: blueskytest.Handle, AppPassword: blueskytest.AppPassword, Client: client})
	if err != nil {
		b.Fatal(err)
	}
	return []syndicate.Target{{UID: masto.URL + "/@alice", Name: "Mastodon", Always: true, Publisher: mp},
		{UID: "https://bsky.app/profile/" + blueskytest.Handle, Name: "Bluesky", Always: true, Publisher: bp}}
}

// benchCreates posts body to /micropub b.N times from 16 clients and reports creates/s.
func benchCreates(b *testing.B, srv *servertest.Server, body string) {
	tok := srv.IssueToken(b, "create")
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
}
