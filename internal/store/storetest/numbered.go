package storetest

import (
	"errors"
	"slices"
	"sync"

	"github.com/indiepub/indiepub/internal/post"
)

// testNumberedSlugs: creates racing for a taken slug each get their own URL, at the first
// free numbered slugs (post.NthSlug: hello-2, hello-3…), skipping a number already taken
// (a client asked for hello-3), with p.Slug and p.URL saying where each went.
func testNumberedSlugs(t TB, s Store) {
	const racers = 20
	create(t, s, note(t, "notes/hello", 0, "first"))
	create(t, s, note(t, "notes/hello-3", 1, "chosen"))
	urlOf := func(slug string) string { return site + "notes/" + slug }

	posts := make([]*post.Post, racers)
	errs := make([]error, racers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range posts {
		posts[i] = note(t, "notes/hello", 2+i, "racer")
		wg.Go(func() {
			<-start
			errs[i] = s.CreateNumbered(t.Context(), posts[i], urlOf)
		})
	}
	close(start)
	wg.Wait()

	var got []string
	for i, p := range posts {
		if errs[i] != nil {
			t.Errorf("CreateNumbered of a taken slug: %v, want a numbered URL", errs[i])
			continue
		}
		if p.URL != urlOf(p.Slug) {
			t.Errorf("post stored with slug %q at %s, want %s", p.Slug, p.URL, urlOf(p.Slug))
		}
		stored, err := s.PostByURL(t.Context(), p.URL)
		if err != nil || stored.ID != p.ID {
			t.Errorf("PostByURL %s: %v, ID %v, want ID %d", p.URL, err, stored, p.ID)
		}
		got = append(got, p.Slug)
	}
	var want []string
	for n := 2; len(want) < racers; n++ {
		if n != 3 {
			want = append(want, post.NthSlug("hello", n))
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("numbered slugs %v, want %v", got, want)
	}
	if n := len(list(t, s, post.Query{Limit: 100})); n != racers+2 {
		t.Errorf("%d posts listed, want %d", n, racers+2)
	}
}

// testCreatingApp: the app (client_id) a post was created by is kept with it, for posts
// created one at a time and together; a post created by no app has none, and a URL
// with no post is post.ErrNotFound.
func testCreatingApp(t TB, s Store) {
	urlOf := func(slug string) string { return site + "notes/" + slug }
	apps := []string{"https://app-a.example/", "https://app-b.example/", ""}
	posts := make([]*post.Post, 9)
	errs := make([]error, len(posts))
	var wg sync.WaitGroup
	for i := range posts {
		posts[i] = note(t, "notes/draft", i, "drafts")
		posts[i].ClientID = apps[i%len(apps)]
		wg.Go(func() { errs[i] = s.CreateNumbered(t.Context(), posts[i], urlOf) })
	}
	wg.Wait()
	for i, p := range posts {
		if errs[i] != nil {
			t.Fatalf("CreateNumbered: %v", errs[i])
		}
		got, err := s.PostClient(t.Context(), p.URL)
		if err != nil || got != apps[i%len(apps)] {
			t.Errorf("PostClient %s = %q, %v; want %q", p.URL, got, err, apps[i%len(apps)])
		}
	}
	if _, err := s.PostClient(t.Context(), site+"notes/none"); !errors.Is(err, post.ErrNotFound) {
		t.Errorf("PostClient of no post: %v, want post.ErrNotFound", err)
	}
}
