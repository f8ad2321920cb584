package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/indiepub/indiepub/internal/post"
)

// noteURL is a URL pattern for tests: the slug under /notes/.
func noteURL(slug string) string { return "https://example.com/notes/" + slug }

// numberedReq is a numbered create of slug, as CreateNumbered makes it.
func numberedReq(t *testing.T, ctx context.Context, slug string) *createReq {
	t.Helper()
	p := newPost(t, `{"properties":{"content":["Hello"],"category":["greeting"]}}`, noteURL(slug))
	p.Slug = slug
	item, _ := json.Marshal(p.Item)
	return &createReq{ctx: ctx, p: p, item: item, synd: []byte("[]"),
		urlOf: noteURL, base: slug, key: p.URL}
}

// createAt stores a post at noteURL(slug) exactly, as posts stored before slug counters
// existed, or with a slug a client asked for, are.
func createAt(t *testing.T, db *DB, slug string) {
	t.Helper()
	p := newPost(t, `{"properties":{"content":["Hello"]}}`, noteURL(slug))
	p.Slug = slug
	create(t, db, p)
}

func wantURLs(t *testing.T, group []*createReq, want ...string) {
	t.Helper()
	for i, req := range group {
		if req.err != nil {
			t.Errorf("create %d: %v", i, req.err)
			continue
		}
		if req.p.URL != noteURL(want[i]) || req.p.Slug != want[i] {
			t.Errorf("create %d at %s (slug %q), want slug %q", i, req.p.URL, req.p.Slug, want[i])
		}
	}
}

// TestNumberedSameSlugConcurrent creates 2,000 posts of one slug from 16 goroutines:
// each gets its own number, in a run with no gaps, and the numbers come from the counter,
// not from lookups of the URLs already taken.
func TestNumberedSameSlugConcurrent(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	const writers, each = 16, 125
	urls := make(chan string, writers*each)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				p := newPost(t, `{"properties":{"content":["Hello"]}}`, noteURL("hello"))
				p.Slug = "hello"
				if err := db.CreateNumbered(ctx, p, noteURL); err != nil {
					t.Error(err)
					return
				}
				urls <- p.URL
			}
		})
	}
	wg.Wait()
	close(urls)
	seen := map[string]bool{}
	for u := range urls {
		if seen[u] {
			t.Errorf("%s handed out twice", u)
		}
		seen[u] = true
	}
	for n := 1; n <= writers*each; n++ {
		if u := noteURL(post.NthSlug("hello", n)); !seen[u] {
			t.Errorf("%s missing: numbers are not a run", u)
		}
	}
	// Lookups happen only at the slug's first clash, before it has a counter.
	if n := db.urlLookups.Load(); n > 4 {
		t.Errorf("%d URL lookups to number 2,000 posts, want a few at the first clash", n)
	}
	var next int
	db.SQL().QueryRow(`SELECT next FROM slug_counters WHERE url = ?`, noteURL("hello")).Scan(&next)
	if next != writers*each+1 {
		t.Errorf("counter at %d, want %d", next, writers*each+1)
	}
}

// TestNumberedAfterOldPosts numbers a slug whose numbered URLs were taken before the
// counters existed: the first clash finds the end of the run in a few lookups, and the
// next create takes its number from the counter alone.
func TestNumberedAfterOldPosts(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	createAt(t, db, "hello")
	for n := 2; n <= 50; n++ {
		createAt(t, db, post.NthSlug("hello", n))
	}
	group := []*createReq{numberedReq(t, ctx, "hello"), numberedReq(t, ctx, "other"),
		numberedReq(t, ctx, "hello"), numberedReq(t, ctx, "hello")}
	db.commitGroup(group)
	wantURLs(t, group, "hello-51", "other", "hello-52", "hello-53")
	if n := db.urlLookups.Load(); n > 20 {
		t.Errorf("%d URL lookups at the first clash after 50 posts, want about 2·log2(50)", n)
	}
	before := db.urlLookups.Load()
	group = []*createReq{numberedReq(t, ctx, "hello"), numberedReq(t, ctx, "other")}
	db.commitGroup(group)
	wantURLs(t, group, "hello-54", "other-2")
	if n := db.urlLookups.Load() - before; n > 2 {
		t.Errorf("%d URL lookups once hello has a counter, want only other's first clash", n)
	}
}

// TestNumberedSkipsAskedFor: a client asked for hello-3 after the counter of hello was
// at 3; the next hello goes to hello-4, and the counter follows.
func TestNumberedSkipsAskedFor(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	group := []*createReq{numberedReq(t, ctx, "hello"), numberedReq(t, ctx, "hello")}
	db.commitGroup(group)
	wantURLs(t, group, "hello", "hello-2")
	createAt(t, db, "hello-3")
	group = []*createReq{numberedReq(t, ctx, "hello"), numberedReq(t, ctx, "hello-3")}
	db.commitGroup(group)
	wantURLs(t, group, "hello-4", "hello-3-2")
	group = []*createReq{numberedReq(t, ctx, "hello")}
	db.commitGroup(group)
	wantURLs(t, group, "hello-5")
}

// TestNumberedPatternWithoutSlug: when the URL does not follow the slug, no number makes
// a free URL, and the create fails with ErrExists rather than looping.
func TestNumberedPatternWithoutSlug(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	fixed := func(string) string { return "https://example.com/notes/fixed" }
	var errs []error
	for range 2 {
		p := newPost(t, `{"properties":{"content":["Hello"]}}`, fixed(""))
		p.Slug = "hello"
		errs = append(errs, db.CreateNumbered(ctx, p, fixed))
	}
	if errs[0] != nil || !errors.Is(errs[1], post.ErrExists) {
		t.Errorf("errors %v, want nil then ErrExists", errs)
	}
}

// TestNumberedGroupRetried: a group that fails for another reason is retried one create
// at a time, and the numbered creates are numbered again from scratch, with no number
// lost to the rolled-back attempt.
func TestNumberedGroupRetried(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	createAt(t, db, "hello")
	if _, err := db.SQL().Exec(`CREATE TRIGGER refuse BEFORE INSERT ON posts WHEN NEW.slug = 'boom'
		BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END`); err != nil {
		t.Fatal(err)
	}
	group := []*createReq{numberedReq(t, ctx, "hello"), numberedReq(t, ctx, "boom"), numberedReq(t, ctx, "hello")}
	db.commitGroup(group)
	if group[1].err == nil {
		t.Error("boom stored")
	}
	group = []*createReq{group[0], group[2]}
	wantURLs(t, group, "hello-2", "hello-3")
	for i, req := range group {
		if got, err := db.PostByURL(ctx, req.p.URL); err != nil || got.ID != req.id {
			t.Errorf("create %d: stored %v, %v; want id %d", i, got, err, req.id)
		}
	}
	var n int
	db.SQL().QueryRow(`SELECT COUNT(*) FROM posts`).Scan(&n)
	if n != 3 {
		t.Errorf("%d posts, want 3", n)
	}
}
