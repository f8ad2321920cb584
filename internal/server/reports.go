package server

import (
	"context"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/metrics"
)

// Reports is what the metrics read from the store at each scrape: the job queue by kind
// and state, and the webmentions received by state. Each is one GROUP BY over an index.
type Reports interface {
	// CountJobs counts the jobs by kind and state, with the earliest RunAt of the pending
	// ones due at now.
	CountJobs(ctx context.Context, now time.Time) ([]jobs.Count, error)
	// CountMentions counts the received webmentions by status, the verified ones waiting
	// for the owner as webmention.Held.
	CountMentions(ctx context.Context) (map[string]int, error)
}

// reports passes the store's counts to the metrics' collectors.
type reports struct {
	store Reports
	now   func() time.Time
}

// addReports has m read the job queue and the webmentions from store at each scrape.
func addReports(m *metrics.Metrics, store Reports, now func() time.Time) {
	r := reports{store: store, now: now}
	m.AddJobs(r, now)
	m.AddMentions(r)
}

func (r reports) JobCounts(ctx context.Context) ([]metrics.JobCount, error) {
	counts, err := r.store.CountJobs(ctx, r.now())
	if err != nil {
		return nil, err
	}
	out := make([]metrics.JobCount, len(counts))
	for i, c := range counts {
		out[i] = metrics.JobCount{Kind: c.Kind, State: string(c.State), Count: c.N, OldestRunAt: c.OldestDue}
	}
	return out, nil
}

func (r reports) MentionCounts(ctx context.Context) (map[string]int, error) {
	return r.store.CountMentions(ctx)
}
