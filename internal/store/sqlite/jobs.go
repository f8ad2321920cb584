package sqlite

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
)

// The job queue (jobs.Store; migrations/0010_jobs.sql). Every method is one statement
// or one transaction; a claim is one UPDATE … RETURNING in a write transaction (the
// store's connections begin IMMEDIATE), so two workers never claim one job. PostgreSQL
// would select the job FOR UPDATE SKIP LOCKED in the same statement.
//
// The queue's writes take db.writing, as the group commit's writer does: a claim that
// found SQLite's write lock held would wait in busy_timeout's sleeps of milliseconds,
// and the writer, finding it held by a claim, likewise. Waiting on the mutex instead
// hands the lock over at once, so that workers draining a burst of post.changed jobs do
// not slow the creates that make them.

const jobColumns = `id, kind, key, payload, state, attempts, run_at, last_error, result, created, updated`

func scanJob(s scanner) (*jobs.Job, error) {
	var j jobs.Job
	var state, runAt, created, updated string
	if err := s.Scan(&j.ID, &j.Kind, &j.Key, &j.Payload, &state, &j.Attempts, &runAt, &j.LastError,
		&j.Result, &created, &updated); err != nil {
		return nil, err
	}
	j.State = jobs.State(state)
	j.RunAt, j.Created, j.Updated = parseTime(runAt), parseTime(created), parseTime(updated)
	return &j, nil
}

// jobRow is one job as insertJobsSQL reads it from a JSON array.
type jobRow struct {
	Kind    string `json:"kind"`
	Key     string `json:"key"`
	Payload string `json:"payload"`
	RunAt   string `json:"run_at"`
}

// insertJobsSQL adds the jobs of a JSON array of jobRow, skipping the kinds and keys
// that exist, in one statement whatever their number; ? is the time now.
const insertJobsSQL = `INSERT INTO jobs (kind, key, payload, run_at, created, updated)
	SELECT value ->> 'kind', value ->> 'key', value ->> 'payload', value ->> 'run_at', ?1, ?1
	FROM json_each(?2) WHERE true
	ON CONFLICT (kind, key) DO NOTHING`

// EnqueueJobs adds jobs, skipping those whose kind and key exist, and returns how many
// it added.
func (db *DB) EnqueueJobs(ctx context.Context, js ...*jobs.Job) (int, error) {
	if len(js) == 0 {
		return 0, nil
	}
	now := db.now()
	rows := make([]jobRow, len(js))
	for i, j := range js {
		if j.Kind == "" || j.Key == "" {
			return 0, fmt.Errorf("enqueue job: kind and key are required")
		}
		runAt := j.RunAt
		if runAt.IsZero() {
			runAt = now
		}
		rows[i] = jobRow{j.Kind, j.Key, string(j.Payload), formatTime(runAt)}
	}
	arg, err := json.Marshal(rows)
	if err != nil {
		return 0, fmt.Errorf("enqueue job: %w", err)
	}
	db.writing.Lock()
	res, err := db.db.ExecContext(ctx, insertJobsSQL, formatTime(now), string(arg))
	db.writing.Unlock()
	if err != nil {
		return 0, db.space.check(fmt.Errorf("enqueue job: %w", err))
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		db.wakeJobs()
	}
	return int(n), nil
}

// enqueuePostChanges adds, in tx, the PostChanged job of each change that the filter
// keeps (jobs.ChangeFilter), posts[i] being the post of changes[i] as stored: the job of
// a scheduled post runs at its published time (post.Post.ChangeDue), so that its
// listeners act then. It returns how many it added.
func (db *DB) enqueuePostChanges(ctx context.Context, tx *sql.Tx, changes []jobs.PostChange, posts []*post.Post) (int, error) {
	changes, posts = db.Keep(changes, posts)
	if len(changes) == 0 {
		return 0, nil
	}
	clock := db.now()
	now := formatTime(clock)
	rows := make([]jobRow, len(changes))
	for i := range changes {
		c := &changes[i]
		c.Change = newChangeKey(c.URL, c.Action)
		payload, err := json.Marshal(c)
		if err != nil {
			return 0, fmt.Errorf("post change: %w", err)
		}
		rows[i] = jobRow{jobs.PostChanged, c.Change, string(payload), formatTime(posts[i].ChangeDue(clock))}
	}
	arg, err := json.Marshal(rows)
	if err != nil {
		return 0, fmt.Errorf("post change: %w", err)
	}
	if _, err := tx.StmtContext(ctx, db.stmts.insertJobs).ExecContext(ctx, now, string(arg)); err != nil {
		return 0, fmt.Errorf("post change: enqueue: %w", err)
	}
	return len(changes), nil
}

// newChangeKey is the key of one change's PostChanged job: readable, and unique by its
// random part.
func newChangeKey(url, action string) string {
	var b [8]byte
	rand.Read(b[:])
	return url + " " + action + " " + hex.EncodeToString(b[:])
}

