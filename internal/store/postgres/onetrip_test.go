package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/store/postgres/pgtest"
)

// TestGroupWays drives the writer's groups by hand, in the order a stream of creates
// would bring them: a group whose URLs are free goes in one round trip; a group with a URL taken fails that way and is stored the long way, each
// create with its own outcome, and so is the next group; a group that finds no URL taken
// the long way lets the one after go in one round trip again. Every post stored has its
// id, its tag and its PostChanged job; none of a create refused.
func TestGroupWays(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	u := func(name string) string { return "https://example.com/" + name }
	group := func(names ...string) []*createReq {
		var g []*createReq
		for i, name := range names {
			p := testPost(t, u(name), i)
			p.ClientID = "https://app.example/" + name
			req, err := db.newCreateReq(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			g = append(g, req)
		}
		return g
	}
	steps := []struct {
		names     []string
		taken     int  // the index of the create refused with post.ErrExists, or -1
		oneTrip   bool // stored in one round trip
		clashedAt bool // the writer's state after the group
	}{
		{names: []string{"a", "b"}, taken: -1, oneTrip: true},
		{names: []string{"c", "a", "d"}, taken: 1, clashedAt: true},
		{names: []string{"e"}, taken: -1},
		{names: []string{"f", "g"}, taken: -1, oneTrip: true},
		{names: []string{"h", "h"}, taken: 1, clashedAt: true},
		{names: []string{"i"}, taken: -1},
		{names: []string{"j"}, taken: -1, oneTrip: true},
	}
	stored := 0
	for _, st := range steps {
		g := group(st.names...)
		tripsBefore := db.oneTrips
		if err := db.insertGroup(g); err != nil {
			t.Fatalf("group %v: %v", st.names, err)
		}
		for i, req := range g {
			switch {
			case i == st.taken:
				if !errors.Is(req.err, post.ErrExists) {
					t.Errorf("group %v: create of %s: err %v, want post.ErrExists", st.names, st.names[i], req.err)
				}
			case req.err != nil:
				t.Errorf("group %v: create of %s: %v", st.names, st.names[i], req.err)
			default:
				stored++
				if got, err := db.PostByURL(ctx, req.p.URL); err != nil || got.ID != req.id || req.id == 0 {
					t.Errorf("group %v: create of %s: id %d, stored as %v, %v", st.names, st.names[i], req.id, got, err)
				}
			}
		}
		if got := db.oneTrips > tripsBefore; got != st.oneTrip {
			t.Errorf("group %v: stored in one round trip %v, want %v", st.names, got, st.oneTrip)
		}
		if db.clashed != st.clashedAt {
			t.Errorf("group %v: clashed %v after, want %v", st.names, db.clashed, st.clashedAt)
		}
	}
	if n, err := db.CountPosts(ctx, post.Query{}); err != nil || n != stored {
		t.Errorf("CountPosts = %d, %v; want %d", n, err, stored)
	}
	tags, err := db.TagCounts(ctx, post.Query{})
	if err != nil || len(tags) != 1 || tags[0].Count != stored {
		t.Errorf("TagCounts = %+v, %v; want one tag on %d posts", tags, err, stored)
	}
	for _, name := range []string{"a", "c", "f"} { // one round trip, the long way, again one
		if got, err := db.PostClient(ctx, u(name)); err != nil || got != "https://app.example/"+name {
			t.Errorf("PostClient(%s) = %q, %v; want its app", name, got, err)
		}
	}
	js, err := db.Jobs(ctx, []jobs.State{jobs.Pending}, 100)
	if err != nil {
		t.Fatal(err)
	}
	changed := map[string]int{}
	for _, j := range js {
		if j.Kind == jobs.PostChanged {
			changed[strings.Fields(j.Key)[0]]++
		}
	}
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		if changed[u(name)] != 1 {
			t.Errorf("PostChanged jobs of %s: %d, want 1 (all: %v)", name, changed[u(name)], fmt.Sprint(changed))
		}
	}
}
