package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// testCreateAndRead: a post reads back as it was written, its mf2 item (nested objects,
// numbers, booleans, the published text as the client wrote it) and its indexed fields.
func testCreateAndRead(t TB, s Store) {
	p := newPost(t, "notes/2024/05/breakfast", `{"type":["h-entry"],"properties":{
		"content":[{"value":"Breakfast","html":"<p>Breakfast</p>"}],
		"published":["2024-05-04T08:30:00+02:00"],"visibility":["unlisted"],
		"category":["Ghent","coffee",{"type":["h-card"],"properties":{"name":["Sam"],"url":["https://sam.example/"]}}],
		"read-of":[{"type":["h-cite"],"properties":{"published":[1969]}}],"rating":[4.5],"rewatch":[true]}}`)
	p.SyndicateTo = []string{"https://social.example/@jane"}
	p.Copies = []post.Copy{{Target: "https://bsky.example/", URL: "https://bsky.example/post/1",
		Status: post.CopyPublished, Attempts: 2, Error: "", Updated: epoch}}
	create(t, s, p)
	got, err := s.PostByURL(t.Context(), p.URL)
	if err != nil {
		t.Fatalf("PostByURL %s: %v", p.URL, err)
	}
	if !reflect.DeepEqual(got.Item, p.Item) {
		t.Errorf("item read back as\n%#v\nwant\n%#v", got.Item, p.Item)
	}
	if got.ID != p.ID || got.URL != p.URL || got.Slug != "breakfast" || got.Type != p.Type ||
		!got.Published.Equal(p.Published) || !got.Updated.IsZero() || got.Deleted ||
		got.Status != post.StatusPublished || got.Visibility != post.VisibilityUnlisted {
		t.Errorf("indexed fields read back as %+v\nwant %+v", got, p)
	}
	if !sameList(got.Categories, []string{"Ghent", "coffee"}) {
		t.Errorf("categories %q, want [Ghent coffee]", got.Categories)
	}
	if !sameList(got.SyndicateTo, p.SyndicateTo) {
		t.Errorf("syndicate-to %q, want %q", got.SyndicateTo, p.SyndicateTo)
	}
	if !reflect.DeepEqual(got.Copies, p.Copies) {
		t.Errorf("copies %+v, want %+v", got.Copies, p.Copies)
	}

	other := create(t, s, note(t, "notes/2024/05/lunch", 1))
	if other.ID == p.ID {
		t.Errorf("two posts share ID %d", p.ID)
	}
}

// testPostNotFound: reading or updating a URL no post has is post.ErrNotFound.
func testPostNotFound(t TB, s Store) {
	create(t, s, note(t, "notes/there", 0))
	if _, err := s.PostByURL(t.Context(), site+"notes/nowhere"); !errors.Is(err, post.ErrNotFound) {
		t.Errorf("PostByURL of an unknown URL: %v, want post.ErrNotFound", err)
	}
	called := false
	_, err := s.UpdatePost(t.Context(), site+"notes/nowhere", func(*post.Post) error {
		called = true
		return nil
	})
	if !errors.Is(err, post.ErrNotFound) || called {
		t.Errorf("UpdatePost of an unknown URL: %v (fn called: %v), want post.ErrNotFound", err, called)
	}
}

// testURLTaken: creating a post at a URL already taken gives post.ErrExists, so that the
// Micropub endpoint tries the next slug; the stored post and its tags stay as they were,
// and nothing of the refused one is stored.
func testURLTaken(t TB, s Store) {
	first := create(t, s, note(t, "notes/hello", 0, "first"))
	second := note(t, "notes/hello", 1, "second")
	err := s.CreatePost(t.Context(), second)
	if !errors.Is(err, post.ErrExists) {
		t.Fatalf("CreatePost at a taken URL: %v, want post.ErrExists", err)
	}
	got, err := s.PostByURL(t.Context(), first.URL)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != first.ID || !got.Published.Equal(first.Published) || !sameList(got.Categories, []string{"first"}) {
		t.Errorf("the stored post became %+v, want the first one", got)
	}
	if n := len(list(t, s, post.Query{Limit: 10})); n != 1 {
		t.Errorf("%d posts listed, want 1", n)
	}
	if c := tagCount(t, s, post.Query{}, "second"); c != 0 {
		t.Errorf("the refused post's tag counts %d posts", c)
	}
}

