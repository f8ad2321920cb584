package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/metrics"
	"github.com/indiepub/indiepub/internal/metrics/promtest"
)

type fakeJobs struct {
	counts []metrics.JobCount
	err    error
}

func (f *fakeJobs) JobCounts(context.Context) ([]metrics.JobCount, error) { return f.counts, f.err }

type fakeMentions map[string]int

func (f fakeMentions) MentionCounts(context.Context) (map[string]int, error) { return f, nil }

func scrapeText(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// TestReports: the job queue's and the Webmention receiver's counts are read at each
// scrape, with the age of the oldest pending job per kind; a part that fails to report
// is counted, and the rest of the scrape goes on.
func TestReports(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	jobs := &fakeJobs{counts: []metrics.JobCount{
		{Kind: "syndicate", State: "pending", Count: 3, OldestRunAt: now.Add(-90 * time.Second)},
		{Kind: "syndicate", State: "failed", Count: 1},
		{Kind: "webmention.send", State: "done", Count: 7},
	}}
	m := metrics.New(metrics.Build{Version: "devel", Commit: "devel", Date: "devel"})
	m.AddJobs(jobs, func() time.Time { return now })
	m.AddMentions(fakeMentions{"verified": 4, "pending": 1})
	text := scrapeText(t, m)
	for _, want := range []string{
		`indiepub_jobs{kind="syndicate",state="pending"} 3`,
		`indiepub_jobs{kind="syndicate",state="failed"} 1`,
		`indiepub_jobs{kind="webmention.send",state="done"} 7`,
		`indiepub_jobs_queue_age_seconds{kind="syndicate"} 90`,
		`indiepub_jobs_queue_age_seconds{kind="webmention.send"} 0`,
		`indiepub_webmentions{state="verified"} 4`,
		`indiepub_report_errors_total{part="jobs"} 0`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("scrape lacks %s:\n%s", want, text)
		}
	}
	promtest.Check(t, []byte(text))

	jobs.err = errors.New("database is locked")
	text = scrapeText(t, m)
	if !strings.Contains(text, `indiepub_report_errors_total{part="jobs"} 1`) || !strings.Contains(text, `indiepub_webmentions{state="pending"} 1`) {
		t.Errorf("with the queue failing, want its error counted and the rest reported:\n%s", text)
	}
}
