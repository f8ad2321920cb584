package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
)

// allStates are the states a listing of every job asks for.
var allStates = []jobs.State{jobs.Pending, jobs.Running, jobs.Done, jobs.Failed}

// enqueue adds jobs and fails the test if it cannot; it returns how many were new.
func enqueue(t TB, s Store, js ...*jobs.Job) int {
	t.Helper()
	n, err := s.EnqueueJobs(t.Context(), js...)
	if err != nil {
		t.Fatalf("EnqueueJobs: %v", err)
	}
	return n
}

// claim claims a job of kinds at now, failing the test on an error; nil when none.
func claim(t TB, s Store, now time.Time, lease time.Duration, kinds ...string) *jobs.Job {
	t.Helper()
	j, err := s.ClaimJob(t.Context(), now, lease, kinds)
	if err != nil {
		t.Fatalf("ClaimJob at %v: %v", now, err)
	}
	return j
}

// jobByID reads a job, failing the test if it cannot.
func jobByID(t TB, s Store, id int64) *jobs.Job {
	t.Helper()
	j, err := s.JobByID(t.Context(), id)
	if err != nil {
		t.Fatalf("JobByID %d: %v", id, err)
	}
	return j
}

// listJobs lists the jobs in states, failing the test if it cannot.
func listJobs(t TB, s Store, states ...jobs.State) []*jobs.Job {
	t.Helper()
	js, err := s.Jobs(t.Context(), states, 1000)
	if err != nil {
		t.Fatalf("Jobs %v: %v", states, err)
	}
	return js
}

// testJobsEnqueueOnce: a job is identified by its kind and key. Enqueueing one that
// exists adds nothing and reports 0, whatever state the first one is in; the same key
// under another kind is another job. The payload and RunAt are kept.
func testJobsEnqueueOnce(t TB, s Store) {
	at := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	first := &jobs.Job{Kind: "syndicate", Key: "k1", Payload: []byte(`{"a":1}`), RunAt: at}
	if n := enqueue(t, s, first, &jobs.Job{Kind: "webmention", Key: "k1"}); n != 2 {
		t.Errorf("EnqueueJobs of two new jobs added %d, want 2", n)
	}
	if n := enqueue(t, s, &jobs.Job{Kind: "syndicate", Key: "k1", Payload: []byte(`{"a":2}`)}); n != 0 {
		t.Errorf("EnqueueJobs of an existing kind and key added %d, want 0", n)
	}
	all := listJobs(t, s, allStates...)
	if len(all) != 2 {
		t.Fatalf("%d jobs after enqueueing one twice, want 2", len(all))
	}
	j := all[0]
	if j.Kind != "syndicate" || j.Key != "k1" || string(j.Payload) != `{"a":1}` || !j.RunAt.Equal(at) ||
		j.State != jobs.Pending || j.Attempts != 0 || j.ID == 0 {
		t.Errorf("job %+v, want the first one enqueued, pending at %v", j, at)
	}
}

// testJobsClaimLease: a claim takes only due jobs of the kinds asked for, counts the
// attempt and holds the job for its lease; once the lease has passed (the worker died)
// another claim takes it again, and the first claim can no longer complete it
// (jobs.ErrLeaseLost). Completing keeps the result and the job is never claimed again.
func testJobsClaimLease(t TB, s Store) {
	enqueue(t, s, &jobs.Job{Kind: "a", Key: "later", RunAt: time.Now().Add(time.Hour)},
		&jobs.Job{Kind: "b", Key: "other kind"}, &jobs.Job{Kind: "a", Key: "due"})
	now := time.Now()
	const lease = time.Minute
	j := claim(t, s, now, lease, "a")
	if j == nil || j.Key != "due" {
		t.Fatalf("claim at now: %+v, want the due job of kind a", j)
	}
	if j.Attempts != 1 || j.State != jobs.Running {
		t.Errorf("claimed job: attempts %d, state %s; want 1, running", j.Attempts, j.State)
	}
	if again := claim(t, s, now.Add(lease/2), lease, "a"); again != nil {
		t.Fatalf("a claim within the lease took %q, want nothing due", again.Key)
	}
	second := claim(t, s, now.Add(lease+time.Second), lease, "a")
	if second == nil || second.ID != j.ID || second.Attempts != 2 {
		t.Fatalf("claim after the lease: %+v, want job %d again at attempt 2", second, j.ID)
	}
	if err := s.CompleteJob(t.Context(), j, "stale"); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("CompleteJob by the lapsed claim: %v, want jobs.ErrLeaseLost", err)
	}
	if err := s.CompleteJob(t.Context(), second, "https://social.example/1"); err != nil {
		t.Fatalf("CompleteJob: %v", err)
	}
	done := jobByID(t, s, j.ID)
	if done.State != jobs.Done || done.Result != "https://social.example/1" {
		t.Errorf("completed job: state %s, result %q; want done, the second claim's result", done.State, done.Result)
	}
	if j := claim(t, s, now.Add(24*time.Hour), lease, "a"); j != nil && j.Key == "due" {
		t.Errorf("a done job was claimed again")
	}
}

