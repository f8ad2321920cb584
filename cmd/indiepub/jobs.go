package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/store/sqlite"
)

const jobsUsage = `usage: indiepub jobs [retry ID] [flags]

commands:
  jobs              list the pending, running and failed background jobs
  jobs retry ID     run a failed (or waiting) job again now, its attempts counted afresh

Run "indiepub jobs -h" for the flags.
`

// listLimit caps the jobs listed.
const listLimit = 1000

func runJobs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprint(stdout, jobsUsage)
		return nil
	}
	var o options
	positional, err := parseFlags("jobs [retry ID] [flags]", &o, args, stdout, stderr)
	if err != nil {
		return err
	}
	var retryID int64
	switch {
	case len(positional) == 0:
	case positional[0] == "retry" && len(positional) == 2:
		if retryID, err = strconv.ParseInt(positional[1], 10, 64); err != nil || retryID <= 0 {
			return fmt.Errorf("jobs retry %q: want a job ID", positional[1])
		}
	default:
		fmt.Fprint(stderr, jobsUsage)
		return fmt.Errorf("jobs: unexpected %q", strings.Join(positional, " "))
	}
	db, err := o.openDB(ctx, newLogger(o.logJSON, o.debug, stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	if retryID != 0 {
		return retryJob(ctx, db, retryID, stdout)
	}
	return listJobs(ctx, db, stdout)
}

// listJobs prints the jobs that are not done, oldest first.
func listJobs(ctx context.Context, db *sqlite.DB, stdout io.Writer) error {
	list, err := db.Jobs(ctx, []jobs.State{jobs.Pending, jobs.Running, jobs.Failed}, listLimit)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tKEY\tSTATE\tATTEMPTS\tNEXT RUN\tLAST ERROR")
	for _, j := range list {
		next := "-"
		if j.State == jobs.Pending {
			next = fmtTime(j.RunAt)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", j.ID, j.Kind, j.Key, j.State, j.Attempts, next,
			orDash(oneLine(j.LastError)))
	}
	return tw.Flush()
}

// retryJob makes one job pending now; a running server picks it up at its next poll.
func retryJob(ctx context.Context, db *sqlite.DB, id int64, stdout io.Writer) error {
	if err := db.RetryJob(ctx, id, time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "job %d will run again\n", id)
	return nil
}

// oneLine keeps an error on its table row.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
