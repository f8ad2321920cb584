package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/store/sqlite"
)

func openStore(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// start starts a runner on db with cfg, handlers already registered by setup, and stops
// it when the test ends.
func start(t testing.TB, db *sqlite.DB, cfg jobs.Config, setup func(r *jobs.Runner)) *jobs.Runner {
	t.Helper()
	r := jobs.NewRunner(cfg, db)
	setup(r)
	r.Start(context.Background())
	t.Cleanup(func() { r.Stop(context.Background()) })
	return r
}

func enqueue(t testing.TB, db *sqlite.DB, js ...*jobs.Job) {
	t.Helper()
	if _, err := db.EnqueueJobs(context.Background(), js...); err != nil {
		t.Fatal(err)
	}
}

// waitJob waits until the job of kind and key is in state, and returns it.
func waitJob(t testing.TB, db *sqlite.DB, kind, key string, state jobs.State) *jobs.Job {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last *jobs.Job
	for time.Now().Before(deadline) {
		all, err := db.Jobs(context.Background(), []jobs.State{jobs.Pending, jobs.Running, jobs.Done, jobs.Failed}, 10000)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range all {
			if j.Kind == kind && j.Key == key {
				last = j
				if j.State == state {
					return j
				}
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("job %s %s: %+v, want it %s", kind, key, last, state)
	return nil
}

// idle is a config whose poll is too slow to matter: jobs start only on the store's
// signal.
var idle = jobs.Config{Workers: 2, Poll: time.Hour, Backoff: 10 * time.Millisecond}

func TestJobStartsOnEnqueue(t *testing.T) {
	db := openStore(t)
	started := make(chan time.Time, 10)
	start(t, db, idle, func(r *jobs.Runner) {
		r.Handle("ping", func(ctx context.Context, j *jobs.Job) (string, error) {
			started <- time.Now()
			return "", nil
		})
	})
	time.Sleep(50 * time.Millisecond) // the workers are idle, waiting
	var best time.Duration = time.Hour
	for i := range 5 {
		at := time.Now()
		enqueue(t, db, &jobs.Job{Kind: "ping", Key: fmt.Sprint(i)})
		select {
		case s := <-started:
			best = min(best, s.Sub(at))
		case <-time.After(5 * time.Second):
			t.Fatalf("job %d did not start within 5s of being enqueued (the poll is an hour)", i)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("fastest start after enqueue: %v", best)
	if best > 100*time.Millisecond {
		t.Errorf("fastest start %v after enqueue, want within 100ms", best)
	}
}

func TestRetriesWithBackoff(t *testing.T) {
	db := openStore(t)
	var runs atomic.Int32
	start(t, db, jobs.Config{Workers: 1, Poll: 20 * time.Millisecond, Backoff: 20 * time.Millisecond}, func(r *jobs.Runner) {
		r.Handle("flaky", func(ctx context.Context, j *jobs.Job) (string, error) {
			if runs.Add(1) < 3 {
				return "", fmt.Errorf("attempt %d failed", j.Attempts)
			}
			return "ok", nil
		})
	})
	enqueue(t, db, &jobs.Job{Kind: "flaky", Key: "k"})
	j := waitJob(t, db, "flaky", "k", jobs.Done)
	if j.Attempts != 3 || j.Result != "ok" || j.LastError != "attempt 2 failed" {
		t.Errorf("job %+v, want done at attempt 3 with result ok, the last error kept", j)
	}
}

func TestRetryAfter(t *testing.T) {
	db := openStore(t)
	var first time.Time
	var second atomic.Int64
	start(t, db, jobs.Config{Workers: 1, Poll: 20 * time.Millisecond, Backoff: time.Millisecond}, func(r *jobs.Runner) {
		r.Handle("limited", func(ctx context.Context, j *jobs.Job) (string, error) {
			if j.Attempts == 1 {
				first = time.Now()
				return "", &jobs.RetryError{After: 500 * time.Millisecond, Err: errors.New("429 too many requests")}
			}
			second.Store(int64(time.Since(first)))
			return "", nil
		})
	})
	enqueue(t, db, &jobs.Job{Kind: "limited", Key: "k"})
	waitJob(t, db, "limited", "k", jobs.Done)
	if wait := time.Duration(second.Load()); wait < 500*time.Millisecond {
		t.Errorf("second attempt %v after the first, want at least the 500ms Retry-After", wait)
	}
}

func TestAttemptLimitAndPermanent(t *testing.T) {
	db := openStore(t)
	start(t, db, jobs.Config{Workers: 2, Poll: 20 * time.Millisecond, Backoff: time.Millisecond, MaxAttempts: 3}, func(r *jobs.Runner) {
		r.Handle("broken", func(ctx context.Context, j *jobs.Job) (string, error) {
			return "", fmt.Errorf("boom %d", j.Attempts)
		})
		r.Handle("refused", func(ctx context.Context, j *jobs.Job) (string, error) {
			return "", jobs.Permanent(errors.New("401 unauthorized"))
		})
		r.Handle("panics", func(ctx context.Context, j *jobs.Job) (string, error) {
			panic("nil map")
		})
	})
	enqueue(t, db, &jobs.Job{Kind: "broken", Key: "k"}, &jobs.Job{Kind: "refused", Key: "k"},
		&jobs.Job{Kind: "panics", Key: "k"}, &jobs.Job{Kind: "unknown", Key: "k"})
	if j := waitJob(t, db, "broken", "k", jobs.Failed); j.Attempts != 3 || j.LastError != "boom 3" {
		t.Errorf("always failing job: %d attempts, last error %q; want 3, boom 3", j.Attempts, j.LastError)
	}
	if j := waitJob(t, db, "refused", "k", jobs.Failed); j.Attempts != 1 || j.LastError != "401 unauthorized" {
		t.Errorf("permanent failure: %d attempts, last error %q; want 1, 401 unauthorized", j.Attempts, j.LastError)
	}
	if j := waitJob(t, db, "panics", "k", jobs.Failed); !strings.Contains(j.LastError, "panic: nil map") {
		t.Errorf("panicking job: last error %q, want the panic", j.LastError)
	}
	// A kind with no handler is left alone: another process may run it.
	time.Sleep(100 * time.Millisecond)
	if j := waitJob(t, db, "unknown", "k", jobs.Pending); j.Attempts != 0 {
		t.Errorf("a job of a kind with no handler was claimed")
	}
}

func TestDeadline(t *testing.T) {
	db := openStore(t)
	start(t, db, jobs.Config{Workers: 1, Poll: 20 * time.Millisecond, Timeout: 100 * time.Millisecond, MaxAttempts: 1}, func(r *jobs.Runner) {
		r.Handle("slow", func(ctx context.Context, j *jobs.Job) (string, error) {
			<-ctx.Done()
			return "", ctx.Err()
		})
	})
	enqueue(t, db, &jobs.Job{Kind: "slow", Key: "k"})
	if j := waitJob(t, db, "slow", "k", jobs.Failed); !strings.Contains(j.LastError, "deadline exceeded") {
		t.Errorf("last error %q, want the run's deadline", j.LastError)
	}
}

// TestLapsedLease: a job claimed by a worker that died (here: claimed straight from the
// store, never finished) is run again once its lease has passed.
func TestLapsedLease(t *testing.T) {
	db := openStore(t)
	enqueue(t, db, &jobs.Job{Kind: "orphan", Key: "k"})
	if j, err := db.ClaimJob(context.Background(), time.Now(), 300*time.Millisecond, []string{"orphan"}); err != nil || j == nil {
		t.Fatalf("claim: %v, %v", j, err)
	}
	start(t, db, jobs.Config{Workers: 1, Poll: 20 * time.Millisecond}, func(r *jobs.Runner) {
		r.Handle("orphan", func(ctx context.Context, j *jobs.Job) (string, error) { return "rescued", nil })
	})
	if j := waitJob(t, db, "orphan", "k", jobs.Done); j.Attempts != 2 || j.Result != "rescued" {
		t.Errorf("job %+v, want done at attempt 2", j)
	}
}

func TestGracefulStop(t *testing.T) {
	db := openStore(t)
	release := make(chan struct{})
	running := make(chan struct{}, 2)
	r := jobs.NewRunner(jobs.Config{Workers: 2, Poll: time.Hour}, db)
	r.Handle("finishes", func(ctx context.Context, j *jobs.Job) (string, error) {
		running <- struct{}{}
		<-release
		return "finished", nil
	})
	r.Handle("blocks", func(ctx context.Context, j *jobs.Job) (string, error) {
		running <- struct{}{}
		<-ctx.Done()
		return "", ctx.Err()
	})
	r.Start(context.Background())
	enqueue(t, db, &jobs.Job{Kind: "finishes", Key: "k"}, &jobs.Job{Kind: "blocks", Key: "k"})
	<-running
	<-running
	go func() { time.Sleep(100 * time.Millisecond); close(release) }()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := r.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stop with a job that never ends: %v, want the deadline", err)
	}
	if j := waitJob(t, db, "finishes", "k", jobs.Done); j.Result != "finished" {
		t.Errorf("the job that finished during Stop: %+v", j)
	}
	// The job cut short is pending again, due now, for the next start.
	if j := waitJob(t, db, "blocks", "k", jobs.Pending); time.Until(j.RunAt) > 0 {
		t.Errorf("the job cut short runs again at %v, want at once", j.RunAt)
	}
}

// TestFanOut: a post change reaches every listener, and their jobs run; a fan-out that
// fails and is repeated adds no job twice.
func TestFanOut(t *testing.T) {
	db := openStore(t)
	var mu sync.Mutex
	var changes []jobs.PostChange
	var ran []string
	var failOnce atomic.Bool
	start(t, db, jobs.Config{Workers: 4, Poll: 20 * time.Millisecond, Backoff: 10 * time.Millisecond}, func(r *jobs.Runner) {
		r.Listen(func(ctx context.Context, c jobs.PostChange) ([]*jobs.Job, error) {
			mu.Lock()
			changes = append(changes, c)
			mu.Unlock()
			return []*jobs.Job{{Kind: "echo", Key: c.Change, Payload: []byte(c.Action)}}, nil
		})
		r.Listen(func(ctx context.Context, c jobs.PostChange) ([]*jobs.Job, error) {
			if !failOnce.Swap(true) {
				return nil, errors.New("listener down")
			}
			return nil, nil
		})
		r.Handle("echo", func(ctx context.Context, j *jobs.Job) (string, error) {
			mu.Lock()
			ran = append(ran, string(j.Payload))
			mu.Unlock()
			return "", nil
		})
	})
	p := newPost(t, "https://example.com/notes/a")
	if err := db.CreatePost(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdatePost(context.Background(), p.URL, func(p *post.Post) error { p.Deleted = true; return nil }); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(ran)
		mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(ran)
	if !slices.Equal(ran, []string{"create", "delete"}) {
		t.Errorf("jobs run %q, want one for the create and one for the delete", ran)
	}
	// The first fan-out failed in the second listener and ran again: three calls.
	if len(changes) != 3 || changes[0].URL != p.URL {
		t.Errorf("listener told of %+v, want the create twice (retried) and the delete", changes)
	}
}

func newPost(t testing.TB, url string) *post.Post {
	t.Helper()
	it, err := post.Normalize(map[string]any{"type": []any{"h-entry"}, "properties": map[string]any{"content": []any{"hi"}}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := post.New(it, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p.URL, p.Slug = url, "a"
	return p
}

// countingStore counts the queue's writes that claim and complete jobs.
type countingStore struct {
	*sqlite.DB
	writes atomic.Int64
}

func (s *countingStore) ClaimJob(ctx context.Context, now time.Time, lease time.Duration, kinds []string) (*jobs.Job, error) {
	s.writes.Add(1)
	return s.DB.ClaimJob(ctx, now, lease, kinds)
}

func (s *countingStore) ClaimJobs(ctx context.Context, now time.Time, lease time.Duration, kinds []string, limit int) ([]*jobs.Job, error) {
	s.writes.Add(1)
	return s.DB.ClaimJobs(ctx, now, lease, kinds, limit)
}

func (s *countingStore) CompleteJob(ctx context.Context, j *jobs.Job, result string) error {
	s.writes.Add(1)
	return s.DB.CompleteJob(ctx, j, result)
}

func (s *countingStore) CompleteJobs(ctx context.Context, js []*jobs.Job) error {
	s.writes.Add(1)
	return s.DB.CompleteJobs(ctx, js)
}

// TestFanOutInBatches: a burst of post changes is fanned out a batch at a time, so that
// the queue's own writes stay a small fraction of the changes (two for each change would
// halve the rate of creates that share the store's one writer), and every change is
// told to the listeners once and done.
func TestFanOutInBatches(t *testing.T) {
	db := &countingStore{DB: openStore(t)}
	const n = 300
	var told atomic.Int64
	r := jobs.NewRunner(jobs.Config{Workers: 2, Poll: time.Hour}, db)
	r.Listen(func(ctx context.Context, c jobs.PostChange) ([]*jobs.Job, error) {
		told.Add(1)
		return nil, nil
	})
	// The changes are all stored before the runner starts, as after a burst of creates.
	var wg sync.WaitGroup
	for w := range 10 {
		wg.Go(func() {
			for i := w; i < n; i += 10 {
				if err := db.CreatePost(context.Background(), newPost(t, fmt.Sprintf("https://example.com/notes/%d", i))); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	r.Start(context.Background())
	t.Cleanup(func() { r.Stop(context.Background()) })
	deadline := time.Now().Add(20 * time.Second)
	for told.Load() < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := told.Load(); got != n {
		t.Fatalf("listeners told of %d changes, want %d", got, n)
	}
	waitDone := func() int {
		done, err := db.Jobs(context.Background(), []jobs.State{jobs.Done}, 10*n)
		if err != nil {
			t.Fatal(err)
		}
		return len(done)
	}
	for waitDone() < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := waitDone(); got != n {
		t.Errorf("%d post.changed jobs done, want %d", got, n)
	}
	if w := db.writes.Load(); w > n/10 {
		t.Errorf("%d claims and completions for %d changes, want at most %d (a batch at a time)", w, n, n/10)
	}
}

// TestRunnerPrunesDoneJobs: the runner deletes done jobs once they are older than the
// retention, and keeps failed ones.
func TestRunnerPrunesDoneJobs(t *testing.T) {
	db := openStore(t)
	start(t, db, jobs.Config{Poll: 20 * time.Millisecond, Backoff: time.Millisecond, MaxAttempts: 1,
		Retention: 200 * time.Millisecond, PruneEvery: 20 * time.Millisecond}, func(r *jobs.Runner) {
		r.Handle("ok", func(context.Context, *jobs.Job) (string, error) { return "done", nil })
		r.Handle("bad", func(context.Context, *jobs.Job) (string, error) { return "", errors.New("no") })
	})
	enqueue(t, db, &jobs.Job{Kind: "ok", Key: "k"}, &jobs.Job{Kind: "bad", Key: "k"})
	done := waitJob(t, db, "ok", "k", jobs.Done)
	failed := waitJob(t, db, "bad", "k", jobs.Failed)
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := db.JobByID(context.Background(), done.ID)
		if errors.Is(err, jobs.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the done job is still there 20 s after its retention: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := db.JobByID(context.Background(), failed.ID); err != nil {
		t.Errorf("the failed job was pruned: %v", err)
	}
}

// TestListenersDecideWhatIsEnqueued: once the runner starts, the store enqueues a post
// change only when a listener's interest accepts it (jobs.Runner.Wants), so that a post
// nobody listens for costs no job; the listeners are told of every change enqueued.
// With no listener at all, no change is enqueued.
func TestListenersDecideWhatIsEnqueued(t *testing.T) {
	loud := func(c jobs.PostChange, p *post.Post) bool {
		return c.Action != jobs.ActionCreate || strings.Contains(fmt.Sprint(p.Item.Properties["content"]), "loud")
	}
	for _, c := range []struct {
		name  string
		setup func(r *jobs.Runner, told func(jobs.PostChange))
		want  []string // the changes enqueued, "slug action"
	}{
		{"one interested listener", func(r *jobs.Runner, told func(jobs.PostChange)) {
			r.ListenFor(loud, func(ctx context.Context, c jobs.PostChange) ([]*jobs.Job, error) { told(c); return nil, nil })
		}, []string{"loud create", "quiet update"}},
		{"and a listener of everything", func(r *jobs.Runner, told func(jobs.PostChange)) {
			r.ListenFor(loud, func(ctx context.Context, c jobs.PostChange) ([]*jobs.Job, error) { told(c); return nil, nil })
			r.Listen(func(ctx context.Context, c jobs.PostChange) ([]*jobs.Job, error) { return nil, nil })
		}, []string{"loud create", "quiet create", "quiet update"}},
		{"no listener", func(r *jobs.Runner, told func(jobs.PostChange)) {}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := openStore(t)
			var mu sync.Mutex
			told := map[string]bool{}
			start(t, db, jobs.Config{Workers: 1, Poll: 10 * time.Millisecond}, func(r *jobs.Runner) {
				c.setup(r, func(ch jobs.PostChange) {
					mu.Lock()
					told[ch.URL+" "+ch.Action] = true
					mu.Unlock()
				})
			})
			for _, slug := range []string{"loud", "quiet"} {
				p := newPost(t, "https://example.com/notes/"+slug)
				p.Item.Properties["content"] = []any{slug}
				if err := db.CreatePost(context.Background(), p); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.UpdatePost(context.Background(), "https://example.com/notes/quiet", func(p *post.Post) error {
				p.Item.Properties["content"] = []any{"edited"}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			all, err := db.Jobs(context.Background(), []jobs.State{jobs.Pending, jobs.Running, jobs.Done, jobs.Failed}, 100)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, j := range all {
				if j.Kind == jobs.PostChanged {
					_, rest, _ := strings.Cut(j.Key, "https://example.com/notes/")
					slug, action, _ := strings.Cut(rest, " ")
					action, _, _ = strings.Cut(action, " ")
					got = append(got, slug+" "+action)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("post.changed jobs %q, want %q", got, c.want)
			}
			if c.want == nil {
				return
			}
			waitJob(t, db, jobs.PostChanged, all[len(all)-1].Key, jobs.Done)
			mu.Lock()
			defer mu.Unlock()
			if !told["https://example.com/notes/loud create"] || told["https://example.com/notes/quiet create"] != slices.Contains(c.want, "quiet create") {
				t.Errorf("the interested listener was told of %v", told)
			}
		})
	}
}
