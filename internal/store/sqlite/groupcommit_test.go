package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/indiepub/indiepub/internal/post"
)

func groupOf(t *testing.T, ctx context.Context, urls ...string) []*createReq {
	t.Helper()
	var group []*createReq
	for i, url := range urls {
		p := newPost(t, fmt.Sprintf(`{"properties":{"content":["post %d"],"category":["Shared","t%d"]}}`, i, i), url)
		item, _ := json.Marshal(p.Item)
		group = append(group, &createReq{ctx: ctx, p: p, item: item, synd: []byte("[]")})
	}
	return group
}

// TestGroupDuplicates commits one group holding a URL already stored and a URL twice:
// only those creates fail, with ErrExists, and the rest are stored with their tags.
func TestGroupDuplicates(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	create(t, db, newPost(t, `{"properties":{"content":["old"]}}`, "https://example.com/taken"))
	group := groupOf(t, ctx, "https://example.com/a", "https://example.com/taken", "https://example.com/b", "https://example.com/a")
	db.commitGroup(group)
	for i, wantExists := range []bool{false, true, false, true} {
		if got := errors.Is(group[i].err, post.ErrExists); got != wantExists || (!wantExists && group[i].err != nil) {
			t.Errorf("create %d (%s): err %v, want ErrExists %v", i, group[i].p.URL, group[i].err, wantExists)
		}
	}
	if got, _ := db.PostByURL(ctx, "https://example.com/a"); got == nil || got.ID != group[0].id || got.Item.First("content") != "post 0" {
		t.Errorf("a stored as %+v, want the first create's post", got)
	}
	if got, _ := db.PostByURL(ctx, "https://example.com/taken"); got.Item.First("content") != "old" {
		t.Errorf("taken URL overwritten: %q", got.Item.First("content"))
	}
	if n, _ := db.CountPosts(ctx, post.Query{Category: "shared"}); n != 2 {
		t.Errorf("%d posts tagged shared, want 2", n)
	}
	if n, _ := db.CountPosts(ctx, post.Query{Category: "t3"}); n != 0 {
		t.Errorf("the refused duplicate's tag was linked")
	}
}

// TestGroupFailureIsolated makes one create of a group fail for a reason other than its
// URL: the group is retried one by one, and only that create fails.
func TestGroupFailureIsolated(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	if _, err := db.SQL().Exec(`CREATE TRIGGER refuse BEFORE INSERT ON posts WHEN NEW.slug = 'boom'
		BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END`); err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	group := groupOf(t, ctx, "https://example.com/a", "https://example.com/boom", "https://example.com/c")
	late := groupOf(t, canceled, "https://example.com/late")
	group = append(group, late...)
	db.commitGroup(group)
	if group[0].err != nil || group[2].err != nil {
		t.Errorf("healthy creates failed: %v, %v", group[0].err, group[2].err)
	}
	if group[1].err == nil || errors.Is(group[1].err, post.ErrExists) {
		t.Errorf("boom: %v, want the trigger's error", group[1].err)
	}
	if !errors.Is(group[3].err, context.Canceled) {
		t.Errorf("canceled create: %v", group[3].err)
	}
	for _, url := range []string{"https://example.com/a", "https://example.com/c"} {
		if _, err := db.PostByURL(ctx, url); err != nil {
			t.Errorf("%s: %v", url, err)
		}
	}
	for _, url := range []string{"https://example.com/boom", "https://example.com/late"} {
		if _, err := db.PostByURL(ctx, url); !errors.Is(err, post.ErrNotFound) {
			t.Errorf("%s stored: %v", url, err)
		}
	}
	if n, _ := db.CountPosts(ctx, post.Query{Category: "shared"}); n != 2 {
		t.Errorf("%d posts tagged shared, want 2", n)
	}
	var tags int
	db.SQL().QueryRow(`SELECT COUNT(*) FROM tags WHERE norm IN ('t1', 't3')`).Scan(&tags)
	if tags != 0 {
		t.Errorf("tags of failed creates stored: %d", tags)
	}
}

