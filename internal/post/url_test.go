package post

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestPlural(t *testing.T) {
	for typ, want := range map[string]string{
		"note": "notes", "article": "articles", "reply": "replies", "rsvp": "rsvps",
		"watch": "watches", "audio": "audio", "video": "videos", "photo": "photos",
		"itinerary": "itineraries", "quotation": "quotations", "checkin": "checkins",
		"game": "games", "listen": "listens", "read": "reads", "bookmark": "bookmarks",
		"like": "likes", "repost": "reposts", "event": "events", "day": "days",
	} {
		if got := Plural(typ); got != want {
			t.Errorf("Plural(%q) = %q, want %q", typ, got, want)
		}
	}
}

func TestPath(t *testing.T) {
	tests := []struct {
		typ, published, pattern, want string
	}{
		{"note", "2024-05-04T09:12:44-07:00", "", "/notes/2024/05/s"},
		{"reply", "2024-05-04T09:12:44-07:00", DefaultURLPattern, "/replies/2024/05/s"},
		{"audio", "2024-05-04T09:12:44-07:00", "", "/audio/2024/05/s"},
		{"watch", "2024-05-04", "", "/watches/2024/05/s"},
		// 23:30 on 31 May in -07:00 is 1 June in UTC: the path keeps the writer's date.
		{"note", "2024-05-31T23:30:00-07:00", "/{yyyy}/{mm}/{dd}/{slug}", "/2024/05/31/s"},
		{"note", "2024-06-01T01:30:00+0200", "/{type}/{yyyy}-{mm}-{dd}/{slug}", "/note/2024-06-01/s"},
		{"like", "2024-06-01T01:30:00+02:00", "/{types}/{slug}", "/likes/s"},
	}
	for _, tt := range tests {
		p, err := New(Item{Type: []string{"h-entry"}, Properties: map[string][]any{"published": {tt.published}}}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		p.Type, p.Slug = tt.typ, "s"
		if got := p.Path(tt.pattern); got != tt.want {
			t.Errorf("Path(%q) for %s at %s = %q, want %q", tt.pattern, tt.typ, tt.published, got, tt.want)
		}
	}
}

// replacerPath is what PathFor did with a strings.Replacer built per post; PathFor must
// give the same path for any pattern.
func replacerPath(p *Post, pattern, slug string) string {
	if pattern == "" {
		pattern = DefaultURLPattern
	}
	t := p.LocalPublished()
	return strings.NewReplacer(
		"{type}s", Plural(p.Type), "{types}", Plural(p.Type), "{type}", p.Type,
		"{yyyy}", fmt.Sprintf("%04d", t.Year()), "{mm}", fmt.Sprintf("%02d", int(t.Month())),
		"{dd}", fmt.Sprintf("%02d", t.Day()), "{slug}", slug,
	).Replace(pattern)
}

func FuzzPathFor(f *testing.F) {
	for _, s := range []string{"", DefaultURLPattern, "/{types}/{slug}", "{", "{{slug}}", "/{type}ss/{typ",
		"/{unknown}/{slug}", "{yyyy}{mm}{dd}{slug}{", "/é/{slug}/ü{", "{type}s{types}{type}"} {
		f.Add(s, "hello-world", "reply")
	}
	f.Fuzz(func(t *testing.T, pattern, slug, typ string) {
		p, err := New(Item{Type: []string{"h-entry"}, Properties: map[string][]any{"published": {"2024-05-31T23:30:00-07:00"}}}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		p.Type = typ
		if got, want := p.PathFor(pattern, slug), replacerPath(p, pattern, slug); got != want {
			t.Errorf("PathFor(%q, %q) for %q = %q, want %q", pattern, slug, typ, got, want)
		}
	})
}
