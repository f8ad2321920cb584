package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/store/postgres/pgtest"
)

// The storage contract runs one store; these tests run several on one database, as
// instances behind one proxy do.

// openN opens n stores on one fresh schema, concurrently, as instances started together.
func openN(t *testing.T, n int) []*DB {
	t.Helper()
	url := pgtest.URL(t)
	dbs := make([]*DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range dbs {
		wg.Go(func() { dbs[i], errs[i] = Open(t.Context(), url) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: Open: %v", i, err)
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	return dbs
}

func testPost(t *testing.T, url string, h int) *post.Post {
	t.Helper()
	it, err := post.Normalize(map[string]any{"type": []any{"h-entry"},
		"properties": map[string]any{"content": []any{url}, "category": []any{"Shared"},
			"published": []any{time.Date(2025, 1, 1, h, 0, 0, 0, time.UTC).Format(time.RFC3339)}}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := post.New(it, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p.URL, p.Slug = url, "hello"
	return p
}

// TestInstancesStartTogether: migrations run once under the advisory lock, however many
// instances open the empty database at the same moment.
func TestInstancesStartTogether(t *testing.T) {
	dbs := openN(t, 4)
	var n, distinct int
	if err := dbs[0].pool.QueryRow(t.Context(), `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).
		Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if n != len(files) || distinct != n {
		t.Errorf("schema_migrations has %d rows (%d versions), want one per migration, %d", n, distinct, len(files))
	}
}

// TestInstancesShareURLs: of two instances creating one URL at once, one stores it and the
// other gets post.ErrExists; numbered creates of one slug on both get distinct URLs.
func TestInstancesShareURLs(t *testing.T) {
	dbs := openN(t, 2)
	const racers = 16
	const site = "https://example.com/notes/"
	urlOf := func(slug string) string { return site + slug }
	for round := range 5 {
		url := fmt.Sprintf("%sonce-%d", site, round)
		errs := make([]error, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() { errs[i] = dbs[i%2].CreatePost(t.Context(), testPost(t, url, i)) })
		}
		wg.Wait()
		stored := 0
		for _, err := range errs {
			switch {
			case err == nil:
				stored++
			case !errors.Is(err, post.ErrExists):
				t.Errorf("CreatePost %s: %v, want nil or ErrExists", url, err)
			}
		}
		if stored != 1 {
			t.Errorf("%d creates of %s succeeded, want 1", stored, url)
		}
	}

	posts := make([]*post.Post, 2*racers)
	errs := make([]error, len(posts))
	var wg sync.WaitGroup
	for i := range posts {
		posts[i] = testPost(t, urlOf("hello"), i%24)
		wg.Go(func() { errs[i] = dbs[i%2].CreateNumbered(t.Context(), posts[i], urlOf) })
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, p := range posts {
		if errs[i] != nil {
			t.Fatalf("CreateNumbered: %v", errs[i])
		}
		if seen[p.URL] {
			t.Errorf("two posts at %s", p.URL)
		}
		seen[p.URL] = true
	}
	for n := 1; n <= len(posts); n++ {
		if u := urlOf(post.NthSlug("hello", n)); !seen[u] {
			t.Errorf("no post at %s: numbers are not consecutive", u)
		}
	}
}

// TestInstancesSeeChanges: a change through one instance moves the change counter that
// the other reads, so its page cache cannot serve the page from before.
func TestInstancesSeeChanges(t *testing.T) {
	dbs := openN(t, 2)
	ctx := t.Context()
	v0, _, err := dbs[1].SiteChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := testPost(t, "https://example.com/notes/seen", 1)
	if err := dbs[0].CreatePost(ctx, p); err != nil {
		t.Fatal(err)
	}
	v1, _, err := dbs[1].SiteChanges(ctx)
	if err != nil || v1 <= v0 {
		t.Fatalf("after a create on the other instance: version %d (%v), want > %d", v1, err, v0)
	}
	if _, err := dbs[0].UpdatePost(ctx, p.URL, func(p *post.Post) error { p.Deleted = true; return nil }); err != nil {
		t.Fatal(err)
	}
	v2, _, err := dbs[1].SiteChanges(ctx)
	if err != nil || v2 <= v1 {
		t.Fatalf("after an update on the other instance: version %d (%v), want > %d", v2, err, v1)
	}
	got, err := dbs[1].PostByURL(ctx, p.URL)
	if err != nil || !got.Deleted {
		t.Errorf("PostByURL on the other instance: %v, %+v; want the deleted post", err, got)
	}
}

// TestConcurrentUpdates: updates of one post from two instances apply one after the
// other (the row lock), none lost.
func TestConcurrentUpdates(t *testing.T) {
	dbs := openN(t, 2)
	p := testPost(t, "https://example.com/notes/counted", 1)
	if err := dbs[0].CreatePost(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := dbs[i%2].UpdatePost(t.Context(), p.URL, func(p *post.Post) error {
				p.Item.Properties["category"] = append(p.Item.Properties["category"], fmt.Sprintf("t%d", i))
				return p.Reindex(time.Now())
			})
			if err != nil {
				t.Errorf("UpdatePost: %v", err)
			}
		})
	}
	wg.Wait()
	got, err := dbs[1].PostByURL(t.Context(), p.URL)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Categories) != n+1 {
		t.Errorf("after %d concurrent updates adding a tag each: %d tags %v, want %d", n, len(got.Categories), got.Categories, n+1)
	}
}

// TestMediaLocker: the lock taken through one instance holds the other off until it is
// released, and a wait ends with its context.
func TestMediaLocker(t *testing.T) {
	dbs := openN(t, 2)
	a, b := MediaLocker{dbs[0]}, MediaLocker{dbs[1]}
	unlock, err := a.Lock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := b.Lock(ctx); err == nil {
		t.Fatal("Lock on the other instance succeeded while the lock was held")
	}
	got := make(chan error, 1)
	go func() {
		u, err := b.Lock(t.Context())
		if err == nil {
			u()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("Lock returned (%v) before the holder released it", err)
	case <-time.After(200 * time.Millisecond):
	}
	unlock()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("Lock after release: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Lock still waiting 30s after the release")
	}
}

// TestInstancesWakeEachOther: a job enqueued on one instance, by EnqueueJobs or with a
// post change, signals JobsEnqueued on the other (LISTEN/NOTIFY), so that its idle runner
// starts at once rather than at its next poll.
func TestInstancesWakeEachOther(t *testing.T) {
	dbs := openN(t, 2)
	a, b := dbs[0], dbs[1]
	// The listener signals once when it starts listening; wait for that and drain it.
	settle := func() {
		for {
			select {
			case <-b.JobsEnqueued():
			case <-time.After(500 * time.Millisecond):
				return
			}
		}
	}
	wait := func(what string) {
		t.Helper()
		select {
		case <-b.JobsEnqueued():
		case <-time.After(10 * time.Second):
			t.Fatalf("no signal on the other instance's JobsEnqueued after %s", what)
		}
	}
	settle()
	if _, err := a.EnqueueJobs(t.Context(), &jobs.Job{Kind: "a", Key: "1"}); err != nil {
		t.Fatal(err)
	}
	wait("EnqueueJobs")
	settle()
	if err := a.CreatePost(t.Context(), testPost(t, "https://example.com/wake", 1)); err != nil {
		t.Fatal(err)
	}
	wait("CreatePost")

	// A listening connection that dies is opened again: the server ends every LISTEN
	// backend, and a later enqueue still wakes the other instance.
	if _, err := a.pool.Exec(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE query = 'LISTEN `+jobsChannel+`' AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * listenRetry)
	settle()
	if _, err := a.EnqueueJobs(t.Context(), &jobs.Job{Kind: "a", Key: "2"}); err != nil {
		t.Fatal(err)
	}
	wait("EnqueueJobs after the listening connection was ended")
}

// TestInstancesClaimEachJobOnce: workers of two instances claiming at once take each job
// exactly once (FOR UPDATE SKIP LOCKED).
func TestInstancesClaimEachJobOnce(t *testing.T) {
	dbs := openN(t, 2)
	const n = 100
	js := make([]*jobs.Job, n)
	for i := range js {
		js[i] = &jobs.Job{Kind: "a", Key: fmt.Sprint(i)}
	}
	if _, err := dbs[0].EnqueueJobs(t.Context(), js...); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for w := range 8 {
		db := dbs[w%2]
		wg.Go(func() {
			for {
				j, err := db.ClaimJob(t.Context(), now, time.Hour, []string{"a"})
				if err != nil {
					t.Errorf("ClaimJob: %v", err)
					return
				}
				if j == nil {
					return
				}
				mu.Lock()
				seen[j.ID]++
				mu.Unlock()
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
