package storetest

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/post"
)

// newUpload is the record of a file uploaded m minutes after epoch, whose hash is name
// (one hex digit) repeated.
func newUpload(name string, m int) *media.Upload {
	hash := strings.Repeat(name, 64)
	path := hash[:2] + "/" + hash[2:4] + "/" + hash + ".jpg"
	return &media.Upload{URL: site + "media/" + path, Path: path, Hash: hash, Type: "image/jpeg",
		Size: int64(1000 + m), Published: epoch.Add(time.Duration(m) * time.Minute)}
}

func saveUpload(t TB, s Store, u *media.Upload) {
	t.Helper()
	if err := s.SaveUpload(t.Context(), u); err != nil {
		t.Fatalf("SaveUpload %s: %v", u.URL, err)
	}
}

// uploads lists upload records as their URLs' file names, newest first.
func uploads(t TB, s Store, limit, offset int) []string {
	t.Helper()
	list, err := s.Uploads(t.Context(), limit, offset)
	if err != nil {
		t.Fatalf("Uploads(%d, %d): %v", limit, offset, err)
	}
	var out []string
	for _, u := range list {
		out = append(out, u.Hash[:1])
	}
	return out
}

// testMediaRecords: an upload's record is found by its URL as it was saved; Uploads
// lists records newest first with limit and offset (q=last, q=source); a deleted record
// is gone; an unknown URL is media.ErrNotFound for Upload and DeleteUpload.
func testMediaRecords(t TB, s Store) {
	a, b, c := newUpload("a", 1), newUpload("b", 2), newUpload("c", 3)
	for _, u := range []*media.Upload{a, c, b} {
		saveUpload(t, s, u)
	}
	got, err := s.Upload(t.Context(), b.URL)
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if got.URL != b.URL || got.Path != b.Path || got.Hash != b.Hash || got.Type != b.Type || got.Size != b.Size ||
		!got.Published.Equal(b.Published) {
		t.Errorf("upload read back as %+v\nwant %+v", got, b)
	}
	if _, err := s.Upload(t.Context(), site+"media/unknown.jpg"); !errors.Is(err, media.ErrNotFound) {
		t.Errorf("Upload of an unknown URL: %v, want media.ErrNotFound", err)
	}
	for _, tt := range []struct {
		limit, offset int
		want          string
	}{{10, 0, "cba"}, {1, 0, "c"}, {1, 1, "b"}, {10, 2, "a"}, {10, 3, ""}} {
		if got := strings.Join(uploads(t, s, tt.limit, tt.offset), ""); got != tt.want {
			t.Errorf("Uploads(%d, %d): %q, want %q", tt.limit, tt.offset, got, tt.want)
		}
	}
	if err := s.DeleteUpload(t.Context(), b.URL); err != nil {
		t.Fatalf("DeleteUpload: %v", err)
	}
	if _, err := s.Upload(t.Context(), b.URL); !errors.Is(err, media.ErrNotFound) {
		t.Errorf("Upload of a deleted record: %v, want media.ErrNotFound", err)
	}
	if got := strings.Join(uploads(t, s, 10, 0), ""); got != "ca" {
		t.Errorf("Uploads after deleting b: %q, want %q", got, "ca")
	}
	if err := s.DeleteUpload(t.Context(), b.URL); !errors.Is(err, media.ErrNotFound) {
		t.Errorf("DeleteUpload again: %v, want media.ErrNotFound", err)
	}
}

// testMediaSameFile: the same bytes uploaded again (same path) keep one record, which
// becomes the latest upload and takes the URL it was saved with this time (the site may
// have moved).
func testMediaSameFile(t TB, s Store) {
	a, b := newUpload("a", 1), newUpload("b", 2)
	saveUpload(t, s, a)
	saveUpload(t, s, b)
	again := *a
	again.Published = epoch.Add(time.Hour)
	saveUpload(t, s, &again)
	if got := strings.Join(uploads(t, s, 10, 0), ""); got != "ab" {
		t.Errorf("Uploads after a is uploaded again: %q, want %q", got, "ab")
	}
	moved := again
	moved.URL = "https://new.example/media/" + a.Path
	moved.Published = epoch.Add(2 * time.Hour)
	saveUpload(t, s, &moved)
	list, err := s.Uploads(t.Context(), 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].URL != moved.URL || !list[0].Published.Equal(moved.Published) {
		t.Errorf("Uploads after a is saved under a new URL: %+v, want a at %s first, then b", list, moved.URL)
	}
	if got, err := s.Upload(t.Context(), moved.URL); err != nil || got.Path != a.Path {
		t.Errorf("Upload at the new URL: %+v, %v", got, err)
	}
}