// testJobsFailAndRetry: a failed attempt keeps its error and waits until the time given;
// a final failure leaves the job failed, listed with its last error; a retry by ID makes
// it pending at once with its attempts counted afresh. Retrying a done job or an unknown
// ID is refused.
func testJobsFailAndRetry(t TB, s Store) {
	enqueue(t, s, &jobs.Job{Kind: "a", Key: "flaky"})
	now := time.Now()
	j := claim(t, s, now, time.Minute, "a")
	if j == nil {
		t.Fatal("no job claimed")
	}
	next := now.Add(10 * time.Minute)
	if err := s.FailJob(t.Context(), j, "503 from the server", next); err != nil {
		t.Fatalf("FailJob: %v", err)
	}
	if got := jobByID(t, s, j.ID); got.State != jobs.Pending || got.LastError != "503 from the server" || !got.RunAt.Equal(next.Truncate(time.Nanosecond)) {
		t.Errorf("after a failed attempt: state %s, error %q, run at %v; want pending, the error, %v",
			got.State, got.LastError, got.RunAt, next)
	}
	if early := claim(t, s, next.Add(-time.Second), time.Minute, "a"); early != nil {
		t.Errorf("claimed before its next attempt's time")
	}
	j = claim(t, s, next, time.Minute, "a")
	if j == nil {
		t.Fatal("not claimed at its next attempt's time")
	}
	if err := s.FailJob(t.Context(), j, "401 unauthorized", time.Time{}); err != nil {
		t.Fatalf("FailJob for good: %v", err)
	}
	failed := listJobs(t, s, jobs.Failed)
	if len(failed) != 1 || failed[0].ID != j.ID || failed[0].LastError != "401 unauthorized" || failed[0].Attempts != 2 {
		t.Fatalf("failed jobs %+v, want job %d with its last error and 2 attempts", failed, j.ID)
	}
	if j := claim(t, s, next.Add(24*time.Hour), time.Minute, "a"); j != nil {
		t.Errorf("a failed job was claimed")
	}
	if err := s.RetryJob(t.Context(), j.ID, next); err != nil {
		t.Fatalf("RetryJob: %v", err)
	}
	if got := jobByID(t, s, j.ID); got.State != jobs.Pending || got.Attempts != 0 {
		t.Errorf("retried job: state %s, attempts %d; want pending, 0", got.State, got.Attempts)
	}
	j = claim(t, s, next, time.Minute, "a")
	if j == nil {
		t.Fatal("a retried job was not claimed")
	}
	if err := s.CompleteJob(t.Context(), j, ""); err != nil {
		t.Fatalf("CompleteJob: %v", err)
	}
	if err := s.RetryJob(t.Context(), j.ID, next); !errors.Is(err, jobs.ErrNotRetryable) {
		t.Errorf("RetryJob of a done job: %v, want jobs.ErrNotRetryable", err)
	}
	if err := s.RetryJob(t.Context(), j.ID+1000, next); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("RetryJob of an unknown ID: %v, want jobs.ErrNotFound", err)
	}
	if _, err := s.JobByID(t.Context(), j.ID+1000); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("JobByID of an unknown ID: %v, want jobs.ErrNotFound", err)
	}
}

// testJobsConcurrentClaims: workers claiming at once take each job exactly once.
func testJobsConcurrentClaims(t TB, s Store) {
	const n, workers = 60, 8
	js := make([]*jobs.Job, n)
	for i := range js {
		js[i] = &jobs.Job{Kind: "a", Key: fmt.Sprint(i)}
	}
	enqueue(t, s, js...)
	now := time.Now()
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				j, err := s.ClaimJob(t.Context(), now, time.Hour, []string{"a"})
				if err != nil {
					t.Errorf("ClaimJob: %v", err)
					return
				}
				if j == nil {
					return
				}
				mu.Lock()
				seen[j.ID]++
				stop := seen[j.ID] > 1
				mu.Unlock()
				if stop {
					return
				}
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d jobs claimed, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c > 1 {
			t.Errorf("job %d claimed %d times", id, c)
		}
	}
}

