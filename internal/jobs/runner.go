package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Config sets a Runner's workers and retries; zero fields take the defaults.
type Config struct {
	// Workers is how many jobs run at once; default 2.
	Workers int
	// Timeout is the deadline of one run; default 2 minutes.
	Timeout time.Duration
	// Lease is how long a claim holds its job; default Timeout plus a minute, so that a
	// live worker never loses its job to another. A job whose worker died runs again
	// once its lease has passed.
	Lease time.Duration
	// MaxAttempts is how many runs a job gets before it fails for good; default 10.
	MaxAttempts int
	// Backoff is the wait after a job's first failure, doubled after each further one
	// (with jitter: a wait d is drawn from [d/2, d]) up to MaxBackoff; defaults 10
	// seconds and 1 hour.
	Backoff, MaxBackoff time.Duration
	// Poll is how often an idle runner looks for due jobs it was not told of (retries
	// whose time came, another process's jobs, lapsed leases); default 5 seconds.
	Poll time.Duration
	// Retention is how long a done job is kept (its key too: a job of that kind and key
	// can be enqueued again once it is gone); default 7 days, negative keeps them all.
	// Failed jobs are kept until retried.
	Retention time.Duration
	// PruneEvery is how often the runner deletes the done jobs older than Retention;
	// default 1 hour.
	PruneEvery time.Duration
	// Logger receives failed runs; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (c *Config) defaults() {
	if c.Workers <= 0 {
		c.Workers = 2
	}
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Minute
	}
	if c.Lease <= 0 {
		c.Lease = c.Timeout + time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 10
	}
	if c.Backoff <= 0 {
		c.Backoff = 10 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Hour
	}
	if c.Poll <= 0 {
		c.Poll = 5 * time.Second
	}
	if c.Retention == 0 {
		c.Retention = 7 * 24 * time.Hour
	}
	if c.PruneEvery <= 0 {
		c.PruneEvery = time.Hour
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Listener is told of every post change, once the change is committed, and returns the
// jobs it wants (keyed on PostChange.Change, so that a repeated fan-out adds none twice).
type Listener func(ctx context.Context, c PostChange) ([]*Job, error)

// Runner runs the jobs of a Store with a pool of workers. Register handlers and
// listeners before Start.
type Runner struct {
	cfg       Config
	store     Store
	handlers  map[string]Handler
	listeners []Listener

	wake    chan struct{}
	stop    chan struct{}
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	started bool
}

// NewRunner returns a runner of store's jobs; it runs the PostChanged fan-out itself.
func NewRunner(cfg Config, store Store) *Runner {
	cfg.defaults()
	r := &Runner{cfg: cfg, store: store, handlers: map[string]Handler{}, wake: make(chan struct{}, 1)}
	r.handlers[PostChanged] = r.fanOut
	return r
}

// Handle makes h the handler of kind.
func (r *Runner) Handle(kind string, h Handler) { r.handlers[kind] = h }

// Listen adds a listener of post changes.
func (r *Runner) Listen(l Listener) { r.listeners = append(r.listeners, l) }

// Lease is how long a claim holds a job.
func (r *Runner) Lease() time.Duration { return r.cfg.Lease }

// Start starts the workers. They run until Stop; ctx carries only values to the handlers.
func (r *Runner) Start(ctx context.Context) {
	if r.started {
		return
	}
	r.started = true
	ctx, r.cancel = context.WithCancel(context.WithoutCancel(ctx))
	r.stop = make(chan struct{})
	kinds := make([]string, 0, len(r.handlers))
	for k := range r.handlers {
		kinds = append(kinds, k)
	}
	r.wg.Go(func() { r.forwardWakes() })
	if r.cfg.Retention > 0 {
		r.wg.Go(func() { r.prune(ctx) })
	}
	for range r.cfg.Workers {
		r.wg.Go(func() { r.work(ctx, kinds) })
	}
}

// prune deletes the done jobs older than Retention at the start and every PruneEvery,
// until Stop. Several instances on one store each prune; a delete is the same whoever
// runs it.
func (r *Runner) prune(ctx context.Context) {
	tick := time.NewTicker(r.cfg.PruneEvery)
	defer tick.Stop()
	for {
		n, err := r.store.PruneJobs(ctx, r.cfg.Now().Add(-r.cfg.Retention))
		switch {
		case err != nil && ctx.Err() == nil:
			r.cfg.Logger.Warn("prune done jobs", "err", err)
		case n > 0:
			r.cfg.Logger.Debug("pruned done jobs", "count", n)
		}
		select {
		case <-r.stop:
			return
		case <-tick.C:
		}
	}
}

// Stop stops claiming jobs and waits for the running ones until ctx ends, then cancels
// them: a job cut short is pending again at once, for the next start.
func (r *Runner) Stop(ctx context.Context) error {
	if !r.started {
		return nil
	}
	r.started = false
	close(r.stop)
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		r.cancel()
		return nil
	case <-ctx.Done():
		r.cancel()
		<-done
		return fmt.Errorf("stop jobs: %w", ctx.Err())
	}
}

