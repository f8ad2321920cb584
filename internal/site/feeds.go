package site

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// feedKind is one of the feed formats.
type feedKind int

const (
	atomFeed feedKind = iota
	rssFeed
	jsonFeed
)

// feedData is a feed before it is written in one of the formats.
type feedData struct {
	Title, HomeURL, SelfURL string
	Updated                 time.Time
	Entries                 []*entry
	Contents                []string // each entry's HTML for the feed
	// Enclosures are each entry's media files.
	Enclosures [][]enclosure
}

// feed serves the home feed, or a tag's when the path names one, in the given format.
func (h *Handler) feed(kind feedKind) renderFunc {
	return func(r *http.Request, changed time.Time) (*rendered, error) {
		fd := &feedData{Title: h.who().Name, HomeURL: h.cfg.URL}
		var category string
		if t := r.PathValue("tag"); t != "" {
			display, err := h.store.SiteTag(r.Context(), t)
			if err != nil {
				return nil, err
			}
			category = display
			fd.Title = h.who().Name + ": " + display
			fd.HomeURL = h.tagURL(display)
		}
		base := h.cfg.URL
		if category != "" {
			base = fd.HomeURL + "/"
		}
		fd.SelfURL = base + [...]string{"feed.atom", "feed.rss", "feed.json"}[kind]
		if err := h.feedEntries(r, fd, category); err != nil {
			return nil, err
		}
		if category != "" && len(fd.Entries) == 0 {
			// As on the tag page: a tag that only private, unlisted, draft or deleted
			// posts carry is not public knowledge, not even its name.
			return nil, fmt.Errorf("tag %q: %w", category, post.ErrNotFound)
		}
		var body []byte
		var ctype string
		var err error
		switch kind {
		case atomFeed:
			body, err = h.atom(fd)
			ctype = "application/atom+xml; charset=utf-8"
		case rssFeed:
			body, err = h.rss(fd)
			ctype = "application/rss+xml; charset=utf-8"
		default:
			body, err = h.jsonFeed(fd)
			ctype = "application/feed+json; charset=utf-8"
		}
		if err != nil {
			return nil, err
		}
		return &rendered{body: body, contentType: ctype, modified: changed}, nil
	}
}

func (h *Handler) feedEntries(r *http.Request, fd *feedData, category string) error {
	posts, err := h.store.ListPosts(r.Context(), h.publicPosts(h.cfg.PageSize, category))
	if err != nil {
		return err
	}
	fd.Updated = h.start
	for _, p := range posts {
		e := h.newEntry(p)
		html, err := h.fragment("feed-content", p, e)
		if err != nil {
			return err
		}
		encs, err := h.enclosures(r.Context(), e)
		if err != nil {
			return err
		}
		fd.Entries = append(fd.Entries, e)
		fd.Contents = append(fd.Contents, string(html))
		fd.Enclosures = append(fd.Enclosures, encs)
		if t := e.latest(); t.After(fd.Updated) || len(fd.Entries) == 1 {
			fd.Updated = t
		}
	}
	return nil
}

// latest is when the entry was last published or updated.
func (e *entry) latest() time.Time {
	if e.Updated.Time.After(e.Published.Time) {
		return e.Updated.Time
	}
	return e.Published.Time
}

// Atom (RFC 4287).
type atomDoc struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Icon    string      `xml:"icon,omitempty"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel    string `xml:"rel,attr"`
	Type   string `xml:"type,attr,omitempty"`
	Href   string `xml:"href,attr"`
	Length int64  `xml:"length,attr,omitempty"` // of an enclosure, when known
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri"`
}

