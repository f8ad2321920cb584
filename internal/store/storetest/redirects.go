package storetest

import (
	"errors"
	"fmt"

	"github.com/indiepub/indiepub/internal/post"
)

// testRedirects: a path redirects to the URL it was last given, exactly that path
// (case, trailing slash and all), and a path never given is post.ErrNotFound.
func testRedirects(t TB, s Store) {
	ctx := t.Context()
	if _, err := s.Redirect(ctx, "/2019/05/hello/"); !errors.Is(err, post.ErrNotFound) {
		t.Errorf("Redirect of an unknown path: %v, want post.ErrNotFound", err)
	}
	for path, target := range map[string]string{
		"/2019/05/hello/":    site + "articles/2019/05/hello",
		"/2019/05/hello":     site + "notes/2019/05/hello",
		"/about/":            site + "articles/2019/01/about",
		"/2019/05/caf%C3%A9": site + "notes/2019/05/cafe",
	} {
		if err := s.AddRedirect(ctx, path, target); err != nil {
			t.Fatalf("AddRedirect(%s): %v", path, err)
		}
	}
	if err := s.AddRedirect(ctx, "/about/", site+"articles/2020/01/about"); err != nil {
		t.Fatalf("AddRedirect again: %v", err)
	}
	for path, want := range map[string]string{
		"/2019/05/hello/":    site + "articles/2019/05/hello",
		"/2019/05/hello":     site + "notes/2019/05/hello",
		"/about/":            site + "articles/2020/01/about",
		"/2019/05/caf%C3%A9": site + "notes/2019/05/cafe",
	} {
		got, err := s.Redirect(ctx, path)
		if err != nil || got != want {
			t.Errorf("Redirect(%s) = %q, %v; want %q", path, got, err, want)
		}
	}
	// The paths that lead to a URL, in order; none for a URL nothing redirects to, and
	// not a path pointed elsewhere since.
	if err := s.AddRedirect(ctx, "/2019/05/hello.html", site+"articles/2019/05/hello"); err != nil {
		t.Fatal(err)
	}
	for target, want := range map[string]string{
		site + "articles/2019/05/hello": "[/2019/05/hello.html /2019/05/hello/]",
		site + "articles/2020/01/about": "[/about/]",
		site + "articles/2019/01/about": "[]",
		site + "notes/2019/05/nowhere":  "[]",
	} {
		got, err := s.RedirectsTo(ctx, target)
		if err != nil || fmt.Sprint(got) != want {
			t.Errorf("RedirectsTo(%s) = %v, %v; want %s", target, got, err, want)
		}
	}
	for _, path := range []string{"/About/", "/2019/05/", "/2019/05/hello//"} {
		if got, err := s.Redirect(ctx, path); !errors.Is(err, post.ErrNotFound) {
			t.Errorf("Redirect(%s) = %q, %v; want post.ErrNotFound", path, got, err)
		}
	}
}
