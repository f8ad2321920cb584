package site_test

import (
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/post"
)

// check is an expectation on a post's h-entry (or h-event).
type check func(t *testing.T, e *mf2)

// prop wants the property's first value as text to be want.
func prop(name, want string) check {
	return func(t *testing.T, e *mf2) {
		t.Helper()
		if got := e.get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

// propContains wants the property's first value (text, or an e- property's html) to
// contain want.
func propContains(name, want string) check {
	return func(t *testing.T, e *mf2) {
		t.Helper()
		vs := e.Props[name]
		if len(vs) == 0 {
			t.Errorf("no %s property", name)
			return
		}
		got := valueString(vs[0])
		if m, ok := vs[0].(map[string]any); ok && m["html"] != nil {
			got, _ = m["html"].(string)
		}
		if !strings.Contains(got, want) {
			t.Errorf("%s = %q, want it to contain %q", name, got, want)
		}
	}
}

// count wants n values of the property.
func count(name string, n int) check {
	return func(t *testing.T, e *mf2) {
		t.Helper()
		if got := len(e.Props[name]); got != n {
			t.Errorf("%d values of %s, want %d: %v", got, name, n, e.Props[name])
		}
	}
}

// absent wants no such property.
func absent(name string) check {
	return func(t *testing.T, e *mf2) {
		t.Helper()
		if vs := e.Props[name]; len(vs) > 0 {
			t.Errorf("%s present: %v", name, vs)
		}
	}
}

// nestedIs wants the property to be a nested item of the type, and runs checks on it.
func nestedIs(name, typ string, checks ...check) check {
	return func(t *testing.T, e *mf2) {
		t.Helper()
		n := e.nested(name)
		if n == nil || !n.is(typ) {
			t.Errorf("%s is not a nested %s: %v", name, typ, e.Props[name])
			return
		}
		for _, c := range checks {
			c(t, n)
		}
	}
}

// values wants exactly these values of the property, as text, in order.
func values(name string, want ...string) check {
	return func(t *testing.T, e *mf2) {
		t.Helper()
		var got []string
		for _, v := range e.Props[name] {
			got = append(got, valueString(v))
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

// alt wants the first photo's alt text.
func alt(name, want string) check {
	return func(t *testing.T, e *mf2) {
		t.Helper()
		vs := e.Props[name]
		if len(vs) == 0 {
			t.Errorf("no %s", name)
			return
		}
		m, _ := vs[0].(map[string]any)
		if got, _ := m["alt"].(string); got != want {
			t.Errorf("%s alt = %q, want %q", name, got, want)
		}
	}
}

// categories wants exactly these p-category values, in order.
func categories(want ...string) check {
	return func(t *testing.T, e *mf2) {
		t.Helper()
		var got []string
		for _, v := range e.Props["category"] {
			if s, ok := v.(string); ok {
				got = append(got, s)
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("categories %q, want %q", got, want)
		}
	}
}

func TestEntryMarkupForEveryPostType(t *testing.T) {
	ts := newSite(t)
	published := set("post-status", "published")
	tests := []struct {
		name   string
		body   string
		change []func(*post.Post)
		typ    string // the root microformat
		checks []check
	}{
		{"note with location and tags", readFixture(t, "quill-note.form"), nil, "h-entry", []check{
			propContains("content", "Trying the new espresso bar on Alder St. Worth the wait ☕"),
			categories("coffee", "portland"),
			nestedIs("location", "h-geo", prop("latitude", "45.52213"), prop("longitude", "-122.68148"),
				absent("url")), // the map link is not the place's url
			absent("name"),
		}},
		{"note with a named place", readFixture(t, "indiepass-note.form"), nil, "h-entry", []check{
			prop("published", "2024-05-04T08:30:00+02:00"),
			nestedIs("location", "h-card", prop("name", "Café Labath"), prop("latitude", "51.0543212"), absent("url")),
			categories("ghent", "coffee"),
		}},
		{"markdown article", readFixture(t, "ia-writer-draft.json"), []func(*post.Post){published}, "h-entry", []check{
			prop("name", "Notes on slow software"),
			propContains("content", "<em>slow</em>"),
			propContains("content", "<h2>What I mean</h2>"),
			propContains("content", `<img src="https://example.com/micropub/media/2024/05/desk.jpg" alt=""/>`),
		}},
		{"html article", readFixture(t, "quill-editor.json"), []func(*post.Post){published}, "h-entry", []check{
			prop("name", "Rebuilding my publishing flow"),
			propContains("content", "<strong>three</strong>"),
			propContains("content", `<a href="https://docs.example.com/micropub">spec</a>`),
			propContains("content", `src="data:image/png;base64,iVBORw0KGgo`),
			categories("indieweb", "meta"),
		}},
		{"photo with alt", readFixture(t, "quill-note-alt.json"), nil, "h-entry", []check{
			prop("photo", "https://example.com/media/2024/05/3f9a1c7e.jpg"),
			alt("photo", "Orange sky over the river, seen from the café terrace"),
			propContains("content", "Sunset from the east bank."),
		}},
		// Micropub create pairs Sunlit's mp-photo-alt with its photo.
		{"photo from a form", readFixture(t, "sunlit-photo.form"), []func(*post.Post){set("photo", map[string]any{
			"value": "https://example.com/micropub/media/2024/05/pier.jpg",
			"alt":   "Low sun behind the pier pilings, gulls on the rail"})}, "h-entry", []check{
			alt("photo", "Low sun behind the pier pilings, gulls on the rail"),
			propContains("content", "Golden hour at the pier.<br/>"),
		}},
		{"gallery", `{"type":["h-entry"],"properties":{"content":["Three from the ride"],"photo":[
			{"value":"https://example.com/media/a.jpg","alt":"Bike against a fence"},
			{"value":"https://example.com/media/b.jpg","alt":"Gravel road"},
			"https://example.com/media/c.jpg"]}}`, nil, "h-entry", []check{
			count("photo", 3), alt("photo", "Bike against a fence"),
		}},
		{"video", `{"type":["h-entry"],"properties":{"content":["Waves"],"video":["https://example.com/media/waves.mp4"]}}`,
			nil, "h-entry", []check{prop("video", "https://example.com/media/waves.mp4")}},
		{"audio", `{"type":["h-entry"],"properties":{"name":["Episode 1"],"audio":["https://example.com/media/ep1.mp3"]}}`,
			nil, "h-entry", []check{prop("audio", "https://example.com/media/ep1.mp3"), prop("name", "Episode 1")}},
		{"reply", `{"type":["h-entry"],"properties":{"in-reply-to":["https://friend.example.com/notes/2024/05/03/new-bike"],"content":["Congratulations! Which model?"]}}`,
			nil, "h-entry", []check{
				nestedIs("in-reply-to", "h-cite", prop("url", "https://friend.example.com/notes/2024/05/03/new-bike")),
				prop("in-reply-to", "https://friend.example.com/notes/2024/05/03/new-bike"),
				propContains("content", "Congratulations!"),
			}},
		{"reply with context", `{"type":["h-entry"],"properties":{"in-reply-to":[{"type":["h-cite"],"properties":{"url":["https://friend.example.com/n/1"],"name":["New bike day"],"author":["Sam"],"content":["Picked it up today."]}}],"content":["Nice!"]}}`,
			nil, "h-entry", []check{nestedIs("in-reply-to", "h-cite",
				prop("name", "New bike day"), prop("author", "Sam"), propContains("content", "Picked it up today."))}},
		{"like", readFixture(t, "quill-like.form"), nil, "h-entry", []check{
			nestedIs("like-of", "h-cite", prop("url", "https://friend.example.com/notes/2024/05/03/new-bike")),
		}},
		{"repost", readFixture(t, "quill-repost.form"), nil, "h-entry", []check{
			nestedIs("repost-of", "h-cite", prop("url", "https://friend.example.com/2024/05/02/meetup-recap")),
		}},
		{"bookmark", readFixture(t, "quill-bookmark.form"), nil, "h-entry", []check{
			nestedIs("bookmark-of", "h-cite", prop("url", "https://blog.example.com/2024/05/on-owning-your-words")),
			prop("name", "On owning your words"),
			propContains("content", "A good argument for publishing on your own site first."),
			categories("indieweb"),
		}},
		{"rsvp", `{"type":["h-entry"],"properties":{"rsvp":["yes"],"in-reply-to":["https://events.example.com/indieweb-meetup"],"content":["See you there"]}}`,
			nil, "h-entry", []check{prop("rsvp", "yes"), prop("in-reply-to", "https://events.example.com/indieweb-meetup")}},
		{"checkin", readFixture(t, "ownyourswarm-checkin.json"), nil, "h-entry", []check{
			nestedIs("checkin", "h-card", prop("name", "Alder Street Espresso"),
				prop("url", "https://foursquare.example.com/v/5a1b2c3d4e5f60718293a4b5"),
				values("url", "https://foursquare.example.com/v/5a1b2c3d4e5f60718293a4b5",
					"https://alderespresso.example.com/", "https://twitter.example.com/alderespresso"),
				prop("tel", "(503) 555-0142"),
				prop("locality", "Portland"), prop("street-address", "1021 SW Alder St"),
				prop("region", "OR"), prop("postal-code", "97205"), prop("country-name", "United States"),
				prop("latitude", "45.52213"), prop("longitude", "-122.68148")),
			nestedIs("location", "h-adr", prop("street-address", "1021 SW Alder St"),
				prop("locality", "Portland"), prop("region", "OR"), prop("country-name", "United States"),
				prop("postal-code", "97205"), prop("latitude", "45.52213"), prop("longitude", "-122.68148")),
			prop("syndication", "https://www.swarmapp.example.com/user/59164/checkin/6636a2f4c1e8b27d0e5f4a19"),
			categories("coffee"),
			nestedIs("category", "h-card", prop("name", "Sam"), prop("url", "https://sam.example.com/"),
				prop("photo", "https://photos.example.com/img/user/300x300/81234-K2JQ7XW4M1ZP9R.jpg")),
			propContains("content", `with <a href="https://sam.example.com/">Sam</a>`),
			prop("photo", "https://photos.example.com/img/general/original/59164_Qm3vX9aLp0Zr.jpg"),
			prop("published", "2024-05-04T09:12:44-07:00"),
		}},
		{"event", readFixture(t, "quill-event.json"), nil, "h-event", []check{
			prop("name", "IndieWeb Meetup Portland"),
			prop("start", "2024-06-12T18:30:00-07:00"),
			prop("end", "2024-06-12T20:30:00-07:00"),
			nestedIs("location", "h-card", prop("name", "Central Library"), prop("locality", "Portland"),
				prop("street-address", "801 SW 10th Ave"), absent("url")), // the map link is not the place's url
			propContains("content", "Bring a laptop; we&#39;ll help you set up Micropub."),
			categories("indieweb", "meetup"),
		}},
		{"quotation", `{"type":["h-entry"],"properties":{"quotation-of":[{"type":["h-cite"],"properties":{"content":["The day you stop learning is the day you stop living."],"author":["A. Teacher"],"url":["https://quotes.example.com/42"]}}]}}`,
			nil, "h-entry", []check{nestedIs("quotation-of", "h-cite", prop("author", "A. Teacher"),
				prop("url", "https://quotes.example.com/42"), propContains("content", "stop learning"))}},
		{"watch", readFixture(t, "sparkles-watch.json"), nil, "h-entry", []check{
			nestedIs("watch-of", "h-cite", prop("name", "The Quiet Harbor"),
				prop("url", "https://movies.example.com/movie/482913"),
				prop("photo", "https://images.example.com/t/p/original/kX9qLm2Zt.jpg"),
				prop("published", "2019")),
			prop("summary", "Rewatched The Quiet Harbor, 2019 - ★★★★½"),
			prop("rating", "4.5"),
			propContains("content", "Even better the second time."),
		}},
		{"itinerary", readFixture(t, "quill-itinerary.json"), nil, "h-entry", []check{
			count("itinerary", 2),
			nestedIs("itinerary", "h-leg", prop("origin", "PDX"), prop("destination", "SFO"),
				prop("operator", "Example Air"), prop("number", "2145"), prop("transit-type", "air"),
				prop("departure", "2024-07-01T09:15:00-07:00"), prop("arrival", "2024-07-01T11:05:00-07:00")),
			categories("travel"),
		}},
		{"read", readFixture(t, "sparkles-read.json"), nil, "h-entry", []check{
			nestedIs("read-of", "h-cite", prop("name", "The Left Hand of Darkness"),
				prop("author", "Ursula K. Le Guin"), prop("published", "1969")),
			prop("published", "2024-05-04"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ts.createPost(t, item(t, tt.body), tt.change...)
			items, body := ts.page(t, p.URL)
			entries := findMF2(items, tt.typ)
			if len(entries) != 1 {
				t.Fatalf("%d %s on %s, want 1\n%s", len(entries), tt.typ, p.URL, body)
			}
			e := entries[0]
			if e.get("url") != p.URL || e.get("uid") != p.URL {
				t.Errorf("url %q uid %q, want %q", e.get("url"), e.get("uid"), p.URL)
			}
			if e.get("published") == "" {
				t.Error("no published")
			}
			author := e.nested("author")
			if author == nil || !author.is("h-card") || author.get("name") != "Jane Example" ||
				author.get("url") != ts.Cfg.URL || author.get("photo") != ts.Cfg.Photo {
				t.Errorf("author %+v, want an h-card with name, url and photo", author)
			}
			for _, c := range tt.checks {
				c(t, e)
			}
			for _, c := range e.Props["category"] {
				if s, ok := c.(string); ok && !strings.Contains(string(body), `href="`+ts.Cfg.URL+"tags/"+post.NormalizeTag(s)+`"`) {
					t.Errorf("category %q does not link to its tag page", s)
				}
			}
			if t.Failed() {
				t.Logf("page:\n%s", body)
			}
		})
	}
}
