package storetest

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// site is the URL the suite's posts and files live under.
const site = "https://example.com/"

// MediaURL is where the suite's files are published: a store under test is opened with
// it as the URL of the site's uploads (the index of the files posts use).
const MediaURL = site + "media/"

// epoch is the suite's fixed clock: posts are published at hours after it.
var epoch = time.Date(2024, 5, 4, 12, 0, 0, 0, time.UTC)

// hour is the published property of a post written h hours after epoch.
func hour(h int) string { return epoch.Add(time.Duration(h) * time.Hour).Format(time.RFC3339) }

// newPost builds a post the way the Micropub endpoint does, from mf2 JSON through
// post.Normalize and post.New, at site+urlPath.
func newPost(t TB, urlPath, mf2 string) *post.Post {
	t.Helper()
	var raw map[string]any
	if err := json.Unmarshal([]byte(mf2), &raw); err != nil {
		t.Fatalf("post %s: %v", urlPath, err)
	}
	it, err := post.Normalize(raw)
	if err != nil {
		t.Fatalf("post %s: %v", urlPath, err)
	}
	p, err := post.New(it, epoch)
	if err != nil {
		t.Fatalf("post %s: %v", urlPath, err)
	}
	p.URL, p.Slug = site+urlPath, path.Base(urlPath)
	return p
}

// note builds a note published h hours after epoch, tagged tags.
func note(t TB, urlPath string, h int, tags ...string) *post.Post {
	t.Helper()
	cats, _ := json.Marshal(tags)
	return newPost(t, urlPath, fmt.Sprintf(`{"type":"h-entry","properties":{"content":["%s"],
		"published":["%s"],"category":%s}}`, urlPath, hour(h), cats))
}

// create stores p and fails the test if it cannot.
func create(t TB, s Store, p *post.Post) *post.Post {
	t.Helper()
	if err := s.CreatePost(t.Context(), p); err != nil {
		t.Fatalf("CreatePost %s: %v", p.URL, err)
	}
	if p.ID == 0 {
		t.Fatalf("CreatePost %s: no ID set", p.URL)
	}
	return p
}

// update changes the post at url with fn, reindexing it as the Micropub endpoint does.
func update(t TB, s Store, url string, fn func(p *post.Post)) *post.Post {
	t.Helper()
	p, err := s.UpdatePost(t.Context(), url, func(p *post.Post) error {
		fn(p)
		return p.Reindex(epoch)
	})
	if err != nil {
		t.Fatalf("UpdatePost %s: %v", url, err)
	}
	return p
}

// deletePost soft-deletes (deleted true) or undeletes the post at url.
func deletePost(t TB, s Store, url string, deleted bool) {
	t.Helper()
	update(t, s, url, func(p *post.Post) { p.Deleted = deleted })
}

// list lists posts and fails the test if it cannot.
func list(t TB, s Store, q post.Query) []*post.Post {
	t.Helper()
	posts, err := s.ListPosts(t.Context(), q)
	if err != nil {
		t.Fatalf("ListPosts %+v: %v", q, err)
	}
	return posts
}

// urls are the posts' URLs, with site cut off for shorter messages.
func urls(posts []*post.Post) []string {
	out := make([]string, len(posts))
	for i, p := range posts {
		out[i] = p.URL[len(site):]
	}
	return out
}

// sameList compares lists of strings; nil and empty are the same.
func sameList(got, want []string) bool {
	return len(got) == len(want) && (len(got) == 0 || slices.Equal(got, want))
}
