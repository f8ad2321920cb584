package storetest

import (
	"cmp"
	"errors"
	"slices"

	"github.com/indiepub/indiepub/internal/post"
)

// testListOrderAndCursor: listings are newest first by published time, ties broken by
// the higher ID first; a cursor (post.Cursor of a page's last post) continues exactly
// after that post even when posts are added meanwhile, with or without a tag filter;
// Offset skips; a malformed cursor is post.ErrInvalid.
func testListOrderAndCursor(t TB, s Store) {
	var all []*post.Post
	for i, h := range []int{1, 3, 2, 2, 0, 2, 5, 4} { // three share hour 2
		all = append(all, create(t, s, note(t, "l/"+string(rune('a'+i)), h, "all")))
	}
	newestFirst := func(posts []*post.Post) []string {
		posts = slices.Clone(posts)
		slices.SortFunc(posts, func(a, b *post.Post) int {
			return cmp.Or(b.Published.Compare(a.Published), cmp.Compare(b.ID, a.ID))
		})
		return urls(posts)
	}
	want := newestFirst(all)
	if got := urls(list(t, s, post.Query{Limit: 100})); !sameList(got, want) {
		t.Errorf("listing %q, want %q", got, want)
	}
	if got := urls(list(t, s, post.Query{Limit: 100, Category: "all"})); !sameList(got, want) {
		t.Errorf("tag listing %q, want %q", got, want)
	}
	if got := urls(list(t, s, post.Query{Limit: 3, Offset: 2})); !sameList(got, want[2:5]) {
		t.Errorf("limit 3 offset 2: %q, want %q", got, want[2:5])
	}

	for i, category := range []string{"", "all"} {
		var got []string
		q := post.Query{Limit: 3, Category: category}
		page := list(t, s, q)
		got = append(got, urls(page)...)
		// Posts added after the first page: a newer one must not shift the pages that
		// follow, an older one must come last.
		newer := create(t, s, note(t, "l/newer-"+category, 9+i, "all"))
		older := create(t, s, note(t, "l/older-"+category, -1-i, "all"))
		for len(page) > 0 && len(got) <= 20 {
			q.After = page[len(page)-1].Cursor()
			page = list(t, s, q)
			got = append(got, urls(page)...)
		}
		w := append(slices.Clone(want), urls([]*post.Post{older})...)
		if !sameList(got, w) {
			t.Errorf("pages of 3 (category %q) with cursors: %q, want %q", category, got, w)
		}
		all = append(all, newer, older)
		want = newestFirst(all)
	}

	if _, err := s.ListPosts(t.Context(), post.Query{After: "not a cursor!"}); !errors.Is(err, post.ErrInvalid) {
		t.Errorf("malformed cursor: %v, want post.ErrInvalid", err)
	}
}

// testListFilters: Type, Status and Visibility (any of those given) select posts, as does
// Category (case-insensitively, by post.NormalizeTag); deleted posts are listed only with
// Deleted.
func testListFilters(t TB, s Store) {
	for i, mf2 := range []string{
		`"content":["public"],"category":["Coffee"]`,
		`"content":["draft"],"post-status":["draft"],"category":["coffee"]`,
		`"content":["unlisted"],"visibility":["unlisted"],"category":["Tea"]`,
		`"content":["private"],"visibility":["private"]`,
		`"content":["deleted"],"category":["#COFFEE"]`,
		`"content":["photo"],"photo":["https://example.com/media/p.jpg"]`,
	} {
		p := newPost(t, "f/"+string(rune('1'+i)), `{"properties":{"published":["`+hour(i)+`"],`+mf2+`}}`)
		create(t, s, p)
	}
	deletePost(t, s, site+"f/5", true)
	tests := []struct {
		name string
		q    post.Query
		want []string
	}{
		{"no filter", post.Query{}, []string{"f/6", "f/4", "f/3", "f/2", "f/1"}},
		{"deleted too", post.Query{Deleted: true}, []string{"f/6", "f/5", "f/4", "f/3", "f/2", "f/1"}},
		{"type", post.Query{Type: "photo"}, []string{"f/6"}},
		{"drafts", post.Query{Status: post.StatusDraft}, []string{"f/2"}},
		{"published", post.Query{Status: post.StatusPublished}, []string{"f/6", "f/4", "f/3", "f/1"}},
		{"public", post.Query{Visibility: []string{post.VisibilityPublic}}, []string{"f/6", "f/2", "f/1"}},
		{"public or unlisted", post.Query{Visibility: []string{post.VisibilityPublic, post.VisibilityUnlisted}},
			[]string{"f/6", "f/3", "f/2", "f/1"}},
		{"category", post.Query{Category: "COFFEE"}, []string{"f/2", "f/1"}},
		{"category, deleted too", post.Query{Category: "#coffee", Deleted: true}, []string{"f/5", "f/2", "f/1"}},
		{"the website's", post.Query{Category: "coffee", Status: post.StatusPublished,
			Visibility: []string{post.VisibilityPublic}}, []string{"f/1"}},
		{"unknown category", post.Query{Category: "nothing"}, nil},
		{"unknown type", post.Query{Type: "checkin"}, nil},
	}
	for _, tt := range tests {
		tt.q.Limit = 20
		if got := urls(list(t, s, tt.q)); !sameList(got, tt.want) {
			t.Errorf("%s (%+v): %q, want %q", tt.name, tt.q, got, tt.want)
		}
	}
}

// testTagListingFollowsUpdates: a tag's listing follows its posts as they change: a new
// published time moves a post, a new status filters it, a tag taken off removes it.
func testTagListingFollowsUpdates(t TB, s Store) {
	a := create(t, s, note(t, "u/a", 1, "x"))
	b := create(t, s, note(t, "u/b", 2, "x"))
	q := post.Query{Limit: 10, Category: "x"}
	if got := urls(list(t, s, q)); !sameList(got, []string{"u/b", "u/a"}) {
		t.Fatalf("tag listing %q, want [u/b u/a]", got)
	}
	update(t, s, a.URL, func(p *post.Post) { p.Item.Properties["published"] = []any{hour(3)} })
	if got := urls(list(t, s, q)); !sameList(got, []string{"u/a", "u/b"}) {
		t.Errorf("tag listing after republishing u/a: %q, want [u/a u/b]", got)
	}
	update(t, s, b.URL, func(p *post.Post) { p.Item.Properties["post-status"] = []any{"draft"} })
	published := post.Query{Limit: 10, Category: "x", Status: post.StatusPublished}
	if got := urls(list(t, s, published)); !sameList(got, []string{"u/a"}) {
		t.Errorf("published posts tagged x after u/b became a draft: %q, want [u/a]", got)
	}
	update(t, s, a.URL, func(p *post.Post) { delete(p.Item.Properties, "category") })
	if got := urls(list(t, s, q)); !sameList(got, []string{"u/b"}) {
		t.Errorf("tag listing after u/a lost its tag: %q, want [u/b]", got)
	}
}