// testJobsBatch: a batch claim takes at most its limit of the due jobs of the kinds asked
// for, in the order they were enqueued, each at its next attempt and held for the lease;
// the next batch takes the rest, and once the lease has passed a batch takes them again.
// Completing a batch records each job's own result; a job whose claim lapsed is left to
// the claim that holds it (jobs.ErrLeaseLost) while the others are done.
func testJobsBatch(t TB, s Store) {
	var js []*jobs.Job
	for i := range 5 {
		js = append(js, &jobs.Job{Kind: "b", Key: fmt.Sprint(i)})
	}
	enqueue(t, s, append(js, &jobs.Job{Kind: "c", Key: "other kind"},
		&jobs.Job{Kind: "b", Key: "later", RunAt: time.Now().Add(time.Hour)})...)
	now := time.Now()
	const lease = time.Minute
	batch := func(at time.Time, limit int) []*jobs.Job {
		t.Helper()
		got, err := s.ClaimJobs(t.Context(), at, lease, []string{"b"}, limit)
		if err != nil {
			t.Fatalf("ClaimJobs: %v", err)
		}
		return got
	}
	keys := func(js []*jobs.Job) string {
		var out []string
		for _, j := range js {
			out = append(out, fmt.Sprintf("%s@%d/%s", j.Key, j.Attempts, j.State))
		}
		return fmt.Sprint(out)
	}
	first := batch(now, 3)
	if got, want := keys(first), "[0@1/running 1@1/running 2@1/running]"; got != want {
		t.Fatalf("first batch of 3: %s, want %s", got, want)
	}
	rest := batch(now, 3)
	if got, want := keys(rest), "[3@1/running 4@1/running]"; got != want {
		t.Fatalf("second batch: %s, want %s (the due jobs of kind b not yet claimed)", got, want)
	}
	if again := batch(now.Add(lease/2), 10); len(again) != 0 {
		t.Fatalf("a batch within the lease took %s, want nothing", keys(again))
	}
	lapsed := batch(now.Add(lease+time.Second), 2)
	if got, want := keys(lapsed), "[0@2/running 1@2/running]"; got != want {
		t.Fatalf("batch after the lease: %s, want %s", got, want)
	}
	for i, j := range first {
		j.Result = fmt.Sprint("result ", i)
	}
	for i, j := range lapsed {
		j.Result = fmt.Sprint("second claim ", i)
	}
	if err := s.CompleteJobs(t.Context(), first); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("CompleteJobs with two lapsed claims: %v, want jobs.ErrLeaseLost", err)
	}
	if err := s.CompleteJobs(t.Context(), lapsed); err != nil {
		t.Fatalf("CompleteJobs: %v", err)
	}
	want := map[string]string{"0": "second claim 0", "1": "second claim 1", "2": "result 2"}
	for _, j := range listJobs(t, s, allStates...) {
		if j.Kind != "b" {
			continue
		}
		if res, ok := want[j.Key]; ok {
			if j.State != jobs.Done || j.Result != res {
				t.Errorf("job %s: %s with result %q, want done with %q", j.Key, j.State, j.Result, res)
			}
		} else if j.State == jobs.Done {
			t.Errorf("job %s done, but no claim that holds it completed it", j.Key)
		}
	}
}

// testJobsConcurrentBatchClaims: workers claiming batches at once take each job exactly
// once.
func testJobsConcurrentBatchClaims(t TB, s Store) {
	const n, workers = 200, 6
	js := make([]*jobs.Job, n)
	for i := range js {
		js[i] = &jobs.Job{Kind: "a", Key: fmt.Sprint(i)}
	}
	enqueue(t, s, js...)
	now := time.Now()
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				batch, err := s.ClaimJobs(t.Context(), now, time.Hour, []string{"a"}, 7)
				if err != nil {
					t.Errorf("ClaimJobs: %v", err)
					return
				}
				if len(batch) == 0 {
					return
				}
				mu.Lock()
				stop := false
				for _, j := range batch {
					seen[j.ID]++
					stop = stop || seen[j.ID] > 1
				}
				mu.Unlock()
				if stop {
					return
				}
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d jobs claimed, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c > 1 {
			t.Errorf("job %d claimed %d times", id, c)
		}
	}
}

