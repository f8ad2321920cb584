package jobs_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
)

// BenchmarkQueue runs b.N jobs through the queue on SQLite with 16 workers: enqueue in
// batches of 100, claim, a handler that does nothing, complete. It reports jobs/s.
func BenchmarkQueue(b *testing.B) {
	db := openStore(b)
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
