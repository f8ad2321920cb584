package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/metrics"
	"github.com/indiepub/indiepub/internal/metrics/promtest"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// scrapeUntil scrapes m until ok accepts its samples, or fails the test after a generous
// wait (the machine may be loaded).
func scrapeUntil(t *testing.T, m *metrics.Metrics, what string, ok func(map[string]float64) bool) []byte {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		text, got := scrape(t, m)
		if ok(got) {
			return text
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics never showed %s:\n%s", what, text)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMetricsJobsAndMentions: the job queue by kind and state, its age, and the
// webmentions received by state move as a post is created, a webmention arrives and is
// verified by the server's own job runner, and a job waits that no worker takes.
func TestMetricsJobsAndMentions(t *testing.T) {
	m := metrics.New(metrics.Build{Version: "v1.2.3", Commit: "abc123", Date: "2026-11-30T10:00:00Z"})
	srv := servertest.New(t, func(c *server.Config) { c.Metrics = m; c.AllowPrivateFetch = true })
	tok := srv.IssueToken(t, "create update")

	_, before := scrape(t, m)
	if n, seen := before[`indiepub_jobs{kind="post.changed",state="done"}`]; seen || n != 0 {
		t.Errorf("post.changed jobs done before any post: %v", n)
	}
	// A note that links nowhere and names no syndication target: no listener acts on its
	// create, so the store enqueues no post.changed job for it (jobs.Runner.Wants).
	resp, body := srv.PostForm(t, "/micropub", tok, "h=entry&content=hello")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	target := resp.Header.Get("Location")
	_, got := scrape(t, m)
	for _, state := range []string{"pending", "running", "done", "failed"} {
		if n := got[`indiepub_jobs{kind="post.changed",state="`+state+`"}`]; n != 0 {
			t.Errorf("%v post.changed jobs %s after a create no listener wants, want none", n, state)
		}
	}
	// Its update is every listener's business (a link dropped, a copy to edit).
	resp, body = srv.PostJSON(t, "/micropub", tok, map[string]any{"action": "update", "url": target,
		"replace": map[string]any{"content": []any{"hello again"}}})
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		t.Fatalf("update: %d %s", resp.StatusCode, body)
	}
	scrapeUntil(t, m, "the update's post.changed job done", func(got map[string]float64) bool {
		return got[`indiepub_jobs{kind="post.changed",state="done"}`] == 1
	})

	// A webmention from a page that links to the post: verified by the runner, and held,
	// its host being unknown (the default moderation).
	source := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<div class="h-entry"><a class="u-in-reply-to" href="%s">re</a> <p class="e-content">Nice.</p></div>`, target)
	}))
	t.Cleanup(source.Close)
	resp, body = srv.PostForm(t, "/webmention", "", url.Values{"source": {source.URL + "/reply"}, "target": {target}}.Encode())
	if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /webmention: %d %s", resp.StatusCode, body)
	}
	scrapeUntil(t, m, "the webmention verified and held", func(got map[string]float64) bool {
		return got[`indiepub_webmentions{state="held"}`] == 1 && got[`indiepub_webmentions{state="pending"}`] == 0 &&
			got[`indiepub_jobs{kind="webmention.verify",state="done"}`] == 1
	})

	// A job of a kind no worker handles waits: its age is how long it has been due.
	if _, err := srv.DB.EnqueueJobs(t.Context(), &jobs.Job{Kind: "metrics.test", Key: "k", RunAt: time.Now().Add(-90 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	text, got := scrape(t, m)
	if got[`indiepub_jobs{kind="metrics.test",state="pending"}`] != 1 {
		t.Errorf("indiepub_jobs of the waiting job: %v, want 1", got[`indiepub_jobs{kind="metrics.test",state="pending"}`])
	}
	if age := got[`indiepub_jobs_queue_age_seconds{kind="metrics.test"}`]; age < 90 || age > 90+600 {
		t.Errorf("queue age of a job due 90s ago: %v, want from 90", age)
	}
	if age := got[`indiepub_jobs_queue_age_seconds{kind="post.changed"}`]; age != 0 {
		t.Errorf("queue age with every post.changed job done: %v, want 0", age)
	}
	if got[`indiepub_report_errors_total{part="jobs"}`] != 0 || got[`indiepub_report_errors_total{part="webmentions"}`] != 0 {
		t.Errorf("report errors on a working store:\n%s", text)
	}
	promtest.Check(t, text)
}
