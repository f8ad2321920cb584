package webmention_test

import (
	"testing"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/site"
	"github.com/indiepub/indiepub/internal/webmention"
)

// wantsSeeds are contents with and without links, in each form a renderer links.
var wantsSeeds = []string{
	"Hello", "Hello world. e.g. this", "see https://example.com/a.", "www.example.com/x",
	"WWW.Example.com", "[a link](/relative)", "[ref][r]\n\n[r]: https://example.com/",
	`<a href="https://example.com/">x</a>`, `<A HREF=//example.com/>x</A>`, "<https://example.com>",
	"ftp://example.com/", "mailto:me@example.com", "[x]( https://example.com )", "http:/x", "[x](#frag)",
}

// FuzzWantsSeesEveryTarget: the sender's interest in a create (decided in the store's
// write, from the post alone) is never "no" for a post that has a Webmention target once
// its content is rendered, whichever renderer the post's kind uses: the text of a note,
// the Markdown of an article, or HTML content.
func FuzzWantsSeesEveryTarget(f *testing.F) {
	for _, s := range wantsSeeds {
		f.Add(s)
	}
	s := &webmention.Sender{}
	create := jobs.PostChange{URL: "https://example.com/p/1", Action: jobs.ActionCreate}
	f.Fuzz(func(t *testing.T, content string) {
		for _, c := range []struct {
			kind  string
			value any
			html  string
		}{
			{"note", content, string(site.RenderText(content))},
			{"article", content, string(site.RenderMarkdown(content))},
			{"note", map[string]any{"html": content, "value": "plain"}, string(site.SanitizeHTML(content))},
		} {
			p := &post.Post{URL: create.URL, Type: c.kind, Status: post.StatusPublished,
				Visibility: post.VisibilityPublic,
				Item:       post.Item{Type: []string{"h-entry"}, Properties: map[string][]any{"content": {c.value}}}}
			if targets := webmention.Targets(p, c.html, 100); len(targets) > 0 && !s.Wants(create, p) {
				t.Fatalf("%s content %q links to %q, and the sender says it wants nothing", c.kind, content, targets)
			}
		}
	})
}

// TestWantsCreates: the sender wants a visible post's create when it responds to a URL or
// may link to one, and not a draft's, a private post's or a plain note's; it wants every
// update, delete and undelete.
func TestWantsCreates(t *testing.T) {
	s := &webmention.Sender{}
	mk := func(status, visibility string, props map[string][]any) *post.Post {
		return &post.Post{URL: "https://example.com/p/1", Type: "note", Status: status, Visibility: visibility,
			Item: post.Item{Type: []string{"h-entry"}, Properties: props}}
	}
	public := func(props map[string][]any) *post.Post {
		return mk(post.StatusPublished, post.VisibilityPublic, props)
	}
	linked := map[string][]any{"content": {"see https://example.com/"}}
	for _, c := range []struct {
		name   string
		action string
		p      *post.Post
		want   bool
	}{
		{"plain note", jobs.ActionCreate, public(map[string][]any{"content": {"Hello"}}), false},
		{"note with a tag", jobs.ActionCreate, public(map[string][]any{"content": {"Hello"}, "category": {"bikes"}}), false},
		{"note with a link", jobs.ActionCreate, public(linked), true},
		{"like", jobs.ActionCreate, public(map[string][]any{"like-of": {"https://example.com/"}}), true},
		{"person tag", jobs.ActionCreate, public(map[string][]any{"category": {map[string]any{"type": []any{"h-card"}}}}), true},
		{"unlisted with a link", jobs.ActionCreate, mk(post.StatusPublished, post.VisibilityUnlisted, linked), true},
		{"draft with a link", jobs.ActionCreate, mk(post.StatusDraft, post.VisibilityPublic, linked), false},
		{"private with a link", jobs.ActionCreate, mk(post.StatusPublished, post.VisibilityPrivate, linked), false},
		{"plain note updated", jobs.ActionUpdate, public(map[string][]any{"content": {"Hello"}}), true},
		{"plain note deleted", jobs.ActionDelete, public(map[string][]any{"content": {"Hello"}}), true},
		{"draft undeleted", jobs.ActionUndelete, mk(post.StatusDraft, post.VisibilityPublic, nil), true},
	} {
		if got := s.Wants(jobs.PostChange{URL: c.p.URL, Action: c.action}, c.p); got != c.want {
			t.Errorf("%s, %s: wants %v, want %v", c.name, c.action, got, c.want)
		}
	}
}