// testJobsPostChanges: every change to a post (create, numbered create, update, delete,
// undelete) enqueues a jobs.PostChanged job in the same transaction, its payload the
// post's URL, the action and the change's own key. A change that is not stored (a taken
// URL, an update whose fn fails) enqueues nothing.
func testJobsPostChanges(t TB, s Store) {
	create(t, s, note(t, "j/one", 0))
	numbered := note(t, "j/one", 1)
	if err := s.CreateNumbered(t.Context(), numbered, func(slug string) string { return site + "j/" + slug }); err != nil {
		t.Fatalf("CreateNumbered: %v", err)
	}
	update(t, s, site+"j/one", func(p *post.Post) { p.Item.Properties["content"] = []any{"edited"} })
	deletePost(t, s, site+"j/one", true)
	deletePost(t, s, site+"j/one", false)
	if err := s.CreatePost(t.Context(), note(t, "j/one", 2)); !errors.Is(err, post.ErrExists) {
		t.Fatalf("CreatePost at a taken URL: %v, want post.ErrExists", err)
	}
	_, err := s.UpdatePost(t.Context(), site+"j/one", func(*post.Post) error { return errors.New("refused") })
	if err == nil {
		t.Fatal("UpdatePost whose fn fails succeeded")
	}
	want := []jobs.PostChange{
		{URL: site + "j/one", Action: jobs.ActionCreate},
		{URL: numbered.URL, Action: jobs.ActionCreate},
		{URL: site + "j/one", Action: jobs.ActionUpdate},
		{URL: site + "j/one", Action: jobs.ActionDelete},
		{URL: site + "j/one", Action: jobs.ActionUndelete},
	}
	var got []jobs.PostChange
	keys := map[string]bool{}
	for _, j := range listJobs(t, s, allStates...) {
		if j.Kind != jobs.PostChanged {
			continue
		}
		var c jobs.PostChange
		if err := json.Unmarshal(j.Payload, &c); err != nil {
			t.Fatalf("payload %q: %v", j.Payload, err)
		}
		if c.Change != j.Key || keys[j.Key] {
			t.Errorf("change %q of job key %q: want the job's own key, unique", c.Change, j.Key)
		}
		keys[j.Key] = true
		c.Change = ""
		got = append(got, c)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("post.changed jobs:\n%v\nwant\n%v", got, want)
	}
}

// testJobsEnqueueWakes: JobsEnqueued receives once jobs are added, by EnqueueJobs and by
// a post change, so that an idle runner starts them at once.
func testJobsEnqueueWakes(t TB, s Store) {
	wake := s.JobsEnqueued()
	drain := func() {
		for {
			select {
			case <-wake:
			default:
				return
			}
		}
	}
	wait := func(what string) {
		t.Helper()
		select {
		case <-wake:
		case <-time.After(5 * time.Second):
			t.Errorf("no signal on JobsEnqueued after %s", what)
		}
	}
	drain()
	enqueue(t, s, &jobs.Job{Kind: "a", Key: "1"})
	wait("EnqueueJobs")
	drain()
	create(t, s, note(t, "w/one", 0))
	wait("CreatePost")
	drain()
	update(t, s, site+"w/one", func(p *post.Post) { p.Item.Properties["content"] = []any{"edited"} })
	wait("UpdatePost")
}

// testAwaitingSyndication: the posts awaiting syndication are those, not deleted, whose
// pending list is not empty, oldest first; a post leaves the list when its last target
// does, and when it is deleted.
func testAwaitingSyndication(t TB, s Store) {
	for i, name := range []string{"s/one", "s/none", "s/two", "s/gone"} {
		p := note(t, name, i)
		if name != "s/none" {
			p.SyndicateTo = []string{"https://social.example/@jane"}
		}
		create(t, s, p)
	}
	deletePost(t, s, site+"s/gone", true)
	update(t, s, site+"s/two", func(p *post.Post) { p.SyndicateTo = nil })
	posts, err := s.PostsAwaitingSyndication(t.Context(), 10)
	if err != nil {
		t.Fatalf("PostsAwaitingSyndication: %v", err)
	}
	if got := urls(posts); !sameList(got, []string{"s/one"}) {
		t.Errorf("posts awaiting syndication %q, want [s/one]", got)
	}
}
