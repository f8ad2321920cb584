package webmention_test

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/store/sqlite"
	"github.com/indiepub/indiepub/internal/webmention"
)

// storePost creates a post from mf2 JSON at url, as the Micropub endpoint would.
func storePost(t *testing.T, db *sqlite.DB, url, mf2 string) {
	t.Helper()
	var raw map[string]any
	if err := json.Unmarshal([]byte(mf2), &raw); err != nil {
		t.Fatal(err)
	}
	it, err := post.Normalize(raw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := post.New(it, time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	p.URL, p.Slug = url, "x"
	if err := db.CreatePost(t.Context(), p); err != nil {
		t.Fatal(err)
	}
}

func changePost(t *testing.T, db *sqlite.DB, url string, at time.Time, fn func(p *post.Post)) {
	t.Helper()
	_, err := db.UpdatePost(t.Context(), url, func(p *post.Post) error {
		fn(p)
		p.Updated = at
		return p.Reindex(at)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// jobTargets reads the targets and linked flags of KindSend jobs.
func jobTargets(t *testing.T, js []*jobs.Job) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, j := range js {
		if j.Kind == webmention.KindContext {
			continue
		}
		if j.Kind != webmention.KindSend {
			t.Errorf("job kind %q, want %q", j.Kind, webmention.KindSend)
		}
		var p struct {
			Target string `json:"target"`
			Linked bool   `json:"linked"`
		}
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[p.Target]; dup {
			t.Errorf("two jobs for %s in one change", p.Target)
		}
		out[p.Target] = p.Linked
	}
	return out
}

// keys are the keys of the KindSend jobs.
func keys(js []*jobs.Job) []string {
	var k []string
	for _, j := range js {
		if j.Kind == webmention.KindSend {
			k = append(k, j.Key)
		}
	}
	return k
}

// TestPostChangedTargets follows one post through create, update, delete and undelete:
// each change sends to the links it has now and to those it had and lost, once per target
// and change.
func TestPostChangedTargets(t *testing.T) {
	s, db := newSender(t)
	const src = "https://indiepub.example/replies/2026/12/x"
	storePost(t, db, src, `{"type":["h-entry"],"properties":{
		"in-reply-to":["https://c.example/post"],
		"like-of":[{"type":["h-cite"],"properties":{"url":["https://d.example/liked"]}}],
		"category":["indieweb",{"type":["h-card"],"properties":{"url":["https://e.example/"]}}],
		"content":[{"html":"<p>See <a href=\"https://a.example/1\">a</a>, <a href=\"https://b.example/2#frag\">b</a>, <a href=\"/relative\">r</a>, <a href=\"mailto:x@y.example\">m</a> and <a href=\"https://a.example/1\">a again</a>.</p>"}]}}`)
	ctx := t.Context()
	create, err := s.PostChanged(ctx, jobs.PostChange{URL: src, Action: "create"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"https://c.example/post": true, "https://d.example/liked": true, "https://e.example/": true,
		"https://a.example/1": true, "https://b.example/2": true, "https://indiepub.example/relative": true}
	if got := jobTargets(t, create); !maps.Equal(got, want) {
		t.Errorf("create: targets %v, want %v", got, want)
	}
	again, _ := s.PostChanged(ctx, jobs.PostChange{URL: src, Action: "create"})
	if !slices.Equal(keys(again), keys(create)) {
		t.Errorf("the same change listed twice: keys %q then %q, want the same (enqueued once)", keys(create), keys(again))
	}
	for target := range want {
		record(t, db, src, target, true)
	}

	// An update drops b: b is sent to once more (it will find no link), the rest again.
	changePost(t, db, src, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), func(p *post.Post) {
		p.Item.Properties["content"] = []any{"Now only https://a.example/1."}
	})
	update, err := s.PostChanged(ctx, jobs.PostChange{URL: src, Action: "update"})
	if err != nil {
		t.Fatal(err)
	}
	want = map[string]bool{"https://c.example/post": true, "https://d.example/liked": true, "https://e.example/": true,
		"https://a.example/1": true, "https://b.example/2": false, "https://indiepub.example/relative": false}
	if got := jobTargets(t, update); !maps.Equal(got, want) {
		t.Errorf("update: targets %v, want %v", got, want)
	}
	for _, k := range keys(update) {
		if slices.Contains(keys(create), k) {
			t.Errorf("update reuses the create's job key %q: it would not be sent", k)
		}
	}
	record(t, db, src, "https://b.example/2", false)
	record(t, db, src, "https://indiepub.example/relative", false)

	// The next update no longer sends to b.
	changePost(t, db, src, time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC), func(p *post.Post) {})
	next, _ := s.PostChanged(ctx, jobs.PostChange{URL: src, Action: "update"})
	if got := jobTargets(t, next); len(got) != 4 || got["https://b.example/2"] {
		t.Errorf("second update: targets %v, want the four still linked", got)
	}

	// A delete sends to everything sent before and still linked; the page now answers 410.
	changePost(t, db, src, time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC), func(p *post.Post) { p.Deleted = true })
	del, _ := s.PostChanged(ctx, jobs.PostChange{URL: src, Action: "delete"})
	want = map[string]bool{"https://c.example/post": false, "https://d.example/liked": false, "https://e.example/": false,
		"https://a.example/1": false}
	if got := jobTargets(t, del); !maps.Equal(got, want) {
		t.Errorf("delete: targets %v, want %v", got, want)
	}
	for target := range want {
		record(t, db, src, target, false)
	}
	// An undelete sends to its links again.
	changePost(t, db, src, time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC), func(p *post.Post) { p.Deleted = false })
	undel, _ := s.PostChanged(ctx, jobs.PostChange{URL: src, Action: "undelete"})
	if got := jobTargets(t, undel); len(got) != 4 || !got["https://a.example/1"] {
		t.Errorf("undelete: targets %v, want the four links, linked", got)
	}
}

// TestPostChangedHidden: a draft or private post sends nothing, unless it was public
// before and sent to its links: they are told it is gone.
func TestPostChangedHidden(t *testing.T) {
	s, db := newSender(t)
	const draft, private = "https://indiepub.example/notes/draft", "https://indiepub.example/notes/private"
	storePost(t, db, draft, `{"type":["h-entry"],"properties":{"post-status":["draft"],"content":["https://a.example/"]}}`)
	storePost(t, db, private, `{"type":["h-entry"],"properties":{"visibility":["private"],"content":["https://a.example/ https://b.example/"]}}`)
	for _, u := range []string{draft, private, "https://indiepub.example/none"} {
		js, err := s.PostChanged(t.Context(), jobs.PostChange{URL: u, Action: "create"})
		if err != nil || len(js) != 0 {
			t.Errorf("%s: jobs %v, %v; want none", u, keys(js), err)
		}
	}
	record(t, db, private, "https://a.example/", true)
	js, _ := s.PostChanged(t.Context(), jobs.PostChange{URL: private, Action: "update"})
	if got := jobTargets(t, js); !maps.Equal(got, map[string]bool{"https://a.example/": false}) {
		t.Errorf("private post sent before: targets %v, want only a.example, unlinked", got)
	}
}

func record(t *testing.T, db *sqlite.DB, source, target string, linked bool) {
	t.Helper()
	err := db.RecordSent(t.Context(), webmention.Sent{Source: source, Target: target, Status: webmention.StatusSent, Linked: linked, At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
}