// wakeJobs signals JobsEnqueued, merging with a signal not yet received.
func (db *DB) wakeJobs() {
	select {
	case db.jobsWake <- struct{}{}:
	default:
	}
}

// JobsEnqueued receives after a commit that added jobs.
func (db *DB) JobsEnqueued() <-chan struct{} { return db.jobsWake }

// claimJobSQL moves the next due job to running: the pending job due soonest, or else
// the running job whose lease ended first. Each is one step along an index (jobs_due,
// jobs_leases), whatever the number of jobs. ?1 now, ?2 lease end, ?3 kinds (JSON array).
const claimJobSQL = `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = ?2, updated = ?1
	WHERE id = coalesce(
		(SELECT id FROM jobs WHERE state = 'pending' AND run_at <= ?1
			AND kind IN (SELECT value FROM json_each(?3)) ORDER BY run_at LIMIT 1),
		(SELECT id FROM jobs WHERE state = 'running' AND lease_until <= ?1
			AND kind IN (SELECT value FROM json_each(?3)) ORDER BY lease_until LIMIT 1))
	RETURNING ` + jobColumns

// ClaimJob takes the next due job of one of kinds, or nil when none is due.
func (db *DB) ClaimJob(ctx context.Context, now time.Time, lease time.Duration, kinds []string) (*jobs.Job, error) {
	arg, err := json.Marshal(kinds)
	if err != nil {
		return nil, fmt.Errorf("claim job: %w", err)
	}
	db.writing.Lock()
	j, err := scanJob(db.stmts.claimJob.QueryRowContext(ctx, formatTime(now), formatTime(now.Add(lease)), string(arg)))
	db.writing.Unlock()
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, db.space.check(fmt.Errorf("claim job: %w", err))
	}
	return j, nil
}

// claimJobsSQL is claimJobSQL for up to ?4 jobs: the due pending jobs soonest first,
// then the lapsed claims, each an index range (jobs_due, jobs_leases).
const claimJobsSQL = `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = ?2, updated = ?1
	WHERE id IN (SELECT id FROM (
		SELECT id FROM (SELECT id FROM jobs WHERE state = 'pending' AND run_at <= ?1
			AND kind IN (SELECT value FROM json_each(?3)) ORDER BY run_at LIMIT ?4)
		UNION ALL
		SELECT id FROM (SELECT id FROM jobs WHERE state = 'running' AND lease_until <= ?1
			AND kind IN (SELECT value FROM json_each(?3)) ORDER BY lease_until LIMIT ?4))
		LIMIT ?4)
	RETURNING ` + jobColumns

