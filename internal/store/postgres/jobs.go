package postgres

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
)

// The job queue (jobs.Store; migrations/0003_jobs.sql). Every method is one statement,
// so it needs no transaction of its own (claims and their ends take one that does not
// wait for the disk: see relaxed); a claim selects its job FOR UPDATE SKIP LOCKED,
// so that workers of every instance sharing the database take each job once, none
// waiting on a row another claim holds.
//
// Every transaction that adds jobs also sends NOTIFY on jobsChannel, which PostgreSQL
// delivers once it commits: each instance LISTENs on a connection of its own (listen.go)
// and passes the notification to JobsEnqueued, so that a job enqueued by one instance
// wakes the idle runners of all. The instance that enqueued signals its own runner at
// once, without waiting for the round trip.

// jobsChannel is the channel of the NOTIFY sent with every enqueue.
const jobsChannel = "indiepub_jobs"

// notifyJobsSQL is the NOTIFY, as a statement that can be batched with arguments.
const notifyJobsSQL = `SELECT pg_notify('` + jobsChannel + `', '')`

const jobColumns = `id, kind, key, payload, state, attempts, run_at, last_error, result, created, updated`

func scanJob(s pgx.Row) (*jobs.Job, error) {
	var j jobs.Job
	var state, runAt, created, updated, payload string
	if err := s.Scan(&j.ID, &j.Kind, &j.Key, &payload, &state, &j.Attempts, &runAt, &j.LastError,
		&j.Result, &created, &updated); err != nil {
		return nil, err
	}
	j.Payload = []byte(payload)
	j.State = jobs.State(state)
	j.RunAt, j.Created, j.Updated = parseTime(runAt), parseTime(created), parseTime(updated)
	return &j, nil
}

// insertJobsSQL adds jobs given as one array per column (kind, key, payload, run_at),
// skipping the kinds and keys that exist, whatever their number; $5 is the time now. Rows
// go in the order of (kind, key), so that concurrent enqueues take the unique index's
// entries in one order.
const insertJobsSQL = `INSERT INTO jobs (kind, key, payload, run_at, created, updated)
	SELECT kind, key, payload, run_at, $5, $5
	FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS v(kind, key, payload, run_at, ord)
	ORDER BY kind, key, ord
	ON CONFLICT (kind, key) DO NOTHING`

// jobCols are insertJobsSQL's arguments.
type jobCols struct{ kinds, keys, payloads, runAts []string }

func (c *jobCols) add(kind, key, payload, runAt string) {
	c.kinds = append(c.kinds, kind)
	c.keys = append(c.keys, key)
	c.payloads = append(c.payloads, payload)
	c.runAts = append(c.runAts, runAt)
}

func (c *jobCols) args(now string) []any {
	return []any{c.kinds, c.keys, c.payloads, c.runAts, now}
}

// EnqueueJobs adds jobs, skipping those whose kind and key exist, and returns how many
// it added.
func (db *DB) EnqueueJobs(ctx context.Context, js ...*jobs.Job) (int, error) {
	if len(js) == 0 {
		return 0, nil
	}
	now := db.Now()
	var cols jobCols
	for _, j := range js {
		if j.Kind == "" || j.Key == "" {
			return 0, fmt.Errorf("enqueue job: kind and key are required")
		}
		runAt := j.RunAt
		if runAt.IsZero() {
			runAt = now
		}
		cols.add(j.Kind, j.Key, string(j.Payload), formatTime(runAt))
	}
	var added int64
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(insertJobsSQL, cols.args(formatTime(now))...).Exec(func(tag pgconn.CommandTag) error {
			added = tag.RowsAffected()
			return nil
		})
		b.Queue(notifyJobsSQL)
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return 0, fmt.Errorf("enqueue job: %w", err)
	}
	if added > 0 {
		db.wakeJobs()
	}
	return int(added), nil
}

