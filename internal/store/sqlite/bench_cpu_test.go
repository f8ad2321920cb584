//go:build unix

package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
)

// BenchmarkWriterCPU is the CPU the store spends on each create, in a fixed piece of
// work that does not grow with b.N: 24,000 creates in groups of 6 (the group size of
// over-http's 16 form clients), each post as over-http writes it (a short text, one of
// 50 tags, a numbered slug), nobody listening for changes. The process's CPU time
// (getrusage) includes what runs beside the writer for those posts: the search indexer
// and the checkpoints. Fixed work gives steadier figures than b.N creates into a
// database that grows with b.N.
func BenchmarkWriterCPU(b *testing.B) {
	const groups, size = 4000, 6
	for b.Loop() {
		b.StopTimer()
		db, err := Open(context.Background(), filepath.Join(b.TempDir(), "indiepub.db"))
		if err != nil {
			b.Fatal(err)
		}
		db.WatchChanges(func(jobs.PostChange, *post.Post) bool { return false })
		base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		urlOf := func(slug string) string { return "http://127.0.0.1:8080/notes/" + slug }
		all := make([][]*createReq, groups)
		for g := range all {
			all[g] = make([]*createReq, size)
			for k := range all[g] {
				i := g*size + k
				it := post.Item{Type: []string{"h-entry"}, Properties: map[string][]any{
					"content":  {fmt.Sprintf("Post number %d", i)},
					"category": {fmt.Sprintf("tag%d", i%50)},
				}}
				p, err := post.New(it, base.Add(time.Duration(i)*time.Second))
				if err != nil {
					b.Fatal(err)
				}
				p.Slug = fmt.Sprintf("post-number-%d", i)
				p.URL = urlOf(p.Slug)
				item, _ := json.Marshal(p.Item)
				all[g][k] = &createReq{ctx: context.Background(), p: p, item: item, synd: []byte("[]"),
					urlOf: urlOf, base: p.Slug, key: p.URL}
			}
		}
		b.StartTimer()
		cpu0, start := processCPU(), time.Now()
		for _, group := range all {
			db.writing.Lock()
			db.commitGroup(group)
			db.writing.Unlock()
			for _, req := range group {
				if req.err != nil {
					b.Fatal(req.err)
				}
			}
		}
		b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/(groups*size), "cpu-µs/post")
		b.ReportMetric(float64(time.Since(start).Microseconds())/(groups*size), "µs/post")
		b.StopTimer()
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// processCPU is the CPU time, user and system, of the process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
