package jobs

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is a job ID that names no job.
var ErrNotFound = errors.New("job not found")

// ErrLeaseLost is the answer to completing or failing a claim that no longer holds its
// job: its lease ended and another worker claimed the job again.
var ErrLeaseLost = errors.New("job lease lost")

// ErrNotRetryable is a retry of a job that is running or done.
var ErrNotRetryable = errors.New("job is running or done")

// Count is how many jobs of one kind are in one state.
type Count struct {
	Kind  string
	State State
	N     int
	// OldestDue is the earliest RunAt of the pending jobs counted that were due at the
	// time CountJobs was given: how long the queue has kept work waiting. Zero when none
	// was due (or the state is not Pending).
	OldestDue time.Time
}

// Store is what the Runner and the command line need from storage; the contract is
// stated in internal/store/storetest. A store also enqueues a PostChanged job in the
// same transaction as every change to a post that the filter set by WatchChanges accepts
// (every change until it is set).
type Store interface {
	// WatchChanges sets the filter of post changes: a change for which wants is false
	// is stored without its PostChanged job. ChangeFilter implements it.
	WatchChanges(wants Interest)
	// EnqueueJobs adds jobs, each pending from its RunAt (now when zero). A job whose
	// kind and key exist already is skipped, whatever its state. It returns how many were
	// added.
	EnqueueJobs(ctx context.Context, jobs ...*Job) (int, error)
	// ClaimJob takes the next job of one of kinds that is due at now: pending with RunAt
	// not after now, or running with a lease ended by now (its worker died). It counts
	// the attempt, marks the job running until now+lease and returns it; nil when none is
	// due. Two claims never hold one job at once (SQLite: one write transaction;
	// PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED).
	ClaimJob(ctx context.Context, now time.Time, lease time.Duration, kinds []string) (*Job, error)
	// ClaimJobs is ClaimJob for up to limit jobs at once, in one transaction: the due
	// pending jobs first, soonest first, then lapsed claims. It returns none (and no error)
	// when none is due. The Runner claims the quick PostChanged jobs this way, so that a
	// burst of changes costs a few transactions rather than two for each change.
	ClaimJobs(ctx context.Context, now time.Time, lease time.Duration, kinds []string, limit int) ([]*Job, error)
	// CompleteJob marks the claimed j done with result. It is ErrLeaseLost when the
	// claim no longer holds j.
	CompleteJob(ctx context.Context, j *Job, result string) error
	// CompleteJobs marks each claimed job of js done with its Result, in one
	// transaction. A job whose claim no longer holds it is left as it is, and the error
	// is then ErrLeaseLost; the others are done all the same.
	CompleteJobs(ctx context.Context, js []*Job) error
	// FailJob keeps msg as j's last error and makes it pending again from next, or
	// failed for good when next is zero. It is ErrLeaseLost when the claim no longer
	// holds j.
	FailJob(ctx context.Context, j *Job, msg string, next time.Time) error
	// Jobs lists the jobs in any of states, oldest first, at most limit of them.
	Jobs(ctx context.Context, states []State, limit int) ([]*Job, error)
	// JobByID returns one job; ErrNotFound when there is none.
	JobByID(ctx context.Context, id int64) (*Job, error)
	// RetryJob makes a failed or pending job pending from now, its attempts counted
	// afresh. ErrNotFound when there is no such job, ErrNotRetryable when it is running
	// or done.
	RetryJob(ctx context.Context, id int64, now time.Time) error
	// PruneJobs deletes the done jobs last changed before before, and returns how
	// many; pending, running and failed jobs stay whatever their age.
	PruneJobs(ctx context.Context, before time.Time) (int64, error)
	// JobsEnqueued receives a value after jobs were added (by EnqueueJobs or with a post
	// change), once they are committed, so that an idle Runner starts them at once.
	// Signals may merge: one value can stand for many enqueues.
	JobsEnqueued() <-chan struct{}
}