// queuePostChanges queues on b, to run in a post change's transaction, the PostChanged
// job of each change that the filter keeps (jobs.ChangeFilter) and the NOTIFY that wakes
// the runners once it commits; posts[i] is the post of changes[i] as stored: the job of a
// scheduled post runs at its published time (post.Post.ChangeDue), so that its listeners
// act then.
func (db *DB) queuePostChanges(b *pgx.Batch, changes []jobs.PostChange, posts []*post.Post) error {
	clock := db.Now()
	cols, _, err := db.postChangeJobs(changes, posts, clock)
	if err != nil || len(cols.kinds) == 0 {
		return err
	}
	b.Queue(insertJobsSQL, cols.args(formatTime(clock))...)
	b.Queue(notifyJobsSQL)
	return nil
}

// postChangeJobs returns the PostChanged jobs of the changes the filter keeps, as
// insertJobsSQL's columns, and the URL of each job's post; posts[i] is the post of
// changes[i], as for queuePostChanges, and clock the time now.
func (db *DB) postChangeJobs(changes []jobs.PostChange, posts []*post.Post, clock time.Time) (cols jobCols, urls []string, err error) {
	changes, posts = db.Keep(changes, posts)
	for i := range changes {
		c := &changes[i]
		c.Change = newChangeKey(c.URL, c.Action)
		payload, err := json.Marshal(c)
		if err != nil {
			return jobCols{}, nil, fmt.Errorf("post change: %w", err)
		}
		cols.add(jobs.PostChanged, c.Change, string(payload), formatTime(posts[i].ChangeDue(clock)))
		urls = append(urls, c.URL)
	}
	return cols, urls, nil
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

// JobsEnqueued receives after a commit that added jobs, on this instance or on any other
// sharing the database.
func (db *DB) JobsEnqueued() <-chan struct{} { return db.jobsWake }

// claimPendingSQL and claimLapsedSQL move one due job to running: the pending job due
// soonest, or the running job whose lease ended first. Each is one step along an index
// (jobs_due, jobs_leases); SKIP LOCKED passes over a row another claim is taking. $1 now,
// $2 lease end, $3 kinds.
const (
	claimPendingSQL = `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = $2, updated = $1
		WHERE id = (SELECT id FROM jobs WHERE state = 'pending' AND run_at <= $1 AND kind = ANY($3)
			ORDER BY run_at LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING ` + jobColumns
	claimLapsedSQL = `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = $2, updated = $1
		WHERE id = (SELECT id FROM jobs WHERE state = 'running' AND lease_until <= $1 AND kind = ANY($3)
			ORDER BY lease_until LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING ` + jobColumns
)

// A claim and the end of a claim (complete, fail, retry later) commit without waiting
// for the write-ahead log to reach the disk (synchronous_commit off in their transaction
// alone): each job costs two of these commits, twice as many as the creates that enqueue
// the jobs, and on a busy site waiting for the disk at each one took most of the
// database's commits from the creates. What a crash of the database server can then
// forget is a claim or its end made in the last moments (three times wal_writer_delay at
// most, 0.6 s by default): the job is pending or running again, and runs again once its
// lease ends, as after a crash of its worker, which the queue's at-least-once contract
// and the idempotency keys of its jobs already cover. Enqueuing a job stays in the
// transaction of the change that needs it, which waits for the disk.

// relaxed runs one statement in a transaction of its own that commits without waiting
// for the disk, in one round trip; read reads its result.
func (db *DB) relaxed(ctx context.Context, sql string, args []any, read func(pgx.BatchResults) error) error {
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	b.Queue(`SET LOCAL synchronous_commit TO off`)
	b.Queue(sql, args...)
	b.Queue(`COMMIT`)
	br := db.pool.SendBatch(ctx, b)
	_, err := br.Exec()
	if err == nil {
		_, err = br.Exec()
	}
	if err == nil {
		err = read(br)
	}
	// A failed statement leaves the transaction aborted: the pool closes such a
	// connection rather than lend it again.
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}

// ClaimJob takes the next due job of one of kinds, or nil when none is due.
func (db *DB) ClaimJob(ctx context.Context, now time.Time, lease time.Duration, kinds []string) (*jobs.Job, error) {
	for _, query := range []string{claimPendingSQL, claimLapsedSQL} {
		var j *jobs.Job
		err := db.relaxed(ctx, query, []any{formatTime(now), formatTime(now.Add(lease)), kinds},
			func(br pgx.BatchResults) (err error) {
				j, err = scanJob(br.QueryRow())
				return err
			})
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, noSpace(fmt.Errorf("claim job: %w", err))
		}
		return j, nil
	}
	return nil, nil
}

