package storetest

import (
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// testChangesRise: the change counter behind the website's page cache and Last-Modified
// rises with every change to a post (created, edited, deleted, undeleted), drafts,
// private and backdated posts included, and never falls; the time of the last change is
// when it happened, not the post's published time.
func testChangesRise(t TB, s Store) {
	last, lastAt := changes(t, s)
	steps := []struct {
		what   string
		change func()
	}{
		{"create a post", func() { create(t, s, note(t, "c/public", 0)) }},
		{"create a draft", func() {
			create(t, s, newPost(t, "c/draft", `{"properties":{"content":["d"],"post-status":["draft"]}}`))
		}},
		{"create a private post", func() {
			create(t, s, newPost(t, "c/private", `{"properties":{"content":["p"],"visibility":["private"]}}`))
		}},
		{"create a backdated post", func() {
			create(t, s, newPost(t, "c/old", `{"properties":{"content":["o"],"published":["2001-01-01T00:00:00Z"]}}`))
		}},
		{"edit a post", func() {
			update(t, s, site+"c/public", func(p *post.Post) { p.Item.Properties["content"] = []any{"edited"} })
		}},
		{"edit a draft", func() {
			update(t, s, site+"c/draft", func(p *post.Post) { p.Item.Properties["content"] = []any{"edited"} })
		}},
		{"delete a post", func() { deletePost(t, s, site+"c/public", true) }},
		{"undelete a post", func() { deletePost(t, s, site+"c/public", false) }},
	}
	for _, step := range steps {
		before := time.Now().Truncate(time.Second)
		step.change()
		v, at := changes(t, s)
		if v <= last {
			t.Errorf("%s: counter %d, was %d; want it to rise", step.what, v, last)
		}
		if at.Before(before) || at.Before(lastAt) {
			t.Errorf("%s: last change at %v, want %v or later", step.what, at, later(before, lastAt))
		}
		last, lastAt = v, at
		// Reading it again never finds it lower.
		if again, _ := changes(t, s); again < last {
			t.Errorf("after %s: counter fell from %d to %d", step.what, last, again)
		}
	}
}

func changes(t TB, s Store) (int64, time.Time) {
	t.Helper()
	v, at, err := s.SiteChanges(t.Context())
	if err != nil {
		t.Fatalf("SiteChanges: %v", err)
	}
	return v, at
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
