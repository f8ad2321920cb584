package postgres_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/store/postgres"
	"github.com/indiepub/indiepub/internal/store/postgres/pgtest"
	"github.com/indiepub/indiepub/internal/token"
)

// The benchmarks here run the real handler tree over loopback HTTP on PostgreSQL, as one
// `indiepub serve --database postgres://…` does: what a Micropub client sees.

// httpServer is indiepub's handler tree on a fresh schema, and a token to create with.
type httpServer struct {
	*httptest.Server
	db     *postgres.DB
	cfg    server.Config
	token  string
	client *http.Client
}

func newHTTPServer(b *testing.B) *httpServer {
	b.Helper()
	db, err := postgres.Open(b.Context(), pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	s := &httpServer{db: db}
	var h *server.Handler
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
	}))
	b.Cleanup(s.Close)
	s.cfg = server.Config{URL: s.URL + "/", DataDir: b.TempDir(), Logger: slog.New(slog.DiscardHandler)}
	if h, err = server.New(b.Context(), s.cfg, db); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { h.StopJobs(context.Background()) })
	raw, hash := token.Generate()
	if err := db.CreateToken(b.Context(), &token.Token{Hash: hash, Me: s.cfg.URL, ClientID: "https://client.example/",
		Scope: token.ParseScope("create"), Issued: time.Now()}); err != nil {
		b.Fatal(err)
	}
	s.token = raw
	// Enough idle connections for 16 clients: the server is measured, not handshakes.
	s.client = &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}}
	return s
}

// do sends one request with the token and returns its status and how long it took.
func (s *httpServer) do(b *testing.B, method, path, contentType, body string) (int, time.Duration) {
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		b.Error(err)
		return 0, 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(start)
}

// reportLatencies reports the 50th and 99th percentiles of lat.
func reportLatencies(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkHTTPCreate16 is Micropub form creates from 16 concurrent clients, each
// waiting for its 201 (the post committed), with distinct texts and 50 tags in turn, as
// over-http's "create form c=16 (distinct)".
func BenchmarkHTTPCreate16(b *testing.B) {
	s := newHTTPServer(b)
	const clients = 16
	var n atomic.Int64
	lat := make([][]time.Duration, clients)
	b.ResetTimer()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for {
				i := n.Add(1)
				if i > int64(b.N) {
					return
				}
				status, d := s.do(b, http.MethodPost, "/micropub", "application/x-www-form-urlencoded",
					fmt.Sprintf("h=entry&content=Post+number+%d&category[]=tag%d", i, i%50))
				if status != http.StatusCreated {
					b.Errorf("create %d: status %d, want %d", i, status, http.StatusCreated)
					return
				}
				lat[c] = append(lat[c], d)
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
	reportLatencies(b, slices.Concat(lat...))
}

// BenchmarkHTTPSourceByURL is q=source by URL from one client among 100,000 posts,
// written by one INSERT … SELECT beforehand, with its p50 and p99.
func BenchmarkHTTPSourceByURL(b *testing.B) {
	const posts = 100_000
	s := newHTTPServer(b)
	if _, err := s.db.Pool().Exec(b.Context(), `INSERT INTO posts (url, slug, post_type, item, published, status, visibility)
		SELECT $2 || i, 'p' || i, 'note',
			'{"type":["h-entry"],"properties":{"content":["post ' || i || '"],"url":["' || $2 || i || '"]}}',
			to_char(timestamp '2020-01-01' + i * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS.US"000Z"'),
			'published', 'public'
		FROM generate_series(1, $1) i`, posts, s.cfg.URL+"notes/p"); err != nil {
		b.Fatal(err)
	}
	if _, err := s.db.Pool().Exec(b.Context(), `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	i := 0
	b.ResetTimer()
	for b.Loop() {
		i = (i*7919 + 1) % posts
		u := fmt.Sprintf("%snotes/p%d", s.cfg.URL, i+1)
		status, d := s.do(b, http.MethodGet, "/micropub?q=source&url="+url.QueryEscape(u), "", "")
		if status != http.StatusOK {
			b.Fatalf("q=source %s: status %d, want %d", u, status, http.StatusOK)
		}
		lat = append(lat, d)
	}
	reportLatencies(b, lat)
}
