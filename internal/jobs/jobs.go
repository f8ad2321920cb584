// Package jobs is indiepub's durable job queue: work that must happen after a request
// (syndication, webmentions, pushes, hub pings) and must not be lost when the process
// dies. Jobs live in the store, are enqueued in the same transaction as the change that
// causes them, and are run by a Runner with leases, retries and backoff.
//
// This file states the types every feature shares; the queue's store contract is in
// internal/store/storetest and the Runner beside this file.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// State is where a job is in its life.
type State string

const (
	Pending State = "pending" // waiting for RunAt
	Running State = "running" // claimed by a worker until its lease ends
	Done    State = "done"    // finished; Result holds what it recorded
	Failed  State = "failed"  // gave up after its last attempt; LastError says why
)

// Job is one unit of work.
type Job struct {
	ID int64
	// Kind names the handler that runs the job ("post.changed", "syndicate", ...).
	Kind string
	// Key identifies the job within its kind: enqueueing a kind and key that already
	// exist is a no-op, so that a fan-out repeated after a crash adds nothing twice. It
	// is also the idempotency key sent with outbound calls.
	Key string
	// Payload is the kind's own JSON.
	Payload []byte
	// Attempts counts the runs started so far.
	Attempts int
	// RunAt is the earliest time of the next attempt.
	RunAt time.Time
	State State
	// LastError is the error of the latest failed attempt.
	LastError string
	// Result is what a successful run recorded (a remote URL, say).
	Result           string
	Created, Updated time.Time
}

// PostChanged is the kind of the job a store enqueues, in the same transaction, with every
// change to a post; its payload is a PostChange.
const PostChanged = "post.changed"

// PostChange is the payload of a PostChanged job.
type PostChange struct {
	URL string `json:"url"`
	// Action is "create", "update", "delete" or "undelete".
	Action string `json:"action"`
	// Change identifies this one change among all changes of all posts (it is the
	// PostChanged job's key): listeners build their jobs' keys from it, so that a fan-out
	// repeated adds nothing and the next change of the same post adds its own jobs.
	Change string `json:"change"`
}

// Post change actions.
const (
	ActionCreate   = "create"
	ActionUpdate   = "update"
	ActionDelete   = "delete"
	ActionUndelete = "undelete"
)

// Handler runs one job. Its result is kept with the job when it succeeds. An error is
// retried with backoff, or after RetryError.After, until the attempts run out; a
// Permanent error fails the job at once.
type Handler func(ctx context.Context, j *Job) (result string, err error)

// RetryError asks for the next attempt no sooner than After (a Retry-After header, say).
type RetryError struct {
	After time.Duration
	Err   error
}

func (e *RetryError) Error() string {
	return fmt.Sprintf("%v (retry after %s)", e.Err, e.After)
}

func (e *RetryError) Unwrap() error { return e.Err }

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as one that no retry will fix: the job fails at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}