// testURLTakenInOneGroup: creates racing for the same URLs (which a store may commit
// together, as SQLite's group commit does) each get their own answer: one create per URL
// succeeds, every other one gets post.ErrExists, and the post stored is the one whose
// create succeeded.
func testURLTakenInOneGroup(t TB, s Store) {
	const urlCount, perURL = 8, 4
	create(t, s, note(t, "burst/taken", 0, "burst"))
	type result struct {
		p   *post.Post
		err error
	}
	results := make([]result, 0, (urlCount+1)*perURL)
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for u := range urlCount + 1 {
		name := fmt.Sprintf("burst/%d", u)
		if u == urlCount {
			name = "burst/taken"
		}
		for i := range perURL {
			p := note(t, name, 1+i, "burst", fmt.Sprintf("c%d-%d", u, i))
			wg.Go(func() {
				<-start
				err := s.CreatePost(t.Context(), p)
				mu.Lock()
				results = append(results, result{p, err})
				mu.Unlock()
			})
		}
	}
	close(start)
	wg.Wait()

	winners := map[string]*post.Post{}
	ids := map[int64]bool{}
	for _, r := range results {
		switch {
		case r.err == nil:
			if w := winners[r.p.URL]; w != nil {
				t.Errorf("two creates of %s both succeeded", r.p.URL)
			}
			winners[r.p.URL] = r.p
			if ids[r.p.ID] {
				t.Errorf("ID %d given to two posts", r.p.ID)
			}
			ids[r.p.ID] = true
		case !errors.Is(r.err, post.ErrExists):
			t.Errorf("create of %s: %v, want nil or post.ErrExists", r.p.URL, r.err)
		}
	}
	if w := winners[site+"burst/taken"]; w != nil {
		t.Errorf("a create of the taken URL succeeded")
	}
	for u := range urlCount {
		url := fmt.Sprintf("%sburst/%d", site, u)
		w := winners[url]
		if w == nil {
			t.Errorf("no create of %s succeeded", url)
			continue
		}
		got, err := s.PostByURL(t.Context(), url)
		if err != nil {
			t.Errorf("PostByURL %s: %v", url, err)
			continue
		}
		if got.ID != w.ID || !sameList(got.Categories, w.Categories) {
			t.Errorf("%s holds %d %q, want the successful create's %d %q", url, got.ID, got.Categories, w.ID, w.Categories)
		}
	}
	if c := tagCount(t, s, post.Query{}, "burst"); c != urlCount+1 {
		t.Errorf("tag burst counts %d posts, want %d", c, urlCount+1)
	}
	tags, err := s.TagCounts(t.Context(), post.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != urlCount+1 { // burst and one per successful create
		t.Errorf("%d tags in use, want %d (refused creates' tags stored?): %v", len(tags), urlCount+1, tags)
	}
}

// testUpdateAllOrNothing: UpdatePost writes what fn made of the post, and nothing at all
// when fn fails; a deleted post is still read by URL, marked deleted.
func testUpdateAllOrNothing(t TB, s Store) {
	p := create(t, s, note(t, "notes/edit", 0, "a", "b"))
	refused := errors.New("refused")
	_, err := s.UpdatePost(t.Context(), p.URL, func(p *post.Post) error {
		p.Item.Properties["content"] = []any{"half-done"}
		p.Item.Properties["category"] = []any{"z"}
		if err := p.Reindex(epoch); err != nil {
			return err
		}
		return refused
	})
	if !errors.Is(err, refused) {
		t.Errorf("UpdatePost with a failing fn: %v, want fn's error", err)
	}
	got, err := s.PostByURL(t.Context(), p.URL)
	if err != nil {
		t.Fatal(err)
	}
	if c := got.Item.First("content"); c != "notes/edit" || !sameList(got.Categories, []string{"a", "b"}) {
		t.Errorf("after a failed update: content %q, tags %q; want the post unchanged", c, got.Categories)
	}
	if c := tagCount(t, s, post.Query{}, "z"); c != 0 {
		t.Errorf("a failed update's tag counts %d posts", c)
	}

	edited := epoch.Add(90 * time.Minute)
	updated := update(t, s, p.URL, func(p *post.Post) {
		p.Item.Properties["content"] = []any{"edited"}
		p.Item.Properties["category"] = []any{"b", "c"}
		p.Updated = edited
	})
	for _, got := range []*post.Post{updated, mustPost(t, s, p.URL)} {
		if got.ID != p.ID || got.Item.First("content") != "edited" || !got.Updated.Equal(edited) ||
			!sameList(got.Categories, []string{"b", "c"}) {
			t.Errorf("after an update: %d %q updated %v tags %q; want %d edited %v [b c]",
				got.ID, got.Item.First("content"), got.Updated, got.Categories, p.ID, edited)
		}
	}

	deletePost(t, s, p.URL, true)
	if got := mustPost(t, s, p.URL); !got.Deleted {
		t.Errorf("a deleted post reads back with Deleted false")
	}
}

// mustPost reads the post at url and fails the test if it cannot.
func mustPost(t TB, s Store, url string) *post.Post {
	t.Helper()
	p, err := s.PostByURL(t.Context(), url)
	if err != nil {
		t.Fatalf("PostByURL %s: %v", url, err)
	}
	return p
}
