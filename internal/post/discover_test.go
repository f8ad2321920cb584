package post

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/fixture"
)

// createFixtures is every client fixture that creates a post, with the type it must get.
var createFixtures = map[string]string{
	"ia-writer-draft.json":            "article",
	"micropublish-note.json":          "note",
	"ownyourswarm-checkin.json":       "checkin",
	"quill-editor.json":               "article",
	"quill-event.json":                "event",
	"quill-itinerary.json":            "itinerary",
	"quill-note-alt.json":             "photo",
	"sparkles-read.json":              "read",
	"sparkles-watch.json":             "watch",
	"indiepass-note.form":             "note",
	"quill-bookmark.form":             "bookmark",
	"quill-like.form":                 "like",
	"quill-note.form":                 "note",
	"quill-repost.form":               "repost",
	"sunlit-photo.form":               "photo",
	"microblog-post.multipart.txt":    "photo",
	"ownyourgram-photo.multipart.txt": "photo",
	"quill-photo.multipart.txt":       "photo",
}

// notCreates are the fixtures that are not post creates: updates, actions, media uploads
// and IndieAuth requests.
var notCreates = map[string]bool{
	"micropublish-undelete.json": true, "micropublish-update.json": true,
	"ownyourswarm-update.json": true, "quill-like-update.json": true,
	"quill-media.multipart.txt": true, "sunlit-media.multipart.txt": true,
	"quill-revoke.form": true, "quill-token.form": true, "sunlit-token.form": true,
	"indielogin-token.form": true, "indiepass-token.form": true, "micropublish-token.form": true,
}

func TestDiscoverTypeFixtures(t *testing.T) {
	for _, path := range fixture.Glob(t, "*") {
		name := filepath.Base(path)
		if strings.HasSuffix(name, ".txt") && !strings.HasSuffix(name, ".multipart.txt") || name == "INDEX.md" || notCreates[name] {
			continue
		}
		want, ok := createFixtures[name]
		if !ok {
			t.Errorf("fixture %s has no expected post type in createFixtures", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			it, _ := fixtureItem(t, name)
			p, err := New(it, time.Date(2024, 5, 4, 12, 0, 0, 0, time.UTC))
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if p.Type != want {
				t.Errorf("type %q, want %q", p.Type, want)
			}
		})
	}
}

func TestDiscoverType(t *testing.T) {
	hcite := map[string]any{"type": []any{"h-cite"}, "properties": map[string]any{"url": []any{"https://a.example/"}}}
	tests := []struct {
		name  string
		typ   string
		props map[string][]any
		want  string
	}{
		{"event", "h-event", map[string][]any{"name": {"Meetup"}, "photo": {"https://p.example/x.jpg"}}, "event"},
		{"rsvp yes", "", map[string][]any{"rsvp": {"yes"}, "in-reply-to": {"https://e.example/"}}, "rsvp"},
		{"rsvp interested", "", map[string][]any{"rsvp": {"Interested"}, "in-reply-to": {"https://e.example/"}}, "rsvp"},
		{"rsvp invalid is a reply", "", map[string][]any{"rsvp": {"perhaps"}, "in-reply-to": {"https://e.example/"}}, "reply"},
		{"rsvp invalid alone", "", map[string][]any{"rsvp": {"perhaps"}, "content": {"hi"}}, "note"},
		{"reply", "", map[string][]any{"in-reply-to": {"https://e.example/"}, "content": {"yes!"}}, "reply"},
		{"reply to h-cite", "", map[string][]any{"in-reply-to": {hcite}}, "reply"},
		{"empty reply url", "", map[string][]any{"in-reply-to": {" "}, "content": {"x"}}, "note"},
		{"repost", "", map[string][]any{"repost-of": {"https://e.example/"}}, "repost"},
		{"like", "", map[string][]any{"like-of": {"https://e.example/"}}, "like"},
		{"bookmark", "", map[string][]any{"bookmark-of": {"https://e.example/"}, "name": {"T"}}, "bookmark"},
		{"quotation", "", map[string][]any{"quotation-of": {hcite}}, "quotation"},
		{"checkin with photo", "", map[string][]any{"checkin": {hcite}, "photo": {"https://p.example/x.jpg"}}, "checkin"},
		{"watch", "", map[string][]any{"watch-of": {hcite}}, "watch"},
		{"read", "", map[string][]any{"read-of": {"https://b.example/"}}, "read"},
		{"listen", "", map[string][]any{"listen-of": {hcite}}, "listen"},
		{"game", "", map[string][]any{"play-of": {hcite}}, "game"},
		{"itinerary", "", map[string][]any{"itinerary": {map[string]any{"type": []any{"h-leg"}, "properties": map[string]any{"origin": []any{"PDX"}}}}}, "itinerary"},
		{"video beats photo", "", map[string][]any{"video": {"https://v.example/a.mp4"}, "photo": {"https://p.example/x.jpg"}}, "video"},
		{"audio", "", map[string][]any{"audio": {"https://a.example/a.mp3"}}, "audio"},
		{"photo with alt", "", map[string][]any{"photo": {map[string]any{"value": "https://p.example/x.jpg", "alt": "x"}}}, "photo"},
		{"no name is a note", "", map[string][]any{"content": {"hello"}}, "note"},
		{"empty name is a note", "", map[string][]any{"name": {""}, "content": {"hello"}}, "note"},
		{"name alone is a note", "", map[string][]any{"name": {"Title"}}, "note"},
		{"name prefix of content", "", map[string][]any{"name": {"Hello  world"}, "content": {"Hello world, and more"}}, "note"},
		{"name differs", "", map[string][]any{"name": {"A title"}, "content": {"Body text"}}, "article"},
		{"html content", "", map[string][]any{"name": {"Title"}, "content": {map[string]any{"html": "<p>Body</p>"}}}, "article"},
		{"html content prefixed", "", map[string][]any{"name": {"Hello world"}, "content": {map[string]any{"html": "<p>Hello <b>world</b> &amp; all</p>"}}}, "note"},
		{"value and html", "", map[string][]any{"name": {"Hi"}, "content": {map[string]any{"value": "Hi there", "html": "<p>Other</p>"}}}, "note"},
		{"summary used", "", map[string][]any{"name": {"A title"}, "summary": {"Different"}}, "article"},
		{"first non-empty name", "", map[string][]any{"name": {"", "Real title"}, "content": {"Body"}}, "article"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := Item{Type: []string{"h-entry"}, Properties: tt.props}
			if tt.typ != "" {
				it.Type = []string{tt.typ}
			}
			if got := DiscoverType(it); got != tt.want {
				t.Errorf("DiscoverType = %q, want %q", got, tt.want)
			}
		})
	}
}
