package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/store/sqlite"
)

// TestJobsCommand: indiepub jobs lists the jobs not done with their attempts, next run and
// last error; jobs retry ID makes a failed one pending; an unknown ID is an error.
func TestJobsCommand(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(t.Context(), filepath.Join(dir, "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db.EnqueueJobs(ctx, &jobs.Job{Kind: "syndicate", Key: "https://example.com/a social"},
		&jobs.Job{Kind: "syndicate", Key: "https://example.com/b social"})
	j, _ := db.ClaimJob(ctx, time.Now(), time.Minute, []string{"syndicate"})
	if err := db.FailJob(ctx, j, "401 the access token\nis invalid", time.Time{}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := Main(ctx, append(args, "--data", dir), nil, &out, io.Discard)
		return out.String(), err
	}
	out, err := run("jobs")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ATTEMPTS", "NEXT RUN", "LAST ERROR", "https://example.com/a social", "failed",
		"401 the access token is invalid", "https://example.com/b social", "pending"} {
		if !strings.Contains(out, want) {
			t.Errorf("jobs output lacks %q:\n%s", want, out)
		}
	}
	if _, err := run("jobs", "retry", fmt.Sprint(j.ID)); err != nil {
		t.Fatalf("jobs retry: %v", err)
	}
	db, err = sqlite.Open(t.Context(), filepath.Join(dir, "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got, _ := db.JobByID(ctx, j.ID); got.State != jobs.Pending || got.Attempts != 0 {
		t.Errorf("retried job: %s, %d attempts; want pending, 0", got.State, got.Attempts)
	}
	if _, err := run("jobs", "retry", "999"); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("jobs retry of an unknown ID: %v, want not found", err)
	}
	if _, err := run("jobs", "retry", "x"); err == nil {
		t.Errorf("jobs retry x succeeded")
	}
}
