package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/indiepub/indiepub/internal/post"
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
	// Gather is how long a worker that was woken, or that has just emptied the queue,
	// lets changes gather before it claims again; default 20 ms. Creates come in bursts,
	// and every claim is a write to the store that the creates' writer waits for: a batch
	// of post.changed jobs claimed every 20 ms costs the writer little, one claim for each
	// group of creates costs it a third of its time. It bounds how late a job starts on an
	// idle server.
	Gather time.Duration
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
	if c.Gather <= 0 {
		c.Gather = 20 * time.Millisecond
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
	// interests[i] is what listeners[i] may act on; nil for every change.
	interests []Interest

	wake    chan struct{}
	stop    chan struct{}
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	started bool
}

// NewRunner returns a runner of store's jobs; it runs the PostChanged fan-out itself
// (fanOutAll).
func NewRunner(cfg Config, store Store) *Runner {
	cfg.defaults()
	return &Runner{cfg: cfg, store: store, handlers: map[string]Handler{}, wake: make(chan struct{}, 1)}
}

// Handle makes h the handler of kind.
func (r *Runner) Handle(kind string, h Handler) { r.handlers[kind] = h }

// Listen adds a listener of every post change.
func (r *Runner) Listen(l Listener) { r.ListenFor(nil, l) }

// ListenFor adds a listener of the post changes wants accepts (every change when nil).
// The listener may still be told of other changes, those another listener wanted.
func (r *Runner) ListenFor(wants Interest, l Listener) {
	r.listeners = append(r.listeners, l)
	r.interests = append(r.interests, wants)
}

// Wants reports whether a listener may act on c, p being the post as c stores it: the
// store's filter of changes (Store.WatchChanges) once the runner starts. With no listener,
// no change is wanted.
func (r *Runner) Wants(c PostChange, p *post.Post) bool {
	for _, wants := range r.interests {
		if wants == nil || wants(c, p) {
			return true
		}
	}
	return false
}

// Lease is how long a claim holds a job.
func (r *Runner) Lease() time.Duration { return r.cfg.Lease }

// Start starts the workers. They run until Stop; ctx carries only values to the handlers.
func (r *Runner) Start(ctx context.Context) {
	if r.started {
		return
	}
	r.started = true
	// From now on the store enqueues only the changes some listener may act on.
	r.store.WatchChanges(r.Wants)
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

// fanOutBatch is how many PostChanged jobs a worker claims at once. They are quick (the
// listeners read the post and name their jobs), and a burst of creates makes one each:
// claimed and completed a batch at a time, they cost the store's writer two transactions
// a batch instead of two a change, and the creates that made them keep their pace.
const fanOutBatch = 64

// work claims and runs jobs until Stop: a batch of PostChanged jobs, then one job of
// another kind, in turn, so that neither starves the other. A worker that found a full
// batch or a job wakes another and claims again at once, so a burst spreads over the idle
// workers; one that found less waits Gather, and one that found none waits for a signal
// or the poll, then Gather.
func (r *Runner) work(ctx context.Context, kinds []string) {
	poll := time.NewTicker(r.cfg.Poll)
	defer poll.Stop()
	others := slices.DeleteFunc(slices.Clone(kinds), func(k string) bool { return k == PostChanged })
	for {
		select {
		case <-r.stop:
			return
		default:
		}
		// more: the last claim took all it could, so more may be due right now.
		found, more := false, false
		batch, err := r.store.ClaimJobs(ctx, r.cfg.Now(), r.Lease(), []string{PostChanged}, fanOutBatch)
		r.claimFailed(ctx, err)
		if len(batch) > 0 {
			found, more = true, len(batch) == fanOutBatch
			if more {
				r.signal()
			}
			r.fanOutAll(ctx, batch)
		}
		if len(others) > 0 {
			j, err := r.store.ClaimJob(ctx, r.cfg.Now(), r.Lease(), others)
			r.claimFailed(ctx, err)
			if j != nil {
				found, more = true, true
				r.signal()
				r.run(ctx, j)
			}
		}
		if more {
			continue
		}
		if !found {
			select {
			case <-r.stop:
				return
			case <-r.wake:
			case <-poll.C:
			}
		}
		// Let the next changes gather, so that the next claim takes them together.
		select {
		case <-r.stop:
			return
		case <-time.After(r.cfg.Gather):
		}
	}
}

// claimFailed logs a claim that failed for another reason than the runner stopping.
func (r *Runner) claimFailed(ctx context.Context, err error) {
	if err != nil && ctx.Err() == nil {
		// The store may be briefly unable to write (a full disk, a lock held too long):
		// the worker waits for the next signal or poll and claims again.
		r.cfg.Logger.Warn("claim job", "err", err)
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

// fanOutAll runs a batch of claimed PostChanged jobs: it asks every listener for the
// jobs of each change, enqueues them all at once, and records the batch's outcomes
// together. A change whose listener failed is retried on its own schedule; the jobs its
// other listeners asked for are enqueued all the same, and not added twice, by their keys.
func (r *Runner) fanOutAll(ctx context.Context, batch []*Job) {
	runCtx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	var all, done []*Job
	failed := map[*Job]error{}
	for _, j := range batch {
		if j.Attempts > r.cfg.MaxAttempts {
			r.finish(ctx, j, "", fmt.Errorf("%d attempts; last: %s", j.Attempts-1, j.LastError), time.Time{})
			continue
		}
		js, err := r.changeJobs(runCtx, j)
		all = append(all, js...)
		if err != nil {
			failed[j] = err
			continue
		}
		j.Result = fmt.Sprintf("%d jobs", len(js))
		done = append(done, j)
	}
	if _, err := r.store.EnqueueJobs(runCtx, all...); err != nil {
		for _, j := range done {
			failed[j] = err
		}
		done = nil
	}
	if ctx.Err() != nil {
		// Stopped mid-batch: pending again at once, for the next start.
		for _, j := range append(done, slices.Collect(maps.Keys(failed))...) {
			r.finish(context.WithoutCancel(ctx), j, "", fmt.Errorf("stopped: %w", ctx.Err()), r.cfg.Now())
		}
		return
	}
	if len(done) > 0 {
		if err := r.store.CompleteJobs(ctx, done); err != nil {
			// Not lost: a job whose run could not be recorded is claimed again once its
			// lease has passed, and its jobs are not added twice.
			r.cfg.Logger.Warn("record jobs", "kind", PostChanged, "count", len(done), "err", err)
		}
	}
	for j, err := range failed {
		r.cfg.Logger.Warn("job failed", "id", j.ID, "kind", j.Kind, "attempt", j.Attempts, "err", err)
		r.finish(ctx, j, "", err, r.next(j, err))
	}
}

// changeJobs asks every listener for the jobs of the change j carries. A listener that
// fails (or panics) fails the change; the jobs the others asked for are returned with
// the error.
func (r *Runner) changeJobs(ctx context.Context, j *Job) (all []*Job, err error) {
	var c PostChange
	if err := json.Unmarshal(j.Payload, &c); err != nil {
		return nil, Permanent(fmt.Errorf("post change payload: %w", err))
	}
	if c.Change == "" {
		c.Change = j.Key
	}
	var errs []error
	for _, l := range r.listeners {
		js, err := safeListen(ctx, l, c)
		all = append(all, js...)
		errs = append(errs, err)
	}
	return all, errors.Join(errs...)
}

// safeListen calls l, turning a panic into an error.
func safeListen(ctx context.Context, l Listener, c PostChange) (js []*Job, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return l(ctx, c)
}