func TestTagDisplayFirstWritten(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	create(t, db, newPost(t, `{"properties":{"content":["x"],"category":["IndieWeb"]}}`, "https://example.com/1"))
	create(t, db, newPost(t, `{"properties":{"content":["y"],"category":["indieweb","#INDIEWEB"]}}`, "https://example.com/2"))
	got, _ := db.TagCounts(ctx, post.Query{})
	if len(got) != 1 || got[0].Tag != "IndieWeb" || got[0].Count != 2 {
		t.Errorf("TagCounts = %+v, want IndieWeb x2", got)
	}
	p, _ := db.PostByURL(ctx, "https://example.com/2")
	if p.Item.Properties["category"][0] != "indieweb" {
		t.Errorf("the post's own spelling changed: %v", p.Item.Properties["category"])
	}
}

// TestGroupChunks commits groups whose sizes split into several multi-row statements
// (300 = 256+32+8+4, and a duplicate URL in a later chunk than its first create): every
// create gets its own id and tags, and only the repeated URL fails.
func TestGroupChunks(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	urls := make([]string, 300)
	for i := range urls {
		urls[i] = fmt.Sprintf("https://example.com/p%d", i)
	}
	group := groupOf(t, ctx, urls...)
	db.commitGroup(group)
	ids := map[int64]bool{}
	for i, req := range group {
		if req.err != nil || req.id == 0 || ids[req.id] {
			t.Fatalf("create %d: id %d, err %v", i, req.id, req.err)
		}
		ids[req.id] = true
		got, err := db.PostByURL(ctx, urls[i])
		if err != nil || got.ID != req.id || got.Item.First("content") != fmt.Sprintf("post %d", i) {
			t.Fatalf("create %d stored as %+v, %v", i, got, err)
		}
	}
	if n, _ := db.CountPosts(ctx, post.Query{Category: "shared"}); n != 300 {
		t.Errorf("%d posts tagged shared, want 300", n)
	}
	if n, _ := db.CountPosts(ctx, post.Query{Category: "t299"}); n != 1 {
		t.Errorf("%d posts tagged t299, want 1", n)
	}

	// 3 = 2+1: the third create repeats the first's URL from the next chunk.
	group = groupOf(t, ctx, "https://example.com/x", "https://example.com/y", "https://example.com/x")
	db.commitGroup(group)
	for i, wantExists := range []bool{false, false, true} {
		if got := errors.Is(group[i].err, post.ErrExists); got != wantExists || (!wantExists && group[i].err != nil) {
			t.Errorf("create %d (%s): err %v, want ErrExists %v", i, group[i].p.URL, group[i].err, wantExists)
		}
	}
	if got, _ := db.PostByURL(ctx, "https://example.com/x"); got == nil || got.ID != group[0].id {
		t.Errorf("x stored as %+v, want the first create's post", got)
	}
}

func TestChunkLen(t *testing.T) {
	for n, want := range map[int]int{1: 1, 2: 2, 3: 2, 16: 16, 17: 16, 255: 128, 256: 256, 1000: 256} {
		if got := chunkLen(n); got != want {
			t.Errorf("chunkLen(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestGroupsInParallelTransactions runs groups of different sizes in concurrent
// transactions on a fresh store, more of them than the pool has connections: each holds
// or waits for the write lock on its own connection, so a group must not need a second
// one (as preparing a statement of a size not seen before through the pool would).
func TestGroupsInParallelTransactions(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	errs := make(chan error, 16)
	for g := range 16 {
		urls := make([]string, g+1)
		for i := range urls {
			urls[i] = fmt.Sprintf("https://example.com/g%d-%d", g, i)
		}
		group := groupOf(t, ctx, urls...)
		go func() {
			err := db.insertGroup(group)
			for _, req := range group {
				err = errors.Join(err, req.err)
			}
			errs <- err
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n, _ := db.CountPosts(ctx, post.Query{}); n != 16*17/2 {
		t.Errorf("%d posts stored, want %d", n, 16*17/2)
	}
}