// claimJobsSQL is claimPendingSQL and claimLapsedSQL for up to $4 jobs in one statement:
// the due pending jobs soonest first, then the lapsed claims.
const claimJobsSQL = `WITH pending AS (SELECT id FROM jobs WHERE state = 'pending' AND run_at <= $1
			AND kind = ANY($3) ORDER BY run_at LIMIT $4 FOR UPDATE SKIP LOCKED),
		lapsed AS (SELECT id FROM jobs WHERE state = 'running' AND lease_until <= $1
			AND kind = ANY($3) ORDER BY lease_until LIMIT $4 FOR UPDATE SKIP LOCKED)
	UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = $2, updated = $1
	WHERE id IN (SELECT id FROM (SELECT id FROM pending UNION ALL SELECT id FROM lapsed) AS due LIMIT $4)
	RETURNING ` + jobColumns

// ClaimJobs takes up to limit due jobs of kinds in one statement.
func (db *DB) ClaimJobs(ctx context.Context, now time.Time, lease time.Duration, kinds []string, limit int) ([]*jobs.Job, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, claimJobsSQL, formatTime(now), formatTime(now.Add(lease)), kinds, limit)
	if err != nil {
		return nil, noSpace(fmt.Errorf("claim jobs: %w", err))
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
		return nil, noSpace(fmt.Errorf("claim jobs: %w", err))
	}
	// In the order they were enqueued, as a worker runs them.
	slices.SortFunc(out, func(a, b *jobs.Job) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// CompleteJobs marks the claimed jobs done, each with its Result, in one statement.
func (db *DB) CompleteJobs(ctx context.Context, js []*jobs.Job) error {
	if len(js) == 0 {
		return nil
	}
	ids, attempts, results := make([]int64, len(js)), make([]int, len(js)), make([]string, len(js))
	for i, j := range js {
		ids[i], attempts[i], results[i] = j.ID, j.Attempts, j.Result
	}
	tag, err := db.pool.Exec(ctx, `UPDATE jobs SET state = 'done', result = d.result, lease_until = '', updated = $4
		FROM unnest($1::bigint[], $2::int[], $3::text[]) AS d(id, attempts, result)
		WHERE jobs.id = d.id AND jobs.attempts = d.attempts AND jobs.state = 'running'`,
		ids, attempts, results, formatTime(db.Now()))
	if err != nil {
		return noSpace(fmt.Errorf("complete jobs: %w", err))
	}
	if n := int(tag.RowsAffected()); n < len(js) {
		return fmt.Errorf("complete jobs: %d of %d: %w", len(js)-n, len(js), jobs.ErrLeaseLost)
	}
	return nil
}

// CompleteJob marks the claimed j done with result.
func (db *DB) CompleteJob(ctx context.Context, j *jobs.Job, result string) error {
	return db.endClaim(ctx, j, `state = 'done', result = $3, lease_until = '', updated = $4`,
		result, formatTime(db.Now()))
}

// FailJob keeps msg and makes j pending from next, or failed when next is zero.
func (db *DB) FailJob(ctx context.Context, j *jobs.Job, msg string, next time.Time) error {
	now := formatTime(db.Now())
	if next.IsZero() {
		return db.endClaim(ctx, j, `state = 'failed', last_error = $3, lease_until = '', updated = $4`, msg, now)
	}
	return db.endClaim(ctx, j, `state = 'pending', last_error = $3, updated = $4, run_at = $5, lease_until = ''`,
		msg, now, formatTime(next))
}

// endClaim applies set ($3 on) to j if the claim still holds it: the job is running and
// no other claim has counted an attempt since.
func (db *DB) endClaim(ctx context.Context, j *jobs.Job, set string, args ...any) error {
	var tag pgconn.CommandTag
	err := db.relaxed(ctx, `UPDATE jobs SET `+set+` WHERE id = $1 AND attempts = $2 AND state = 'running'`,
		append([]any{j.ID, j.Attempts}, args...), func(br pgx.BatchResults) (err error) {
			tag, err = br.Exec()
			return err
		})
	if err != nil {
		return noSpace(fmt.Errorf("job %d: %w", j.ID, err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("job %d: %w", j.ID, jobs.ErrLeaseLost)
	}
	return nil
}

// Jobs lists the jobs in any of states, oldest first, at most limit.
func (db *DB) Jobs(ctx context.Context, states []jobs.State, limit int) ([]*jobs.Job, error) {
	if len(states) == 0 || limit <= 0 {
		return []*jobs.Job{}, nil
	}
	names := make([]string, len(states))
	for i, s := range states {
		names[i] = string(s)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE state = ANY($1) ORDER BY id LIMIT $2`,
		names, limit)
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
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	return out, nil
}

// JobByID returns one job; jobs.ErrNotFound when there is none.
func (db *DB) JobByID(ctx context.Context, id int64) (*jobs.Job, error) {
	j, err := scanJob(db.pool.QueryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("job %d: %w", id, jobs.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("job %d: %w", id, err)
	}
	return j, nil
}

// RetryJob makes a failed or pending job pending from now with its attempts reset, and
// wakes the runners of every instance.
func (db *DB) RetryJob(ctx context.Context, id int64, now time.Time) error {
	var found bool
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE jobs SET state = 'pending', attempts = 0, run_at = $1, updated = $1
			WHERE id = $2 AND state IN ('pending', 'failed')`, formatTime(now), id)
		if err != nil {
			return err
		}
		if found = tag.RowsAffected() > 0; !found {
			return nil
		}
		_, err = tx.Exec(ctx, notifyJobsSQL)
		return err
	})
	if err != nil {
		return fmt.Errorf("retry job %d: %w", id, err)
	}
	if !found {
		if _, err := db.JobByID(ctx, id); err != nil {
			return err
		}
		return fmt.Errorf("job %d: %w", id, jobs.ErrNotRetryable)
	}
	db.wakeJobs()
	return nil
}

// CountJobs counts the jobs by kind and state, with the earliest run time of the pending
// jobs due at now, for the metrics at each scrape; the index jobs_counts
// (migrations/0011_counts.sql) holds every column it reads, so the done jobs, which are
// kept, cost an index entry each.
func (db *DB) CountJobs(ctx context.Context, now time.Time) ([]jobs.Count, error) {
	rows, err := db.pool.Query(ctx, `SELECT kind, state, count(*),
		min(run_at) FILTER (WHERE state = 'pending' AND run_at <= $1)
		FROM jobs GROUP BY state, kind ORDER BY kind, state`, formatTime(now))
	if err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	defer rows.Close()
	var out []jobs.Count
	for rows.Next() {
		var c jobs.Count
		var state string
		var oldest *string
		if err := rows.Scan(&c.Kind, &state, &c.N, &oldest); err != nil {
			return nil, fmt.Errorf("count jobs: %w", err)
		}
		c.State = jobs.State(state)
		if oldest != nil {
			c.OldestDue = parseTime(*oldest)
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
	tag, err := db.pool.Exec(ctx, `DELETE FROM jobs WHERE state = 'done' AND updated < $1`, formatTime(before))
	if err != nil {
		return 0, fmt.Errorf("prune jobs: %w", err)
	}
	return tag.RowsAffected(), nil
}
