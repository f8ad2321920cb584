package metrics

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// JobCount is how many jobs of one kind are in one state, and how long the oldest of them
// has been waiting to run.
type JobCount struct {
	Kind, State string
	Count       int
	// OldestRunAt is the earliest RunAt among the pending jobs counted that are due (their
	// RunAt has come); zero when none is.
	OldestRunAt time.Time
}

// Jobs is what the job queue's runner reports at scrape time.
type Jobs interface {
	JobCounts(ctx context.Context) ([]JobCount, error)
}

// Mentions is what the Webmention receiver reports at scrape time: received mentions by
// state ("pending", "verified", "rejected", ...).
type Mentions interface {
	MentionCounts(ctx context.Context) (map[string]int, error)
}

var (
	jobsDesc = prometheus.NewDesc("indiepub_jobs",
		"Jobs in the queue, by kind and state.", []string{"kind", "state"}, nil)
	jobAgeDesc = prometheus.NewDesc("indiepub_jobs_queue_age_seconds",
		"How long the oldest pending job of a kind has been due.", []string{"kind"}, nil)
	mentionsDesc = prometheus.NewDesc("indiepub_webmentions",
		"Received webmentions, by state.", []string{"state"}, nil)
)

// AddJobs reports j's counts at every scrape, as indiepub_jobs and
// indiepub_jobs_queue_age_seconds. now is the clock; nil means time.Now.
func (m *Metrics) AddJobs(j Jobs, now func() time.Time) {
	if m == nil {
		return
	}
	if now == nil {
		now = time.Now
	}
	m.reg.MustRegister(&jobsCollector{jobs: j, now: now, errs: newReportErrors("jobs")})
}

// AddMentions reports w's counts at every scrape, as indiepub_webmentions.
func (m *Metrics) AddMentions(w Mentions) {
	if m == nil {
		return
	}
	m.reg.MustRegister(&mentionsCollector{mentions: w, errs: newReportErrors("webmentions")})
}

// reportErrors counts the scrapes at which part failed to report, rather than failing the
// whole scrape: the other metrics matter most when something is wrong. The count is
// emitted by the part's own collector, after its attempt, since the registry collects
// concurrently.
type reportErrors struct {
	desc *prometheus.Desc
	n    atomic.Uint64
}

func newReportErrors(part string) *reportErrors {
	return &reportErrors{desc: prometheus.NewDesc("indiepub_report_errors_total",
		"Scrapes at which a part could not report its state.", nil, prometheus.Labels{"part": part})}
}

func (e *reportErrors) collect(ch chan<- prometheus.Metric, err error) {
	if err != nil {
		e.n.Add(1)
	}
	ch <- prometheus.MustNewConstMetric(e.desc, prometheus.CounterValue, float64(e.n.Load()))
}

type jobsCollector struct {
	jobs Jobs
	now  func() time.Time
	errs *reportErrors
}

func (c *jobsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobsDesc
	ch <- jobAgeDesc
	ch <- c.errs.desc
}

func (c *jobsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), reportTimeout)
	defer cancel()
	counts, err := c.jobs.JobCounts(ctx)
	c.errs.collect(ch, err)
	if err != nil {
		return
	}
	oldest := map[string]time.Time{}
	for _, jc := range counts {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(jc.Count), jc.Kind, jc.State)
		if o, seen := oldest[jc.Kind]; !jc.OldestRunAt.IsZero() && (!seen || jc.OldestRunAt.Before(o)) {
			oldest[jc.Kind] = jc.OldestRunAt
		} else if !seen {
			oldest[jc.Kind] = time.Time{}
		}
	}
	now := c.now()
	for kind, o := range oldest {
		age := 0.0
		if !o.IsZero() && now.After(o) {
			age = now.Sub(o).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(jobAgeDesc, prometheus.GaugeValue, age, kind)
	}
}

type mentionsCollector struct {
	mentions Mentions
	errs     *reportErrors
}

func (c *mentionsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- mentionsDesc
	ch <- c.errs.desc
}

func (c *mentionsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), reportTimeout)
	defer cancel()
	counts, err := c.mentions.MentionCounts(ctx)
	c.errs.collect(ch, err)
	if err != nil {
		return
	}
	for state, n := range counts {
		ch <- prometheus.MustNewConstMetric(mentionsDesc, prometheus.GaugeValue, float64(n), state)
	}
}