// ClaimJobs takes up to limit due jobs of kinds in one transaction.
func (db *DB) ClaimJobs(ctx context.Context, now time.Time, lease time.Duration, kinds []string, limit int) ([]*jobs.Job, error) {
	if limit <= 0 {
		return nil, nil
	}
	arg, err := json.Marshal(kinds)
	if err != nil {
		return nil, fmt.Errorf("claim jobs: %w", err)
	}
	db.writing.Lock()
	defer db.writing.Unlock()
	rows, err := db.stmts.claimJobs.QueryContext(ctx, formatTime(now), formatTime(now.Add(lease)), string(arg), limit)
	if err != nil {
		return nil, db.space.check(fmt.Errorf("claim jobs: %w", err))
	}
	defer rows.Close()
	var out []*jobs.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("claim jobs: %w", err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, db.space.check(fmt.Errorf("claim jobs: %w", err))
	}
	// In the order they were enqueued, as a worker runs them.
	slices.SortFunc(out, func(a, b *jobs.Job) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// CompleteJobs marks the claimed jobs done, each with its Result, in one transaction:
// one indexed update a job, and one commit for them all.
func (db *DB) CompleteJobs(ctx context.Context, js []*jobs.Job) error {
	if len(js) == 0 {
		return nil
	}
	now := formatTime(db.now())
	db.writing.Lock()
	defer db.writing.Unlock()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return db.space.check(fmt.Errorf("complete jobs: %w", err))
	}
	defer tx.Rollback()
	st := tx.StmtContext(ctx, db.stmts.completeJob)
	lost := 0
	for _, j := range js {
		res, err := st.ExecContext(ctx, j.Result, now, j.ID, j.Attempts)
		if err != nil {
			return db.space.check(fmt.Errorf("complete jobs: %w", err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			lost++
		}
	}
	if err := tx.Commit(); err != nil {
		return db.space.check(fmt.Errorf("complete jobs: %w", err))
	}
	if lost > 0 {
		return fmt.Errorf("complete jobs: %d of %d: %w", lost, len(js), jobs.ErrLeaseLost)
	}
	return nil
}

// completeJobSQL marks a job done if the claim (its attempt) still holds it.
const completeJobSQL = `UPDATE jobs SET state = 'done', result = ?, lease_until = '', updated = ?
	WHERE id = ? AND attempts = ? AND state = 'running'`

// CompleteJob marks the claimed j done with result.
func (db *DB) CompleteJob(ctx context.Context, j *jobs.Job, result string) error {
	db.writing.Lock()
	res, err := db.stmts.completeJob.ExecContext(ctx, result, formatTime(db.now()), j.ID, j.Attempts)
	db.writing.Unlock()
	return db.claimEnded(j, res, err)
}

// FailJob keeps msg and makes j pending from next, or failed when next is zero.
func (db *DB) FailJob(ctx context.Context, j *jobs.Job, msg string, next time.Time) error {
	now := formatTime(db.now())
	if next.IsZero() {
		return db.endClaim(ctx, j, `state = 'failed', last_error = ?, lease_until = '', updated = ?`, msg, now)
	}
	return db.endClaim(ctx, j, `state = 'pending', last_error = ?, run_at = ?, lease_until = '', updated = ?`,
		msg, formatTime(next), now)
}

// endClaim applies set to j if the claim still holds it: the job is running and no other
// claim has counted an attempt since.
func (db *DB) endClaim(ctx context.Context, j *jobs.Job, set string, args ...any) error {
	db.writing.Lock()
	res, err := db.db.ExecContext(ctx, `UPDATE jobs SET `+set+` WHERE id = ? AND attempts = ? AND state = 'running'`,
		append(args, j.ID, j.Attempts)...)
	db.writing.Unlock()
	return db.claimEnded(j, res, err)
}

// claimEnded is the outcome of an update that ends j's claim: ErrLeaseLost when it
// matched no row.
func (db *DB) claimEnded(j *jobs.Job, res sql.Result, err error) error {
	if err != nil {
		return db.space.check(fmt.Errorf("job %d: %w", j.ID, err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("job %d: %w", j.ID, jobs.ErrLeaseLost)
	}
	return nil
}

// Jobs lists the jobs in any of states, oldest first, at most limit.
func (db *DB) Jobs(ctx context.Context, states []jobs.State, limit int) ([]*jobs.Job, error) {
	if len(states) == 0 || limit <= 0 {
		return []*jobs.Job{}, nil
	}
	args := make([]any, 0, len(states)+1)
	for _, s := range states {
		args = append(args, string(s))
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE state IN (?`+
		strings.Repeat(",?", len(states)-1)+`) ORDER BY id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer rows.Close()
	out := []*jobs.Job{}
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// JobByID returns one job; jobs.ErrNotFound when there is none.
func (db *DB) JobByID(ctx context.Context, id int64) (*jobs.Job, error) {
	j, err := scanJob(db.db.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("job %d: %w", id, jobs.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("job %d: %w", id, err)
	}
	return j, nil
}

// RetryJob makes a failed or pending job pending from now with its attempts reset.
func (db *DB) RetryJob(ctx context.Context, id int64, now time.Time) error {
	var state string
	db.writing.Lock()
	err := db.db.QueryRowContext(ctx, `UPDATE jobs SET state = 'pending', attempts = 0, run_at = ?1, updated = ?1
		WHERE id = ?2 AND state IN ('pending', 'failed') RETURNING state`, formatTime(now), id).Scan(&state)
	db.writing.Unlock()
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := db.JobByID(ctx, id); err != nil {
			return err
		}
		return fmt.Errorf("job %d: %w", id, jobs.ErrNotRetryable)
	}
	if err != nil {
		return db.space.check(fmt.Errorf("retry job %d: %w", id, err))
	}
	db.wakeJobs()
	return nil
}

// CountJobs counts the jobs by kind and state, with the earliest run time of the pending
// jobs due at now, for the metrics at each scrape. One pass over the index jobs_counts
// (migrations/0023_counts.sql), which holds every column it reads: the done jobs, which
// are kept, cost an index entry each and no table row.
func (db *DB) CountJobs(ctx context.Context, now time.Time) ([]jobs.Count, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT kind, state, COUNT(*),
		MIN(CASE WHEN state = 'pending' AND run_at <= ? THEN run_at END)
		FROM jobs INDEXED BY jobs_counts GROUP BY state, kind ORDER BY kind, state`, formatTime(now))
	if err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	defer rows.Close()
	var out []jobs.Count
	for rows.Next() {
		var c jobs.Count
		var state string
		var oldest sql.NullString
		if err := rows.Scan(&c.Kind, &state, &c.N, &oldest); err != nil {
			return nil, fmt.Errorf("count jobs: %w", err)
		}
		c.State = jobs.State(state)
		if oldest.Valid {
			c.OldestDue = parseTime(oldest.String)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	return out, nil
}

// PruneJobs deletes the done jobs last changed before before.
func (db *DB) PruneJobs(ctx context.Context, before time.Time) (int64, error) {
	db.writing.Lock()
	res, err := db.db.ExecContext(ctx, `DELETE FROM jobs WHERE state = 'done' AND updated < ?`, formatTime(before))
	db.writing.Unlock()
	if err != nil {
		return 0, fmt.Errorf("prune jobs: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
