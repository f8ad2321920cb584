package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if bigDir != "" {
		os.RemoveAll(bigDir)
	}
	os.Exit(code)
}

// benchItem is a typical note: content, two tags, a photo with alt text, a syndication
// target.
func benchPost(i int, published time.Time) *post.Post {
	it := post.Item{Type: []string{"h-entry"}, Properties: map[string][]any{
		"content":   {fmt.Sprintf("Post number %d: trying the new espresso bar on Alder St. Worth the wait.", i)},
		"category":  {"coffee", fmt.Sprintf("tag%d", i%50)},
		"photo":     {map[string]any{"value": fmt.Sprintf("https://example.com/media/%d.jpg", i), "alt": "A cup on a table"}},
		"published": {published.Format(time.RFC3339)},
	}}
	p, err := post.New(it, published)
	if err != nil {
		panic(err)
	}
	p.Slug = fmt.Sprintf("post-%d", i)
	p.URL = "https://example.com" + p.Path(post.DefaultURLPattern)
	return p
}

// latencies collects per-operation durations from parallel goroutines.
type latencies struct {
	mu  sync.Mutex
	all []time.Duration
}

func (l *latencies) add(ds []time.Duration) {
	l.mu.Lock()
	l.all = append(l.all, ds...)
	l.mu.Unlock()
}

func (l *latencies) report(b *testing.B) {
	if len(l.all) == 0 {
		return
	}
	slices.Sort(l.all)
	p := func(q float64) float64 {
		return float64(l.all[min(len(l.all)-1, int(q*float64(len(l.all))))].Microseconds()) / 1000
	}
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
}

// parallelism16 makes RunParallel use 16 goroutines whatever GOMAXPROCS is (16 on 2
// cores: 8 per P).
func parallelism16(b *testing.B) {
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
}

// BenchmarkCreate is CreatePost from 16 goroutines: each post persisted (committed to
// the WAL) before CreatePost returns.
func BenchmarkCreate(b *testing.B) {
	db := newDB(b)
	b.ReportAllocs()
	benchCreates(b, func(p *post.Post) error { return db.CreatePost(context.Background(), p) })
}

// BenchmarkCreateOwnTransaction is the same load with one transaction per create, each
// waiting for SQLite's write lock: what group commit replaces, kept for comparison.
func BenchmarkCreateOwnTransaction(b *testing.B) {
	db := newDB(b)
	benchCreates(b, func(p *post.Post) error {
		item, _ := json.Marshal(p.Item)
		req := &createReq{ctx: context.Background(), p: p, item: item, synd: []byte("[]")}
		if err := db.insertGroup([]*createReq{req}); err != nil {
			return err
		}
		return req.err
	})
}

// benchCreates stores b.N posts through create from 16 goroutines and reports creates/s
// and the latency percentiles.
func benchCreates(b *testing.B, create func(*post.Post) error) {
	var seq atomic.Int64
	var lat latencies
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	parallelism16(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			i := int(seq.Add(1))
			p := benchPost(i, base.Add(time.Duration(i)*time.Second))
			start := time.Now()
			if err := create(p); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(start))
		}
		lat.add(mine)
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
	lat.report(b)
}

const bigN = 100_000

var (
	bigOnce sync.Once
	bigDir  string
	bigDB   *DB
	bigErr  error
)