// forwardWakes passes the store's signals to the workers.
func (r *Runner) forwardWakes() {
	for {
		select {
		case <-r.store.JobsEnqueued():
			r.signal()
		case <-r.stop:
			return
		}
	}
}

// signal wakes one idle worker, merging with a wake not yet taken.
func (r *Runner) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// work claims and runs jobs until Stop. A worker that found a job wakes another, so a
// burst spreads over the idle workers; one that found none waits for a signal or the
// poll.
func (r *Runner) work(ctx context.Context, kinds []string) {
	poll := time.NewTicker(r.cfg.Poll)
	defer poll.Stop()
	for {
		select {
		case <-r.stop:
			return
		default:
		}
		j, err := r.store.ClaimJob(ctx, r.cfg.Now(), r.Lease(), kinds)
		if err != nil && ctx.Err() == nil {
			// The store may be briefly unable to write (a full disk, a lock held too
			// long): the worker waits for the next signal or poll and claims again.
			r.cfg.Logger.Warn("claim job", "err", err)
		}
		if j != nil {
			r.signal()
			r.run(ctx, j)
			continue
		}
		select {
		case <-r.stop:
			return
		case <-r.wake:
		case <-poll.C:
		}
	}
}

// run runs one claimed job and records its outcome.
func (r *Runner) run(ctx context.Context, j *Job) {
	if j.Attempts > r.cfg.MaxAttempts {
		// Its lease lapsed on every attempt: its worker died each time.
		r.finish(ctx, j, "", fmt.Errorf("%d attempts; last: %s", j.Attempts-1, j.LastError), time.Time{})
		return
	}
	h := r.handlers[j.Kind]
	runCtx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	result, err := safeRun(runCtx, h, j)
	cancel()
	if err == nil {
		r.finish(ctx, j, result, nil, time.Time{})
		return
	}
	if ctx.Err() != nil {
		// Stopped mid-run: pending again at once, for the next start.
		r.finish(context.WithoutCancel(ctx), j, "", fmt.Errorf("stopped: %w", err), r.cfg.Now())
		return
	}
	r.cfg.Logger.Warn("job failed", "id", j.ID, "kind", j.Kind, "attempt", j.Attempts, "err", err)
	r.finish(ctx, j, "", err, r.next(j, err))
}

// next is when a job that failed with err runs again; zero when it never does.
func (r *Runner) next(j *Job, err error) time.Time {
	if IsPermanent(err) || j.Attempts >= r.cfg.MaxAttempts {
		return time.Time{}
	}
	var retry *RetryError
	if errors.As(err, &retry) && retry.After > 0 {
		return r.cfg.Now().Add(retry.After)
	}
	return r.cfg.Now().Add(r.backoff(j.Attempts))
}

// backoff is the wait after the n-th failed attempt: Backoff doubled n-1 times, capped
// at MaxBackoff, drawn at random from its upper half so that jobs failing together do not
// come back together.
func (r *Runner) backoff(n int) time.Duration {
	d := r.cfg.Backoff
	for i := 1; i < n && d < r.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, r.cfg.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}

// finish records a run: done with result when err is nil, else failed with err and
// pending again from next (failed for good when next is zero).
func (r *Runner) finish(ctx context.Context, j *Job, result string, err error, next time.Time) {
	var serr error
	if err == nil {
		serr = r.store.CompleteJob(ctx, j, result)
	} else {
		serr = r.store.FailJob(ctx, j, err.Error(), next)
	}
	if serr != nil {
		// Not lost: a job whose run could not be recorded is claimed again once its
		// lease has passed.
		r.cfg.Logger.Warn("record job", "id", j.ID, "kind", j.Kind, "err", serr)
	}
}

// safeRun runs h, turning a panic into a failure of the job and a missing handler into
// a permanent one.
func safeRun(ctx context.Context, h Handler, j *Job) (result string, err error) {
	if h == nil {
		return "", Permanent(fmt.Errorf("no handler for kind %q", j.Kind))
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return h(ctx, j)
}

// fanOut is the PostChanged handler: it asks every listener for its jobs and enqueues
// them. A listener that fails fails the run, which is retried; the jobs already added
// are not added twice, by their keys.
func (r *Runner) fanOut(ctx context.Context, j *Job) (string, error) {
	var c PostChange
	if err := json.Unmarshal(j.Payload, &c); err != nil {
		return "", Permanent(fmt.Errorf("post change payload: %w", err))
	}
	if c.Change == "" {
		c.Change = j.Key
	}
	var all []*Job
	var errs []error
	for _, l := range r.listeners {
		js, err := l(ctx, c)
		all = append(all, js...)
		errs = append(errs, err)
	}
	n, err := r.store.EnqueueJobs(ctx, all...)
	if err != nil {
		return "", err
	}
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d jobs", n), nil
}
