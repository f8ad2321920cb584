package webmention_test

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"willnorris.com/go/microformats"

	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/webmention"
)

// TestShownOnPostPage: a reply, a like, a repost, an RSVP and a mention from real source
// pages show on the post's page in the markup readers parse: the post's h-entry has
// u-like and u-repost h-cites with their authors, and p-comment h-cites with author,
// content, date and url; the counts are on the post's page and the home page. A held one
// shows nowhere, and no third-party image is loaded.
func TestShownOnPostPage(t *testing.T) {
	rv := newReceiving(t, func(c *server.Config) { c.WebmentionModeration = webmention.ModerateAll })
	postURL := rv.createPost(t, "h=entry&content=hello")
	src := newSources(t, postURL)
	src.set("/me.jpg", page{http.StatusOK, "image/png", string(pngPhoto(t, 1))})
	for _, path := range []string{"/reply", "/like", "/repost", "/rsvp", "/mention"} {
		rv.accept(t, src.URL+path, postURL)
	}
	page := get(t, postURL)
	entry := postEntry(t, page, postURL)

	authors := func(prop string) []string {
		var names []string
		for _, v := range entry.Properties[prop] {
			cite, ok := v.(*microformats.Microformat)
			if !ok || cite.Type[0] != "h-cite" {
				t.Errorf("%s value %#v, want an h-cite", prop, v)
				continue
			}
			author, _ := cite.Properties["author"][0].(*microformats.Microformat)
			if author == nil {
				t.Errorf("%s h-cite without an author h-card: %+v", prop, cite.Properties)
				continue
			}
			names = append(names, str(author.Properties["name"]))
			if prop == "comment" && str(cite.Properties["url"]) == src.URL+"/reply" {
				if c := cite.Properties["content"]; len(c) == 0 || !strings.Contains(str(c), "Great post!") {
					t.Errorf("the reply's content %v, want its text", c)
				}
				if str(cite.Properties["published"]) == "" || !strings.HasPrefix(str(author.Properties["photo"]), rv.Cfg.URL+"media/") {
					t.Errorf("the reply's h-cite %+v, author %+v: want its date and the author's photo in the site's media", cite.Properties, author.Properties)
				}
			}
		}
		return names
	}
	for prop, want := range map[string]string{
		"like":    "Bob Liker",
		"repost":  "Carol Reposter",
		"comment": "Alice Example,Dan Guest,Erin Writer",
	} {
		got := authors(prop)
		if strings.Join(slices.Sorted(slices.Values(got)), ",") != want {
			t.Errorf("the post's %s: authors %v, want %s", prop, got, want)
		}
	}
	const counts = "1 like · 1 repost · 1 reply · 2 mentions"
	if !strings.Contains(page, counts) {
		t.Errorf("the post's page does not say %q", counts)
	}
	if home := get(t, rv.Cfg.URL); !strings.Contains(home, counts) {
		t.Errorf("the home page does not say %q under the post", counts)
	}
	if strings.Contains(page, `src="`+src.URL) {
		t.Errorf("the page loads an image from the source's site")
	}

	// A held webmention is not shown.
	held := newReceiving(t)
	postURL = held.createPost(t, "h=entry&content=hello")
	src2 := newSources(t, postURL)
	held.accept(t, src2.URL+"/reply", postURL)
	if page := get(t, postURL); strings.Contains(page, "Alice Example") || strings.Contains(page, "p-comment") {
		t.Errorf("a held reply shows on the post's page")
	}
}

func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	return string(b)
}

// postEntry parses a page's microformats2 and returns the h-entry at postURL.
func postEntry(t *testing.T, page, postURL string) *microformats.Microformat {
	t.Helper()
	base, _ := url.Parse(postURL)
	for _, it := range microformats.Parse(strings.NewReader(page), base).Items {
		if it.Type[0] == "h-entry" && str(it.Properties["url"]) == postURL {
			return it
		}
	}
	t.Fatalf("no h-entry with url %s on its page", postURL)
	return nil
}

// str is a parsed property's first value as text.
func str(vs []any) string {
	if len(vs) == 0 {
		return ""
	}
	switch v := vs[0].(type) {
	case string:
		return v
	case map[string]string:
		return v["value"]
	case *microformats.Microformat:
		return v.Value
	}
	return ""
}
