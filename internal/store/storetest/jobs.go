package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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

// changeJob is a post.changed job and the change its payload names.
type changeJob struct {
	job    *jobs.Job
	change jobs.PostChange
}

// changeJobs lists the post.changed jobs in any state, oldest first, with their payloads.
func changeJobs(t TB, s Store) []changeJob {
	t.Helper()
	var out []changeJob
	for _, j := range listJobs(t, s, allStates...) {
		if j.Kind != jobs.PostChanged {
			continue
		}
		var c jobs.PostChange
		if err := json.Unmarshal(j.Payload, &c); err != nil {
			t.Fatalf("payload %q: %v", j.Payload, err)
		}
		out = append(out, changeJob{j, c})
	}
	return out
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
	for _, cj := range changeJobs(t, s) {
		j, c := cj.job, cj.change
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

// testJobsPostChangesFiltered: once WatchChanges is given a filter, a change gets its
// PostChanged job only when the filter accepts it; the filter is asked with the change
// (its URL and action) and the post as the change stores it: the URL a numbered create
// got, the content an update wrote. Creates grouped into one commit are each asked
// about (again when the store writes the group a second way, which is no harm: what
// counts is the jobs that commit). A nil filter keeps every change again.
func testJobsPostChangesFiltered(t TB, s Store) {
	var mu sync.Mutex
	asked := map[string]int{} // "url action" -> times asked
	s.WatchChanges(func(c jobs.PostChange, p *post.Post) bool {
		mu.Lock()
		defer mu.Unlock()
		if c.URL != p.URL {
			t.Errorf("filter asked of %s with the post at %s", c.URL, p.URL)
		}
		asked[c.URL+" "+c.Action]++
		content := fmt.Sprint(p.Item.Properties["content"])
		return strings.Contains(content, "wanted")
	})
	defer s.WatchChanges(nil)
	withContent := func(p *post.Post, content string) *post.Post {
		p.Item.Properties["content"] = []any{content}
		return p
	}
	var want []jobs.PostChange
	create(t, s, withContent(note(t, "f/quiet", 0), "nobody listens"))
	create(t, s, withContent(note(t, "f/loud", 0), "wanted"))
	want = append(want, jobs.PostChange{URL: site + "f/loud", Action: jobs.ActionCreate})
	numbered := withContent(note(t, "f/loud", 1), "wanted again")
	if err := s.CreateNumbered(t.Context(), numbered, func(slug string) string { return site + "f/" + slug }); err != nil {
		t.Fatalf("CreateNumbered: %v", err)
	}
	want = append(want, jobs.PostChange{URL: numbered.URL, Action: jobs.ActionCreate})
	// Concurrent creates, so that a store that groups them commits several at once.
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			content := "quiet"
			if i%2 == 0 {
				content = "wanted"
			}
			p := withContent(note(t, fmt.Sprintf("f/many-%d", i), 0), content)
			if err := s.CreatePost(t.Context(), p); err != nil {
				t.Errorf("CreatePost %s: %v", p.URL, err)
			}
		})
	}
	wg.Wait()
	for i := 0; i < 16; i += 2 {
		want = append(want, jobs.PostChange{URL: site + fmt.Sprintf("f/many-%d", i), Action: jobs.ActionCreate})
	}
	update(t, s, site+"f/quiet", func(p *post.Post) { p.Item.Properties["content"] = []any{"now wanted"} })
	want = append(want, jobs.PostChange{URL: site + "f/quiet", Action: jobs.ActionUpdate})
	update(t, s, site+"f/loud", func(p *post.Post) { p.Item.Properties["content"] = []any{"quiet now"} })
	deletePost(t, s, site+"f/quiet", true)
	want = append(want, jobs.PostChange{URL: site + "f/quiet", Action: jobs.ActionDelete})
	mu.Lock()
	for _, k := range []string{"f/quiet create", "f/loud create", "f/many-1 create", "f/many-2 create",
		"f/quiet update", "f/loud update", "f/quiet delete"} {
		if asked[site+k] == 0 {
			t.Errorf("filter never asked of %s", k)
		}
	}
	mu.Unlock()
	s.WatchChanges(nil)
	create(t, s, withContent(note(t, "f/after", 0), "nobody listens"))
	want = append(want, jobs.PostChange{URL: site + "f/after", Action: jobs.ActionCreate})

	got := map[string]bool{}
	for _, cj := range changeJobs(t, s) {
		got[cj.change.URL+" "+cj.change.Action] = true
	}
	wanted := map[string]bool{}
	for _, c := range want {
		wanted[c.URL+" "+c.Action] = true
	}
	for k := range wanted {
		if !got[k] {
			t.Errorf("no post.changed job for %s, which the filter accepted", k)
		}
	}
	for k := range got {
		if !wanted[k] {
			t.Errorf("a post.changed job for %s, which the filter refused", k)
		}
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

// testJobsCounts: CountJobs counts every job by kind and state, and gives for the pending
// ones the earliest RunAt among those due at the time it is given; a kind whose pending
// jobs are all to come has none (the metrics' queue age).
func testJobsCounts(t TB, s Store) {
	now := time.Now().Truncate(time.Millisecond)
	enqueue(t, s,
		&jobs.Job{Kind: "count.a", Key: "late", RunAt: now.Add(-3 * time.Minute)},
		&jobs.Job{Kind: "count.a", Key: "due", RunAt: now.Add(-time.Minute)},
		&jobs.Job{Kind: "count.a", Key: "later", RunAt: now.Add(time.Hour)},
		&jobs.Job{Kind: "count.b", Key: "to-come", RunAt: now.Add(time.Hour)},
		&jobs.Job{Kind: "count.c", Key: "done", RunAt: now.Add(-time.Hour)},
		&jobs.Job{Kind: "count.c", Key: "failed", RunAt: now.Add(-time.Hour)},
		&jobs.Job{Kind: "count.c", Key: "running", RunAt: now.Add(-time.Hour)},
	)
	for _, end := range []string{"done", "failed", "running"} {
		j := claim(t, s, now, time.Hour, "count.c")
		if j == nil {
			t.Fatalf("no count.c job to claim for %s", end)
		}
		switch end {
		case "done":
			if err := s.CompleteJob(t.Context(), j, "ok"); err != nil {
				t.Fatalf("CompleteJob: %v", err)
			}
		case "failed":
			if err := s.FailJob(t.Context(), j, "gone", time.Time{}); err != nil {
				t.Fatalf("FailJob: %v", err)
			}
		}
	}
	got, err := s.CountJobs(t.Context(), now)
	if err != nil {
		t.Fatalf("CountJobs: %v", err)
	}
	type key struct {
		kind  string
		state jobs.State
	}
	counts := map[key]jobs.Count{}
	for _, c := range got {
		counts[key{c.Kind, c.State}] = c
	}
	for k, want := range map[key]int{{"count.a", jobs.Pending}: 3, {"count.b", jobs.Pending}: 1,
		{"count.c", jobs.Done}: 1, {"count.c", jobs.Failed}: 1, {"count.c", jobs.Running}: 1} {
		if counts[k].N != want {
			t.Errorf("CountJobs: %d %s jobs %s, want %d (all: %+v)", counts[k].N, k.kind, k.state, want, got)
		}
	}
	if len(counts) != 5 {
		t.Errorf("CountJobs gave %d kinds and states, want 5: %+v", len(counts), got)
	}
	if a := counts[key{"count.a", jobs.Pending}]; !a.OldestDue.Equal(now.Add(-3 * time.Minute)) {
		t.Errorf("CountJobs: count.a's oldest due %v, want the late job's %v", a.OldestDue, now.Add(-3*time.Minute))
	}
	if b := counts[key{"count.b", jobs.Pending}]; !b.OldestDue.IsZero() {
		t.Errorf("CountJobs: count.b's oldest due %v, want none: its job is to come", b.OldestDue)
	}
}

// testJobsPrune: PruneJobs deletes the done jobs last changed before the time given,
// strictly, and counts them; pending and failed jobs stay, however old.
func testJobsPrune(t TB, s Store) {
	enqueue(t, s, &jobs.Job{Kind: "a", Key: "done 1"}, &jobs.Job{Kind: "a", Key: "done 2"},
		&jobs.Job{Kind: "a", Key: "failed"}, &jobs.Job{Kind: "a", Key: "pending", RunAt: time.Now().Add(time.Hour)})
	now := time.Now()
	var done []*jobs.Job
	for range 3 {
		j := claim(t, s, now, time.Minute, "a")
		if j == nil {
			t.Fatal("no job claimed")
		}
		var err error
		if j.Key == "failed" {
			err = s.FailJob(t.Context(), j, "gone", time.Time{})
		} else {
			err = s.CompleteJob(t.Context(), j, "ok")
			done = append(done, j)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	var first, last time.Time
	for _, j := range done {
		u := jobByID(t, s, j.ID).Updated
		if first.IsZero() || u.Before(first) {
			first = u
		}
		if u.After(last) {
			last = u
		}
	}
	if n, err := s.PruneJobs(t.Context(), first); err != nil || n != 0 {
		t.Errorf("PruneJobs(the first done job's time) = %d, %v; want 0: only jobs done before it go", n, err)
	}
	n, err := s.PruneJobs(t.Context(), last.Add(time.Microsecond).Add(24*time.Hour))
	if err != nil || n != 2 {
		t.Errorf("PruneJobs(after every job) = %d, %v; want the 2 done jobs", n, err)
	}
	for _, j := range done {
		if _, err := s.JobByID(t.Context(), j.ID); !errors.Is(err, jobs.ErrNotFound) {
			t.Errorf("done job %s after the prune: %v, want jobs.ErrNotFound", j.Key, err)
		}
	}
	left := listJobs(t, s, jobs.Pending, jobs.Failed, jobs.Done)
	if len(left) != 2 {
		t.Errorf("after the prune: %d jobs, want the pending and the failed one", len(left))
	}
}