type atomEntry struct {
	Title      string         `xml:"title"`
	ID         string         `xml:"id"`
	Links      []atomLink     `xml:"link"`
	Published  string         `xml:"published"`
	Updated    string         `xml:"updated"`
	Content    atomText       `xml:"content"`
	Categories []atomCategory `xml:"category"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

func (h *Handler) atom(fd *feedData) ([]byte, error) {
	doc := atomDoc{
		Title: fd.Title, ID: fd.SelfURL, Updated: fd.Updated.UTC().Format(time.RFC3339),
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: fd.SelfURL},
			{Rel: "alternate", Type: "text/html", Href: fd.HomeURL},
		},
		Author: atomPerson{Name: h.who().Name, URI: h.cfg.URL},
		Icon:   h.who().Photo,
	}
	if h.cfg.Hub != "" {
		doc.Links = append(doc.Links, atomLink{Rel: "hub", Href: h.cfg.Hub})
	}
	for i, e := range fd.Entries {
		ae := atomEntry{
			Title: e.Title(), ID: e.URL,
			Links:     []atomLink{{Rel: "alternate", Type: "text/html", Href: e.URL}},
			Published: e.Published.Time.Format(time.RFC3339),
			Updated:   e.latest().Format(time.RFC3339),
			Content:   atomText{Type: "html", Body: fd.Contents[i]},
		}
		for _, enc := range fd.Enclosures[i] {
			ae.Links = append(ae.Links, atomLink{Rel: "enclosure", Type: enc.Type, Href: enc.URL, Length: enc.Size})
		}
		for _, u := range e.Syndication {
			ae.Links = append(ae.Links, atomLink{Rel: relSyndication, Href: u})
		}
		for _, t := range e.Tags {
			ae.Categories = append(ae.Categories, atomCategory{Term: post.NormalizeTag(t.Name), Label: t.Name})
		}
		doc.Entries = append(doc.Entries, ae)
	}
	return encodeXML(doc)
}

// RSS 2.0 (https://www.rssboard.org/rss-specification), with an Atom self link.
type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	AtomNS  string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string     `xml:"title"`
	Link          string     `xml:"link"`
	Description   string     `xml:"description"`
	Language      string     `xml:"language"`
	LastBuildDate string     `xml:"lastBuildDate"`
	Image         *rssImage  `xml:"image"`
	AtomLinks     []atomLink `xml:"atom:link"`
	Items         []rssItem  `xml:"item"`
}

// rssImage is the channel's picture; its title and link are the channel's, as RSS 2.0
// asks.
type rssImage struct {
	URL   string `xml:"url"`
	Title string `xml:"title"`
	Link  string `xml:"link"`
}

type rssItem struct {
	Title       string        `xml:"title,omitempty"`
	Link        string        `xml:"link"`
	GUID        rssGUID       `xml:"guid"`
	PubDate     string        `xml:"pubDate"`
	Description string        `xml:"description"`
	Enclosure   *rssEnclosure `xml:"enclosure"`
	Categories  []string      `xml:"category"`
	// Syndication are the post's copies elsewhere, as Atom links (RSS 2.0 has no
	// element of its own; namespaced elements are its extension mechanism).
	Syndication []atomLink `xml:"atom:link"`
}

// rssEnclosure is an item's one media file. RSS 2.0 requires all three attributes; the
// RSS Advisory Board's best practice is a length of 0 when it is unknown, and one
// enclosure per item, since readers take only one.
type rssEnclosure struct {
	URL    string `xml:"url,attr"`
	Length int64  `xml:"length,attr"`
	Type   string `xml:"type,attr"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

func (h *Handler) rss(fd *feedData) ([]byte, error) {
	doc := rssDoc{Version: "2.0", AtomNS: "http://www.w3.org/2005/Atom", Channel: rssChannel{
		Title: fd.Title, Link: fd.HomeURL, Description: "Posts by " + h.who().Name,
		Language: h.cfg.Lang, LastBuildDate: fd.Updated.UTC().Format(time.RFC1123Z),
		AtomLinks: []atomLink{{Rel: "self", Type: "application/rss+xml", Href: fd.SelfURL}},
	}}
	if h.cfg.Hub != "" {
		doc.Channel.AtomLinks = append(doc.Channel.AtomLinks, atomLink{Rel: "hub", Href: h.cfg.Hub})
	}
	if h.who().Note != "" {
		doc.Channel.Description = h.who().Note
	}
	if h.who().Photo != "" {
		doc.Channel.Image = &rssImage{URL: h.who().Photo, Title: fd.Title, Link: fd.HomeURL}
	}
	for i, e := range fd.Entries {
		it := rssItem{
			Title: e.Name, Link: e.URL, GUID: rssGUID{IsPermaLink: "true", Value: e.URL},
			PubDate: e.Published.Time.Format(time.RFC1123Z), Description: fd.Contents[i],
		}
		if encs := fd.Enclosures[i]; len(encs) > 0 {
			it.Enclosure = &rssEnclosure{URL: encs[0].URL, Length: encs[0].Size, Type: encs[0].Type}
		}
		for _, t := range e.Tags {
			it.Categories = append(it.Categories, t.Name)
		}
		for _, u := range e.Syndication {
			it.Syndication = append(it.Syndication, atomLink{Rel: relSyndication, Href: u})
		}
		doc.Channel.Items = append(doc.Channel.Items, it)
	}
	return encodeXML(doc)
}

func encodeXML(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode feed: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/).
type jsonFeedDoc struct {
	Version     string         `json:"version"`
	Title       string         `json:"title"`
	HomePageURL string         `json:"home_page_url"`
	FeedURL     string         `json:"feed_url"`
	Description string         `json:"description,omitempty"`
	Icon        string         `json:"icon,omitempty"`
	Authors     []jsonAuthor   `json:"authors"`
	Language    string         `json:"language"`
	Hubs        []jsonHub      `json:"hubs,omitempty"`
	Items       []jsonFeedItem `json:"items"`
}

// jsonHub is a WebSub hub of a JSON Feed: "WebSub" and its URL.
type jsonHub struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type jsonAuthor struct {
	Name   string `json:"name"`
	URL    string `json:"url"`
	Avatar string `json:"avatar,omitempty"`
}

type jsonFeedItem struct {
	ID            string           `json:"id"`
	URL           string           `json:"url"`
	ExternalURL   string           `json:"external_url,omitempty"`
	Title         string           `json:"title,omitempty"`
	ContentHTML   string           `json:"content_html"`
	Summary       string           `json:"summary,omitempty"`
	Image         string           `json:"image,omitempty"`
	DatePublished string           `json:"date_published"`
	DateModified  string           `json:"date_modified,omitempty"`
	Tags          []string         `json:"tags,omitempty"`
	Attachments   []jsonAttachment `json:"attachments,omitempty"`
	// IndieWeb is the post's copies elsewhere, in an extension object: JSON Feed 1.1
	// has no field for them (external_url is the page a post is about, not a copy of
	// it), and its readers ignore the objects they do not know ("Extensions").
	IndieWeb *jsonIndieWeb `json:"_indieweb,omitempty"`
}

// jsonIndieWeb is the item's "_indieweb" extension object: about, as JSON Feed
// recommends for extensions, names the rel it carries.
type jsonIndieWeb struct {
	About       string   `json:"about"`
	Syndication []string `json:"syndication"`
}

// relSyndication is the rel of a post's copies elsewhere
// (https://microformats.org/wiki/rel-syndication), in Atom and RSS items as on the page.
const relSyndication = "syndication"

type jsonAttachment struct {
	URL      string `json:"url"`
	MIMEType string `json:"mime_type"`
	Size     int64  `json:"size_in_bytes,omitempty"`
}

func (h *Handler) jsonFeed(fd *feedData) ([]byte, error) {
	doc := jsonFeedDoc{
		Version: "https://jsonfeed.org/version/1.1", Title: fd.Title, HomePageURL: fd.HomeURL,
		FeedURL: fd.SelfURL, Description: h.who().Note, Icon: h.who().Photo, Language: h.cfg.Lang,
		Authors: []jsonAuthor{{Name: h.who().Name, URL: h.cfg.URL, Avatar: h.who().Photo}},
		Items:   []jsonFeedItem{},
	}
	if h.cfg.Hub != "" {
		doc.Hubs = []jsonHub{{Type: "WebSub", URL: h.cfg.Hub}}
	}
	for i, e := range fd.Entries {
		it := jsonFeedItem{
			ID: e.URL, URL: e.URL, Title: e.Name, ContentHTML: fd.Contents[i], Summary: e.Summary,
			DatePublished: e.Published.Time.Format(time.RFC3339),
		}
		if !e.Updated.IsZero() {
			it.DateModified = e.Updated.Time.Format(time.RFC3339)
		}
		if ext := e.external(); ext != "" {
			it.ExternalURL = ext
		}
		if len(e.Photos) > 0 {
			it.Image = e.Photos[0].URL
		}
		for _, t := range e.Tags {
			it.Tags = append(it.Tags, t.Name)
		}
		for _, enc := range fd.Enclosures[i] {
			it.Attachments = append(it.Attachments, jsonAttachment{URL: enc.URL, MIMEType: enc.Type, Size: enc.Size})
		}
		if len(e.Syndication) > 0 {
			it.IndieWeb = &jsonIndieWeb{About: "https://microformats.org/wiki/rel-syndication", Syndication: e.Syndication}
		}
		doc.Items = append(doc.Items, it)
	}
	// Written once, without escaping <, > and & as \u003c…: the feed is never embedded in
	// a page, and content_html holds a great many of them.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode feed: %w", err)
	}
	return buf.Bytes(), nil
}

// external is the page a response is about (JSON Feed's external_url).
func (e *entry) external() string {
	for _, cs := range [][]cite{e.BookmarkOf, e.LikeOf, e.RepostOf, e.InReplyTo, e.QuotationOf} {
		if len(cs) > 0 {
			return cs[0].URL
		}
	}
	return ""
}
