package storetest

import (
	"fmt"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// testListPublishedBy: Query.PublishedBy leaves out the posts published after it (the
// scheduled posts visitors do not see yet), in a plain listing and in a tag's.
func testListPublishedBy(t TB, s Store) {
	for h, u := range []string{"by/a", "by/b", "by/c", "by/d"} {
		create(t, s, note(t, u, h, "garden"))
	}
	for _, tag := range []string{"", "garden"} {
		posts, err := s.ListPosts(t.Context(), post.Query{Limit: 10, Category: tag, PublishedBy: epoch.Add(time.Hour)})
		if err != nil {
			t.Fatalf("ListPosts: %v", err)
		}
		if got := urls(posts); fmt.Sprint(got) != fmt.Sprint([]string{"by/b", "by/a"}) {
			t.Errorf("published by epoch+1h, tag %q: %v, want by/b, by/a", tag, got)
		}
	}
}

// testJobsScheduledChangesWait: the PostChanged job of a change that leaves a post
// scheduled (published, not deleted, its published time still to come) is due at that
// time, so that syndication, webmentions and pushes happen when the post appears; any
// other change's job is due at once.
func testJobsScheduledChangesWait(t TB, s Store) {
	due := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	future := newPost(t, "sched/later", fmt.Sprintf(`{"type":"h-entry","properties":{"content":["later"],"published":["%s"]}}`,
		due.Format(time.RFC3339)))
	create(t, s, future)
	create(t, s, note(t, "sched/now", 0))
	update(t, s, site+"sched/later", func(p *post.Post) { p.Item.Properties["content"] = []any{"edited"} })
	deletePost(t, s, site+"sched/later", true)
	soon := time.Now().Add(time.Minute)
	var got []string
	for _, cj := range changeJobs(t, s) {
		j, c := cj.job, cj.change
		when := "now"
		switch {
		case j.RunAt.Equal(due):
			when = "at its time"
		case j.RunAt.After(soon):
			when = "at " + j.RunAt.String()
		}
		got = append(got, c.URL[len(site):]+" "+c.Action+" "+when)
	}
	want := []string{"sched/later create at its time", "sched/now create now", "sched/later update at its time",
		"sched/later delete now"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("post.changed jobs due:\n%q\nwant\n%q", got, want)
	}
}

// testNextScheduled: NextScheduled is the earliest published time after t of a post
// that is published and not deleted (drafts and deleted posts are not scheduled), zero
// when there is none.
func testNextScheduled(t TB, s Store) {
	next := func(after time.Time) time.Time {
		t.Helper()
		got, err := s.NextScheduled(t.Context(), after)
		if err != nil {
			t.Fatalf("NextScheduled: %v", err)
		}
		return got
	}
	if got := next(epoch); !got.IsZero() {
		t.Errorf("NextScheduled of an empty store: %v, want zero", got)
	}
	create(t, s, note(t, "n/past", 0))
	draft := note(t, "n/draft", 2)
	draft.Status = post.StatusDraft
	create(t, s, draft)
	create(t, s, note(t, "n/gone", 3))
	deletePost(t, s, site+"n/gone", true)
	create(t, s, note(t, "n/later", 5))
	create(t, s, note(t, "n/latest", 7))
	if got, want := next(epoch.Add(time.Hour)), epoch.Add(5*time.Hour); !got.Equal(want) {
		t.Errorf("NextScheduled(epoch+1h) = %v, want %v (the draft and the deleted post do not count)", got, want)
	}
	if got := next(epoch.Add(7 * time.Hour)); !got.IsZero() {
		t.Errorf("NextScheduled after the last post: %v, want zero", got)
	}
}
