package site

import (
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// entry is a post as the templates see it: every property they show, already read out of
// the loose mf2 item and with content rendered and sanitized.
type entry struct {
	URL        string
	Type       string // discovered post type
	Event      bool   // an h-event rather than an h-entry
	Name       string
	Summary    string
	Content    template.HTML
	HasContent bool
	// lead is the start of the content's text, for Title.
	lead       string
	Published  timeValue
	Updated    timeValue
	Start, End timeValue

	Photos, Videos, Audios []media
	Featured               []media

	InReplyTo, LikeOf, RepostOf, BookmarkOf []cite
	QuotationOf, WatchOf, ReadOf, ListenOf  []cite
	RSVP                                    string
	Checkin                                 *card
	Location                                *card
	Rating, Progress                        string

	Legs []leg // an itinerary's trips

	Tags        []tag
	People      []card
	Syndication []string

	Author card
	// Responses are the webmentions shown on the post's own page; nil elsewhere.
	Responses *responses
	// Single is set on the post's own page, where its name is the page's heading.
	Single     bool
	Draft      bool
	Visibility string
	// Scheduled is set on the owner's view of a post whose published time is to come.
	Scheduled bool
}

// timeValue is a date as written by the client (keeping its offset) and its machine form.
type timeValue struct {
	Time     time.Time
	DateOnly bool
}

// IsZero reports whether there is no time.
func (t timeValue) IsZero() bool { return t.Time.IsZero() }

// Machine is the datetime attribute form.
func (t timeValue) Machine() string {
	if t.DateOnly {
		return t.Time.Format("2006-01-02")
	}
	return t.Time.Format(time.RFC3339)
}

// Human is the visible form.
func (t timeValue) Human() string {
	if t.DateOnly {
		return t.Time.Format("2 January 2006")
	}
	return t.Time.Format("2 January 2006, 15:04")
}

type media struct {
	URL, Alt string
}

// cite is what a response refers to: a URL, and for rich citations a name, author, text,
// picture and date.
type cite struct {
	Class                        string // the mf2 property it is the value of
	URL, Name, Author, Published string
	Content                      template.HTML
	Photo                        string
	// AuthorURL and AuthorPhoto come from an author given as an h-card; the photo shows
	// only when it is in the site's media store (ownMedia), as the reply-context job
	// keeps it.
	AuthorURL, AuthorPhoto string
}

// Label is the visible text of a citation link.
func (c cite) Label() string {
	if c.Name != "" {
		return c.Name
	}
	return c.URL
}

// card is a person or place: a nested h-card, h-adr or h-geo, or a geo: URI.
type card struct {
	Class                                     string // the mf2 property it is the value of
	Kind                                      string // h-card, h-adr or h-geo
	Name, URL, Photo, Tel                     string
	MoreURLs                                  []string // the url values after the first
	Street, Locality, Region, Country, Postal string
	Latitude, Longitude                       string
	// Quiet cards carry their properties in <data> elements and show nothing: a
	// checkin's location, whose address the venue's card already shows.
	Quiet bool
}

// MapURL links to the place on OpenStreetMap, "" without coordinates.
func (c *card) MapURL() string {
	if c == nil || c.Latitude == "" || c.Longitude == "" {
		return ""
	}
	return "https://www.openstreetmap.org/?mlat=" + url.QueryEscape(c.Latitude) + "&mlon=" +
		url.QueryEscape(c.Longitude) + "#map=17/" + url.PathEscape(c.Latitude) + "/" + url.PathEscape(c.Longitude)
}

// addressPart is one line of an address with its mf2 class.
type addressPart struct {
	Class, Value string
}

// Address is the card's address parts that are set, in reading order.
func (c *card) Address() []addressPart {
	var out []addressPart
	for _, p := range []addressPart{{"p-street-address", c.Street}, {"p-locality", c.Locality},
		{"p-region", c.Region}, {"p-postal-code", c.Postal}, {"p-country-name", c.Country}} {
		if p.Value != "" {
			out = append(out, p)
		}
	}
	return out
}

type tag struct {
	Name, URL string
}

// leg is one trip of an itinerary (h-leg, as Quill sends flights and trains).
type leg struct {
	Transit, Operator, Number, Origin, Destination string
	Departure, Arrival                             timeValue
}

func legs(vs []any) []leg {
	var out []leg
	for _, v := range vs {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		out = append(out, leg{
			Transit:     firstString(m, "transit-type"),
			Operator:    firstString(m, "operator"),
			Number:      firstString(m, "number"),
			Origin:      firstString(m, "origin"),
			Destination: firstString(m, "destination"),
			Departure:   itemTime(firstString(m, "departure"), time.Time{}),
			Arrival:     itemTime(firstString(m, "arrival"), time.Time{}),
		})
	}
	return out
}

// newEntry reads a stored post into the template view.
func (h *Handler) newEntry(p *post.Post) *entry {
	it := p.Item
	e := &entry{
		URL:        p.URL,
		Type:       p.Type,
		Event:      len(it.Type) > 0 && it.Type[0] == "h-event",
		Summary:    strings.TrimSpace(it.First("summary")),
		Published:  itemTime(it.First("published"), p.Published),
		Updated:    itemTime(it.First("updated"), p.Updated),
		Start:      itemTime(it.First("start"), time.Time{}),
		End:        itemTime(it.First("end"), time.Time{}),
		Photos:     mediaList(it.Properties["photo"]),
		Videos:     mediaList(it.Properties["video"]),
		Audios:     mediaList(it.Properties["audio"]),
		Featured:   mediaList(it.Properties["featured"]),
		InReplyTo:  cites(it.Properties["in-reply-to"], "u-in-reply-to"),
		LikeOf:     cites(it.Properties["like-of"], "u-like-of"),
		RepostOf:   cites(it.Properties["repost-of"], "u-repost-of"),
		BookmarkOf: cites(it.Properties["bookmark-of"], "u-bookmark-of"),
		WatchOf:    cites(it.Properties["watch-of"], "u-watch-of"),
		ReadOf:     cites(it.Properties["read-of"], "u-read-of"),
		ListenOf:   cites(it.Properties["listen-of"], "u-listen-of"),
		RSVP:       strings.ToLower(strings.TrimSpace(it.First("rsvp"))),
		Rating:     it.First("rating"),
		Progress:   it.First("progress"),
		Author:     h.author(),
		Draft:      p.Status == post.StatusDraft,
		Visibility: p.Visibility,
	}
	e.Legs = legs(it.Properties["itinerary"])
	e.QuotationOf = cites(it.Properties["quotation-of"], "u-quotation-of")
	for _, cs := range [][]cite{e.InReplyTo, e.LikeOf, e.RepostOf, e.BookmarkOf, e.WatchOf, e.ReadOf, e.ListenOf} {
		for i := range cs {
			if !h.ownMedia(cs[i].AuthorPhoto) {
				cs[i].AuthorPhoto = ""
			}
		}
	}
	if name := strings.TrimSpace(it.First("name")); name != "" && (p.Type != "note" || e.Event) {
		e.Name = name
	}
	c, ok := h.content(p)
	e.Content, e.lead, e.HasContent = c.HTML, c.Lead, ok
	if vs := it.Properties["checkin"]; len(vs) > 0 {
		if e.Checkin = newCard(vs[0]); e.Checkin != nil {
			e.Checkin.Class = "u-checkin"
		}
	}
	if vs := it.Properties["location"]; len(vs) > 0 {
		if e.Location = newCard(vs[0]); e.Location != nil {
			e.Location.Class = "p-location"
			e.Location.Quiet = e.Checkin != nil
		}
	}
	if e.Featured != nil && len(e.WatchOf)+len(e.ReadOf)+len(e.ListenOf) > 0 {
		// The cover is shown with the citation.
		e.Featured = nil
	}
	for _, s := range it.Tags() {
		s = strings.TrimPrefix(s, "#")
		e.Tags = append(e.Tags, tag{Name: s, URL: h.tagURL(s)})
	}
	for _, v := range it.Properties["category"] {
		if c := personTag(v); c != nil {
			c.Class = "u-category"
			e.People = append(e.People, *c)
		}
	}
	for _, v := range it.Properties["syndication"] {
		if u := httpURL(post.StringValue(v)); u != "" {
			e.Syndication = append(e.Syndication, u)
		}
	}
	return e
}

// author is the owner's h-card as the p-author of posts and feeds.
func (h *Handler) author() card {
	return card{Class: "p-author", Kind: "h-card", Name: h.who().Name, URL: h.cfg.URL, Photo: h.who().Photo}
}

// content renders the post's content: HTML sanitized, an article's plain text as Markdown,
// other plain text escaped and linkified; each is rendered once per version of the text.
func (h *Handler) content(p *post.Post) (renderedContent, bool) {
	vs := p.Item.Properties["content"]
	if len(vs) == 0 {
		return renderedContent{}, false
	}
	if m, ok := vs[0].(map[string]any); ok {
		if s, ok := m["html"].(string); ok && strings.TrimSpace(s) != "" {
			return h.rendered.get(contentHTML, s), true
		}
	}
	text := post.StringValue(vs[0])
	if strings.TrimSpace(text) == "" {
		return renderedContent{}, false
	}
	if p.Type == "article" {
		return h.rendered.get(contentMarkdown, text), true
	}
	return h.rendered.get(contentText, text), true
}

// itemTime reads a date the way the client wrote it, keeping its offset; fallback (the
// indexed UTC time) when it is missing or unreadable.
func itemTime(s string, fallback time.Time) timeValue {
	if s != "" {
		if t, err := post.ParseTime(s); err == nil {
			return timeValue{Time: t, DateOnly: len(strings.TrimSpace(s)) == len("2006-01-02")}
		}
	}
	return timeValue{Time: fallback}
}

// mediaList reads photo, video or audio values: URLs or {value, alt} objects.
func mediaList(vs []any) []media {
	var out []media
	for _, v := range vs {
		var m media
		switch x := v.(type) {
		case string:
			m.URL = x
		case map[string]any:
			m.URL, _ = x["value"].(string)
			m.Alt, _ = x["alt"].(string)
			if m.URL == "" {
				m.URL = firstString(x, "url")
			}
		}
		if m.URL = httpURL(m.URL); m.URL != "" {
			out = append(out, m)
		}
	}
	return out
}

// cites reads response targets: URLs or nested h-cite (or h-entry) objects.
func cites(vs []any, class string) []cite {
	var out []cite
	for _, v := range vs {
		c := cite{Class: class}
		switch x := v.(type) {
		case string:
			c.URL = httpURL(x)
		case map[string]any:
			c.URL = httpURL(firstString(x, "url"))
			if c.URL == "" {
				c.URL = httpURL(post.StringValue(x))
			}
			c.Name = firstString(x, "name")
			c.Author = firstString(x, "author")
			if a, ok := firstValue(x, "author").(map[string]any); ok {
				c.AuthorURL = httpURL(firstString(a, "url"))
				c.AuthorPhoto = httpURL(firstString(a, "photo"))
			}
			c.Published = firstString(x, "published")
			c.Photo = httpURL(firstString(x, "photo"))
			if text := firstString(x, "content"); text != "" {
				c.Content = RenderText(text)
			}
		}
		if c.URL != "" || c.Name != "" || c.Content != "" {
			out = append(out, c)
		}
	}
	return out
}

// personTag returns the h-card of a person tag: a nested h-card, or a bare URL (as
// OwnYourGram sends people); nil for a plain tag.
func personTag(v any) *card {
	if m, ok := v.(map[string]any); ok {
		if c := newCard(m); c != nil && c.URL != "" {
			return c
		}
		return nil
	}
	if s, ok := v.(string); ok && httpURL(s) != "" {
		return &card{Kind: "h-card", URL: s, Name: s}
	}
	return nil
}

// newCard reads a place or person: a nested h-card / h-adr / h-geo, or a geo: URI.
func newCard(v any) *card {
	switch x := v.(type) {
	case string:
		return geoCard(x)
	case map[string]any:
		c := &card{
			Kind:      "h-card",
			Name:      firstString(x, "name"),
			Photo:     httpURL(firstString(x, "photo")),
			Tel:       firstString(x, "tel"),
			Street:    firstString(x, "street-address"),
			Locality:  firstString(x, "locality"),
			Region:    firstString(x, "region"),
			Country:   firstString(x, "country-name"),
			Postal:    firstString(x, "postal-code"),
			Latitude:  number(firstValue(x, "latitude")),
			Longitude: number(firstValue(x, "longitude")),
		}
		if types, ok := x["type"].([]any); ok && len(types) > 0 {
			if t, _ := types[0].(string); t == "h-adr" || t == "h-geo" {
				c.Kind = t
			}
		}
		for _, u := range stringValues(x, "url") {
			if u = httpURL(u); u != "" && c.URL == "" {
				c.URL = u
			} else if u != "" && u != c.URL {
				c.MoreURLs = append(c.MoreURLs, u)
			}
		}
		if c.URL == "" {
			c.URL = httpURL(post.StringValue(x))
		}
		if geo := firstString(x, "geo"); geo != "" && c.Latitude == "" {
			if g := geoCard(geo); g != nil {
				c.Latitude, c.Longitude = g.Latitude, g.Longitude
			}
		}
		return c
	}
	return nil
}

// geoCard reads an RFC 5870 geo: URI with the parameters clients add
// (geo:45.5,-122.6;u=35, geo:51.05,3.71,57.2;name=Café).
func geoCard(s string) *card {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), "geo:")
	if !ok {
		if u := httpURL(s); u != "" {
			return &card{Kind: "h-card", URL: u, Name: u}
		}
		if s = strings.TrimSpace(s); s != "" {
			return &card{Kind: "h-card", Name: s}
		}
		return nil
	}
	coords, params, _ := strings.Cut(rest, ";")
	parts := strings.Split(coords, ",")
	if len(parts) < 2 {
		return nil
	}
	c := &card{Kind: "h-geo", Latitude: number(parts[0]), Longitude: number(parts[1])}
	if c.Latitude == "" || c.Longitude == "" {
		return nil
	}
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(p, "=")
		v, _ = url.PathUnescape(v)
		switch k {
		case "name":
			c.Name, c.Kind = v, "h-card"
		case "url":
			c.URL = httpURL(v)
		}
	}
	return c
}

