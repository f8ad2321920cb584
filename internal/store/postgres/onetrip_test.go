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
// would bring them: a group whose URLs are free goes in one round trip with ids taken in
// advance; a group with a URL taken fails that way and is stored the long way, each
// create with its own outcome, and so is the next group; a group that finds no URL taken
// the long way lets the one after go in one round trip again; an id in reserve found
// taken sends the group the long way and lets the reserve go. Every post stored has its
// tag and its PostChanged job; none of a create refused.
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
			req, err := newCreateReq(ctx, testPost(t, u(name), i))
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
		idsUsed   int  // ids taken in advance that the group used: it tried one round trip
		clashedAt bool // the writer's state after the group
	}{
		{names: []string{"a", "b"}, taken: -1, idsUsed: 2},
		{names: []string{"c", "a", "d"}, taken: 1, idsUsed: 3, clashedAt: true},
		{names: []string{"e"}, taken: -1},
		{names: []string{"f", "g"}, taken: -1, idsUsed: 2},
		{names: []string{"h", "h"}, taken: 1, clashedAt: true},
		{names: []string{"i"}, taken: -1},
	}
	stored := 0
	for _, st := range steps {
		g := group(st.names...)
		idsBefore := len(db.ids)
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
			}
		}
		used := idsBefore - len(db.ids)
		if used < 0 { // a block was taken
			used += idBlock
		}
		if used != st.idsUsed {
			t.Errorf("group %v: used %d ids taken in advance, want %d", st.names, used, st.idsUsed)
		}
		if db.clashed != st.clashedAt {
			t.Errorf("group %v: clashed %v after, want %v", st.names, db.clashed, st.clashedAt)
		}
	}
	// An id taken in advance that is taken by now (a site copied in afterwards, say):
	// the group goes the long way and the ids in reserve are let go.
	a, err := db.PostByURL(ctx, u("a"))
	if err != nil {
		t.Fatal(err)
	}
	db.ids = []int64{a.ID, a.ID + 1000}
	g := group("j")
	if err := db.insertGroup(g); err != nil || g[0].err != nil {
		t.Fatalf("group [j] with a taken id in reserve: %v, %v", err, g[0].err)
	}
	stored++
	if g[0].p.ID == a.ID || len(db.ids) != 0 || db.clashed {
		t.Errorf("group [j]: id %d (a's is %d), %d ids in reserve, clashed %v; want a new id, none, false",
			g[0].p.ID, a.ID, len(db.ids), db.clashed)
	}
	if n, err := db.CountPosts(ctx, post.Query{}); err != nil || n != stored {
		t.Errorf("CountPosts = %d, %v; want %d", n, err, stored)
	}
	tags, err := db.TagCounts(ctx, post.Query{})
	if err != nil || len(tags) != 1 || tags[0].Count != stored {
		t.Errorf("TagCounts = %+v, %v; want one tag on %d posts", tags, err, stored)
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
