package site_test

import (
	"testing"
)

// The home page's and a tag page's h-feed name their own URL and the owner as author, and
// every entry in them has the owner's h-card with the photo as author.
func TestHFeedURLAndAuthor(t *testing.T) {
	ts := newSite(t)
	ts.createPost(t, item(t, readFixture(t, "quill-note.form")))
	ts.createPost(t, item(t, readFixture(t, "ownyourswarm-checkin.json")))
	for _, path := range []string{"/", "/tags/coffee"} {
		items, body := ts.page(t, path)
		feeds := findMF2(items, "h-feed")
		if len(feeds) != 1 {
			t.Fatalf("%s: %d h-feed, want 1\n%s", path, len(feeds), body)
		}
		f := feeds[0]
		if want := ts.URL + path; f.get("url") != want {
			t.Errorf("%s: h-feed url %q, want %q", path, f.get("url"), want)
		}
		checkOwner(t, path+" h-feed", f.nested("author"), ts)
		entries := findMF2(f.Children, "h-entry")
		if len(entries) != 2 {
			t.Errorf("%s: %d h-entry in the h-feed, want 2", path, len(entries))
		}
		for _, e := range entries {
			checkOwner(t, path+" "+e.get("url"), e.nested("author"), ts)
		}
		if t.Failed() {
			t.Logf("%s:\n%s", path, body)
		}
	}
}

// checkOwner wants an author that is the owner's h-card with name, url and photo.
func checkOwner(t *testing.T, where string, author *mf2, ts *testSite) {
	t.Helper()
	if author == nil || !author.is("h-card") {
		t.Errorf("%s: author %+v, want an h-card", where, author)
		return
	}
	if author.get("name") != ts.Cfg.Name || author.get("url") != ts.Cfg.URL || author.get("photo") != ts.Cfg.Photo {
		t.Errorf("%s: author name %q url %q photo %q, want %q %q %q", where, author.get("name"),
			author.get("url"), author.get("photo"), ts.Cfg.Name, ts.Cfg.URL, ts.Cfg.Photo)
	}
}