// number formats a latitude or longitude from a JSON number or a string; "" if it is not
// a number.
func number(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return ""
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return ""
}

// firstValue is the first value of a nested item's property.
func firstValue(item map[string]any, name string) any {
	props, _ := item["properties"].(map[string]any)
	switch vs := props[name].(type) {
	case []any:
		if len(vs) > 0 {
			return vs[0]
		}
	case nil:
	default:
		return vs
	}
	return nil
}

// stringValues are the string values of a nested item's property (a venue's several
// URLs, as OwnYourSwarm sends them).
func stringValues(item map[string]any, name string) []string {
	props, _ := item["properties"].(map[string]any)
	var out []string
	switch vs := props[name].(type) {
	case []any:
		for _, v := range vs {
			if s := post.StringValue(v); s != "" {
				out = append(out, s)
			}
		}
	case string:
		out = append(out, vs)
	}
	return out
}

// firstString is the first value of a nested item's property as text: strings, numbers
// (Sparkles sends a year as a number) and the name or URL of a nested item.
func firstString(item map[string]any, name string) string {
	switch x := firstValue(item, name).(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case map[string]any:
		if s := post.StringValue(x); s != "" {
			return s
		}
		if s := firstString(x, "name"); s != "" {
			return s
		}
		return firstString(x, "url")
	}
	return ""
}

