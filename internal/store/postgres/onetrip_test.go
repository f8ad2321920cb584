package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/store/postgres/pgtest"
)

// tripCounter counts the round trips of a pool's connections, each statement sent alone
// and each pipeline (pgx.Batch) being one, and the COMMITs in pipelines. The listener's
// LISTEN (listen.go), on a connection of its own, is not counted.
type tripCounter struct{ n, commits atomic.Int64 }

func (c *tripCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if !strings.HasPrefix(d.SQL, "LISTEN ") {
		c.n.Add(1)
	}
	return ctx
}

func (c *tripCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *tripCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *tripCounter) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	if d.SQL == "COMMIT" {
		c.commits.Add(1)
	}
}

func (c *tripCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// TestGroupWays drives the writer's groups by hand, in the order a stream of creates
// would bring them, and counts each group's round trips and commits: a group is stored
// in one round trip whether its URLs are free or some are taken (each create refused
// gets post.ErrExists); a group with numbered creates whose slugs are taken (posts
// stored before posted again, one text over and over) takes two, however many clash,
// the numbers following arrival, and after such a group the next commits once; only a
// numbered URL taken anyway goes the long way, which numbers its create past the others. Every
// post stored has its id, its tag, its app and its PostChanged job; a create refused
// leaves none of them.
func TestGroupWays(t *testing.T) {
	ctx := context.Background()
	trips := &tripCounter{}
	db, err := OpenWith(ctx, pgtest.URL(t), Options{tracer: trips})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	u := func(name string) string { return "https://example.com/" + name }
	urlOf := func(slug string) string { return u(slug) }
	// A name starting with "#" is a numbered create (CreateNumbered) of the rest.
	group := func(names ...string) []*createReq {
		var g []*createReq
		for i, name := range names {
			slug, numbered := strings.CutPrefix(name, "#")
			p := testPost(t, u(slug), i)
			p.Slug = slug
			p.ClientID = "https://app.example/" + slug
			req, err := db.newCreateReq(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if numbered {
				req.urlOf, req.base, req.key = urlOf, p.Slug, p.URL
			}
			g = append(g, req)
		}
		return g
	}
	steps := []struct {
		names          []string
		want           []string // each create's URL's last part, or "" for post.ErrExists
		trips, commits int      // round trips and commits, or 0 for any number
	}{
		{[]string{"a", "b"}, []string{"a", "b"}, 1, 1},
		{[]string{"c", "a", "d"}, []string{"c", "", "d"}, 1, 1},
		{[]string{"e"}, []string{"e"}, 1, 1},
		{[]string{"h", "h"}, []string{"h", ""}, 1, 1},
		// The first group whose numbered slugs clash commits twice; the groups after it
		// are expected to clash and commit once.
		{[]string{"#a", "#b", "#f", "#c", "#d"}, []string{"a-2", "b-2", "f", "c-2", "d-2"}, 2, 2},
		{[]string{"#a", "#a", "#g", "#a"}, []string{"a-3", "a-4", "g", "a-5"}, 2, 1},
		{[]string{"#i", "#i", "i"}, []string{"i", "i-2", ""}, 2, 1},
		{[]string{"j"}, []string{"j"}, 2, 1}, // expected to clash, and did not
		{[]string{"k-2"}, []string{"k-2"}, 1, 1},
		// k-2 taken anyway: the second create moves past the third's number.
		{[]string{"#k", "#k", "#k"}, []string{"k", "k-4", "k-3"}, 0, 0},
		{[]string{"l"}, []string{"l"}, 2, 1},
		{[]string{"m"}, []string{"m"}, 1, 1},
	}
	var stored []string
	for _, st := range steps {
		g := group(st.names...)
		before, commitsBefore := trips.n.Load(), trips.commits.Load()
		if rest, err := db.insertGroup(g); err != nil {
			t.Fatalf("group %v: %v (%d creates not stored)", st.names, err, len(rest))
		}
		if got := trips.n.Load() - before; st.trips != 0 && got != int64(st.trips) {
			t.Errorf("group %v: %d round trips, want %d", st.names, got, st.trips)
		}
		if got := trips.commits.Load() - commitsBefore; st.commits != 0 && got != int64(st.commits) {
			t.Errorf("group %v: %d commits, want %d", st.names, got, st.commits)
		}
		for i, req := range g {
			switch {
			case st.want[i] == "":
				if !errors.Is(req.err, post.ErrExists) {
					t.Errorf("group %v: create %d: err %v, want post.ErrExists", st.names, i, req.err)
				}
			case req.err != nil:
				t.Errorf("group %v: create %d: %v", st.names, i, req.err)
			case req.p.URL != u(st.want[i]):
				t.Errorf("group %v: create %d stored at %s, want %s", st.names, i, req.p.URL, u(st.want[i]))
			default:
				stored = append(stored, req.p.URL)
				if got, err := db.PostByURL(ctx, req.p.URL); err != nil || got.ID != req.id || req.id == 0 {
					t.Errorf("group %v: create %d: id %d, stored as %v, %v", st.names, i, req.id, got, err)
				}
				if got, err := db.PostClient(ctx, req.p.URL); err != nil || got != req.p.ClientID {
					t.Errorf("PostClient(%s) = %q, %v; want %q", req.p.URL, got, err, req.p.ClientID)
				}
			}
		}
	}
	if n, err := db.CountPosts(ctx, post.Query{}); err != nil || n != len(stored) {
		t.Errorf("CountPosts = %d, %v; want %d", n, err, len(stored))
	}
	tags, err := db.TagCounts(ctx, post.Query{})
	if err != nil || len(tags) != 1 || tags[0].Count != len(stored) {
		t.Errorf("TagCounts = %+v, %v; want one tag on %d posts", tags, err, len(stored))
	}
	js, err := db.Jobs(ctx, []jobs.State{jobs.Pending}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	changed := map[string]int{}
	for _, j := range js {
		if j.Kind == jobs.PostChanged {
			changed[strings.Fields(j.Key)[0]]++
		}
	}
	for _, url := range stored {
		if changed[url] != 1 {
			t.Errorf("PostChanged jobs of %s: %d, want 1 (all: %v)", url, changed[url], fmt.Sprint(changed))
		}
	}
	if len(changed) != len(stored) {
		t.Errorf("PostChanged jobs of %d posts, want %d (all: %v)", len(changed), len(stored), fmt.Sprint(changed))
	}
}
