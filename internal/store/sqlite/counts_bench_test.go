package sqlite

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
)

// BenchmarkCountJobs measures what each metrics scrape costs the database: counting
// 100,000 jobs of 4 kinds by kind and state, with the oldest due, from the index
// jobs_counts.
func BenchmarkCountJobs(b *testing.B) {
	db, err := Open(b.Context(), filepath.Join(b.TempDir(), "indiepub.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	const n, batch = 100_000, 1000
	for i := 0; i < n; i += batch {
		js := make([]*jobs.Job, batch)
		for k := range js {
			js[k] = &jobs.Job{Kind: fmt.Sprintf("kind%d", (i+k)%4), Key: fmt.Sprint(i + k), RunAt: now.Add(-time.Duration(i+k) * time.Second)}
		}
		if _, err := db.EnqueueJobs(b.Context(), js...); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		counts, err := db.CountJobs(b.Context(), now)
		if err != nil || len(counts) != 4 {
			b.Fatalf("CountJobs: %v, %v", counts, err)
		}
	}
}