// httpURL returns s if it is an absolute http or https URL, else "".
func httpURL(s string) string {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return s
}

// tagURL is the absolute URL of a tag's page.
func (h *Handler) tagURL(name string) string {
	return h.cfg.URL + "tags/" + url.PathEscape(post.NormalizeTag(name))
}

// Title is a one-line title for feeds and the page's <title>.
func (e *entry) Title() string {
	if e.Name != "" {
		return e.Name
	}
	if e.Summary != "" {
		return e.Summary
	}
	if e.lead != "" {
		return truncate(e.lead, leadRunes)
	}
	verbs := []struct {
		verb  string
		cites []cite
	}{{"Reply to", e.InReplyTo}, {"Liked", e.LikeOf}, {"Reposted", e.RepostOf},
		{"Bookmarked", e.BookmarkOf}, {"Quoted", e.QuotationOf}, {"Watched", e.WatchOf},
		{"Read", e.ReadOf}, {"Listened to", e.ListenOf}}
	for _, v := range verbs {
		if len(v.cites) > 0 {
			return v.verb + " " + v.cites[0].Label()
		}
	}
	if e.Checkin != nil && e.Checkin.Name != "" {
		return "Checked in at " + e.Checkin.Name
	}
	if len(e.Legs) > 0 {
		return "Trip from " + e.Legs[0].Origin + " to " + e.Legs[len(e.Legs)-1].Destination
	}
	if e.Type == "" {
		return "Post of " + e.Published.Human()
	}
	return fmt.Sprintf("%s of %s", strings.ToUpper(e.Type[:1])+e.Type[1:], e.Published.Human())
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}