// bigStore is a database of 100,000 posts, built once per test binary with one
// transaction and prepared statements.
func bigStore(b *testing.B) *DB {
	b.Helper()
	bigOnce.Do(func() {
		if bigDir, bigErr = os.MkdirTemp("", "indiepub-bench-"); bigErr != nil {
			return
		}
		if bigDB, bigErr = Open(context.Background(), filepath.Join(bigDir, "big.db")); bigErr != nil {
			return
		}
		start := time.Now()
		bigErr = bulkInsert(bigDB, bigN)
		b.Logf("%d posts stored in %v", bigN, time.Since(start).Round(time.Millisecond))
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return bigDB
}

func bulkInsert(db *DB, n int) error {
	ctx := context.Background()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	base := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	var group []*createReq
	for i := range n {
		p := benchPost(i, base.Add(time.Duration(i)*37*time.Minute))
		if i%10 == 0 {
			p.Status = post.StatusDraft
		}
		item, _ := json.Marshal(p.Item)
		group = append(group, &createReq{p: p, item: item, synd: []byte("[]")})
		if len(group) == maxGroup || i == n-1 {
			if err := db.insertPosts(ctx, tx, group); err != nil {
				return err
			}
			if err := db.insertPostTags(ctx, tx, group); err != nil {
				return err
			}
			group = group[:0]
		}
	}
	return tx.Commit()
}

func bigURL(i int) string {
	base := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	return benchPost(i, base.Add(time.Duration(i)*37*time.Minute)).URL
}

// BenchmarkPostByURL is the q=source lookup: one post by URL among 100,000.
func BenchmarkPostByURL(b *testing.B) {
	db := bigStore(b)
	urls := make([]string, 1000)
	for i := range urls {
		urls[i] = bigURL(rand.IntN(bigN))
	}
	ctx := context.Background()
	var lat latencies
	mine := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if _, err := db.PostByURL(ctx, urls[i%len(urls)]); err != nil {
			b.Fatal(err)
		}
		mine = append(mine, time.Since(start))
	}
	lat.add(mine)
	lat.report(b)
}

// BenchmarkList100k is the listings at 100,000 posts: the home page, a page deep in it
// through a cursor, a tag's page and a type's page.
func BenchmarkList100k(b *testing.B) {
	db := bigStore(b)
	ctx := context.Background()
	home := post.Query{Status: post.StatusPublished, Visibility: []string{post.VisibilityPublic}, Limit: 20}
	deep := home
	deepPosts, err := db.ListPosts(ctx, post.Query{Offset: bigN / 2, Limit: 1})
	if err != nil || len(deepPosts) != 1 {
		b.Fatal(err)
	}
	deep.After = deepPosts[0].Cursor()
	tag := home
	tag.Category = "TAG7"
	for name, q := range map[string]post.Query{"home": home, "deep-cursor": deep, "tag": tag, "type": {Type: "photo", Limit: 20}} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				ps, err := db.ListPosts(ctx, q)
				if err != nil || len(ps) != 20 {
					b.Fatal(len(ps), err)
				}
			}
		})
	}
	b.Run("tag-counts-home", func(b *testing.B) {
		all := home
		all.Limit = 0
		for b.Loop() {
			if tags, err := db.TagCounts(ctx, all); err != nil || len(tags) != 46 { // tags 0, 10, 20, 30, 40 are on drafts only
				b.Fatal(len(tags), err)
			}
		}
	})
	b.Run("categories", func(b *testing.B) {
		for b.Loop() {
			if cats, err := db.Categories(ctx, "tag1"); err != nil || len(cats) != 11 {
				b.Fatal(len(cats), err)
			}
		}
	})
	b.Run("count-home", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.CountPosts(ctx, home); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkWriterGroup is the writer goroutine's own work for a group of creates (one
// transaction, one commit), reported per post: the ceiling on create throughput, since
// the writer is the one serial part. Sizes 7 and 100 are not powers of two, so their
// posts and tags take several multi-row statements (groupcommit.go).
func BenchmarkWriterGroup(b *testing.B) {
	for _, size := range []int{1, 7, 16, 100} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			db := newDB(b)
			base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			i := 0
			var busy time.Duration
			for b.Loop() {
				group := make([]*createReq, size)
				for k := range group {
					i++
					p := benchPost(i, base.Add(time.Duration(i)*time.Second))
					item, _ := json.Marshal(p.Item)
					group[k] = &createReq{ctx: context.Background(), p: p, item: item, synd: []byte("[]")}
				}
				// Timed by hand: StopTimer and StartTimer read memory statistics, which
				// would cost more than a small group.
				start := time.Now()
				db.commitGroup(group)
				busy += time.Since(start)
				for _, req := range group {
					if req.err != nil {
						b.Fatal(req.err)
					}
				}
			}
			b.ReportMetric(float64(busy.Nanoseconds())/1000/float64(size*b.N), "µs/post")
		})
	}
}
