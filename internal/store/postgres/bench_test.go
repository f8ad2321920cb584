package postgres

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/store/postgres/pgtest"
)

// benchPosts is how many posts the read benchmarks run among.
const benchPosts = 100_000

// seeded opens a store on a fresh schema holding benchPosts notes at
// https://example.com/notes/p<i>, written by one INSERT … SELECT (the triggers count
// them as a create does).
func seeded(b *testing.B) *DB {
	b.Helper()
	db, err := Open(b.Context(), pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.pool.Exec(b.Context(), `INSERT INTO posts (url, slug, post_type, item, published, status, visibility)
		SELECT 'https://example.com/notes/p' || i, 'p' || i, 'note',
			'{"type":["h-entry"],"properties":{"content":["post ' || i || '"],"url":["https://example.com/notes/p' || i || '"]}}',
			to_char(timestamp '2020-01-01' + i * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS.US"000Z"'),
			'published', 'public'
		FROM generate_series(1, $1) i`, benchPosts); err != nil {
		b.Fatal(err)
	}
	if _, err := db.pool.Exec(b.Context(), `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkPostByURL is q=source by URL's read at 100,000 posts, with its p50 and p99.
func BenchmarkPostByURL(b *testing.B) {
	db := seeded(b)
	i := 0
	lat := make([]time.Duration, 0, b.N)
	for b.Loop() {
		i = (i*7919 + 1) % benchPosts
		start := time.Now()
		if _, err := db.PostByURL(b.Context(), fmt.Sprintf("https://example.com/notes/p%d", i+1)); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkSiteChanges is what every page request costs an instance to know whether its
// page cache still holds: one read of the change counter.
func BenchmarkSiteChanges(b *testing.B) {
	db, err := Open(b.Context(), pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for b.Loop() {
		if _, _, err := db.SiteChanges(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreate16 is persisted creates from 16 concurrent callers, with their p99.
func BenchmarkCreate16(b *testing.B) {
	db, err := Open(b.Context(), pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	create16(b, func(i int, p *post.Post) error {
		p.URL, p.Slug = fmt.Sprintf("https://example.com/notes/c%d", i), fmt.Sprint("c", i)
		return db.CreatePost(b.Context(), p)
	})
}

// BenchmarkCreate16Clash is numbered creates (CreateNumbered, as Micropub's) from 16
// concurrent callers whose slugs are all taken: "repost" posts again texts stored
// before (c1, c2… become c1-2, c2-2…), as a second run of a load generator does; "same"
// posts one text over and over (same-2, same-3…).
func BenchmarkCreate16Clash(b *testing.B) {
	urlOf := func(slug string) string { return "https://example.com/notes/" + slug }
	b.Run("repost", func(b *testing.B) {
		db := clashing(b, b.N)
		create16(b, func(i int, p *post.Post) error {
			p.Slug = fmt.Sprint("c", i)
			p.URL = urlOf(p.Slug)
			return db.CreateNumbered(b.Context(), p, urlOf)
		})
	})
	b.Run("same", func(b *testing.B) {
		db := clashing(b, 0)
		create16(b, func(i int, p *post.Post) error {
			p.Slug = "same"
			p.URL = urlOf(p.Slug)
			return db.CreateNumbered(b.Context(), p, urlOf)
		})
	})
}

// clashing opens a store on a fresh schema holding notes at https://example.com/notes/c<i>
// for i from 1 to n, and one at https://example.com/notes/same.
func clashing(b *testing.B, n int) *DB {
	b.Helper()
	db, err := Open(b.Context(), pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.pool.Exec(b.Context(), `INSERT INTO posts (url, slug, post_type, item, published, status, visibility)
		SELECT 'https://example.com/notes/' || s, s, 'note', '{"type":["h-entry"],"properties":{"content":["post"]}}',
			'2020-01-01T00:00:00.000000000Z', 'published', 'public'
		FROM (SELECT 'c' || i AS s FROM generate_series(1, $1) i UNION ALL SELECT 'same') v`, n); err != nil {
		b.Fatal(err)
	}
	// Statistics of a table of thousands of posts, as a site's; those of a table of one
	// post would make PostgreSQL plan the foreign keys' checks of post_tags as scans of
	// the whole table until autovacuum analyzes it again.
	if n > 0 {
		if _, err := db.pool.Exec(b.Context(), `ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// create16 runs b.N creates from 16 concurrent callers, create storing the i-th (from 1)
// post, a note with one of 10 tags, and reports creates/s and their p99.
func create16(b *testing.B, create func(i int, p *post.Post) error) {
	const clients = 16
	lat := make([][]time.Duration, clients)
	var next sync.Mutex
	n := 0
	b.ResetTimer()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for {
				next.Lock()
				if n >= b.N {
					next.Unlock()
					return
				}
				n++
				i := n
				next.Unlock()
				it, _ := post.Normalize(map[string]any{"type": []any{"h-entry"},
					"properties": map[string]any{"content": []any{fmt.Sprint("post ", i)}, "category": []any{fmt.Sprint("tag", i%10)}}})
				p, _ := post.New(it, time.Now())
				start := time.Now()
				if err := create(i, p); err != nil {
					b.Error(err)
					return
				}
				lat[c] = append(lat[c], time.Since(start))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	if len(all) > 0 {
		slices.Sort(all)
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(len(all))/b.Elapsed().Seconds(), "creates/s")
	}
}

// BenchmarkJobQueue runs b.N jobs through the queue on PostgreSQL as internal/jobs'
// BenchmarkQueue does on SQLite: 16 workers of one Runner, enqueues in batches of 100,
// claim (FOR UPDATE SKIP LOCKED), a handler that does nothing, complete. It reports
// jobs/s.
func BenchmarkJobQueue(b *testing.B) {
	db, err := Open(b.Context(), pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	var done atomic.Int64
	finished := make(chan struct{})
	n := int64(b.N)
	r := jobs.NewRunner(jobs.Config{Workers: 16, Poll: 50 * time.Millisecond}, db)
	r.Handle("bench", func(ctx context.Context, j *jobs.Job) (string, error) {
		if done.Add(1) == n {
			close(finished)
		}
		return "", nil
	})
	r.Start(context.Background())
	defer r.Stop(context.Background())
	b.ResetTimer()
	start := time.Now()
	batch := make([]*jobs.Job, 0, 100)
	for i := range b.N {
		batch = append(batch, &jobs.Job{Kind: "bench", Key: fmt.Sprint(i)})
		if len(batch) == cap(batch) || i == b.N-1 {
			if _, err := db.EnqueueJobs(context.Background(), batch...); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	<-finished
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "jobs/s")
}