// testPostsUsingAFile: PostsReferencing finds the live posts that mention a file's URL
// anywhere in their properties (a photo, a photo with alt text, inside HTML content), as
// the media endpoint's delete and Discard ask before removing a file; newest first, at
// most limit; deleted posts do not count, and a post stops counting once an update takes
// the URL out.
func testPostsUsingAFile(t TB, s Store) {
	m := site + "media/9f/3d/9f3d.jpg"
	amp := site + "media/a&b<c>.png" // encoding/json escapes these in stored JSON
	for i, props := range []string{
		`"photo":["` + m + `"]`,
		`"content":[{"html":"<p><img src=\"` + m + `\" alt=\"\"></p>","value":""}]`,
		`"photo":[{"value":"` + m + `","alt":"A cup"}]`,
		`"photo":["` + m + `"]`,
		`"content":["nothing to see"],"photo":["` + site + `media/other.jpg"]`,
		`"video":["` + amp + `"]`,
	} {
		create(t, s, newPost(t, fmt.Sprintf("m/%d", i+1), `{"properties":{"published":["`+hour(i)+`"],`+props+`}}`))
	}
	deletePost(t, s, site+"m/4", true)
	referencing := func(url string, limit int) []string {
		t.Helper()
		got, err := s.PostsReferencing(t.Context(), url, limit)
		if err != nil {
			t.Fatalf("PostsReferencing %s: %v", url, err)
		}
		for i := range got {
			got[i] = strings.TrimPrefix(got[i], site)
		}
		return got
	}
	for _, tt := range []struct {
		what, url string
		limit     int
		want      []string
	}{
		{"a used file", m, 10, []string{"m/3", "m/2", "m/1"}},
		{"limit 2", m, 2, []string{"m/3", "m/2"}},
		{"a URL with & < >", amp, 10, []string{"m/6"}},
		{"an unused file", site + "media/unused.jpg", 10, nil},
	} {
		if got := referencing(tt.url, tt.limit); !sameList(got, tt.want) {
			t.Errorf("PostsReferencing, %s: %q, want %q", tt.what, got, tt.want)
		}
	}
	deletePost(t, s, site+"m/4", false)
	update(t, s, site+"m/1", func(p *post.Post) { delete(p.Item.Properties, "photo") })
	if got, want := referencing(m, 10), []string{"m/4", "m/3", "m/2"}; !sameList(got, want) {
		t.Errorf("PostsReferencing after undeleting m/4 and taking the photo off m/1: %q, want %q", got, want)
	}
}

// testFilesFollowChanges: which posts use a file follows every change of the posts, in
// every way a post names a file: a Markdown image or link in text content, the href of
// HTML content, a photo with a query (a resized variant), a create numbered past a taken
// slug, updates that swap one file for another or add one, a delete and an undelete.
// Another site's file of the same name is not this site's.
func testFilesFollowChanges(t TB, s Store) {
	a, b, c, d := MediaURL+"aa/a.jpg", MediaURL+"bb/b.pdf", MediaURL+"cc/c.png", MediaURL+"dd/d.jpg"
	for i, props := range []string{
		`"content":["A cup: ![a cup](` + a + ` \"the cup\")."]`,
		`"content":[{"html":"<p>The <a href=\"` + b + `\">paper</a>.</p>","value":"The paper."}]`,
		`"photo":["` + a + `?w=300"]`,
		`"content":["See https://other.example/media/dd/d.jpg and ` + MediaURL + `"]`,
	} {
		create(t, s, newPost(t, fmt.Sprintf("f/%d", i+1), `{"properties":{"published":["`+hour(i)+`"],`+props+`}}`))
	}
	numbered := newPost(t, "f/1", `{"properties":{"published":["`+hour(5)+`"],"photo":["`+d+`"]}}`)
	if err := s.CreateNumbered(t.Context(), numbered, func(slug string) string { return site + "f/" + slug }); err != nil {
		t.Fatalf("CreateNumbered: %v", err)
	}
	using := func(step string, want map[string][]string) {
		t.Helper()
		for _, file := range []string{a, b, c, d} {
			got, err := s.PostsReferencing(t.Context(), file, 10)
			if err != nil {
				t.Fatalf("PostsReferencing %s: %v", file, err)
			}
			for i := range got {
				got[i] = strings.TrimPrefix(got[i], site)
			}
			if !sameList(got, want[file]) {
				t.Errorf("%s: posts using %s: %q, want %q", step, strings.TrimPrefix(file, MediaURL), got, want[file])
			}
		}
	}
	using("after the creates", map[string][]string{a: {"f/3", "f/1"}, b: {"f/2"}, d: {strings.TrimPrefix(numbered.URL, site)}})
	update(t, s, site+"f/1", func(p *post.Post) { p.Item.Properties["content"] = []any{"Now ![a plate](" + c + ")"} })
	update(t, s, site+"f/2", func(p *post.Post) { p.Item.Properties["photo"] = []any{map[string]any{"value": a, "alt": "A cup"}} })
	using("after the updates", map[string][]string{a: {"f/3", "f/2"}, b: {"f/2"}, c: {"f/1"}, d: {strings.TrimPrefix(numbered.URL, site)}})
	deletePost(t, s, site+"f/3", true)
	update(t, s, site+"f/2", func(p *post.Post) { p.Item.Properties["content"] = []any{"No paper."} })
	using("after deleting f/3 and taking the paper off f/2", map[string][]string{a: {"f/2"}, c: {"f/1"}, d: {strings.TrimPrefix(numbered.URL, site)}})
	deletePost(t, s, site+"f/3", false)
	using("after undeleting f/3", map[string][]string{a: {"f/3", "f/2"}, c: {"f/1"}, d: {strings.TrimPrefix(numbered.URL, site)}})
}
