package site_test

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/site"
	"golang.org/x/net/html"
)

const hub = "https://hub.example/"

// TestWebSubLinks checks that with a hub the home page and every feed, the tags' too,
// name the hub and themselves in Link headers and in the document, and that without one
// none of them do.
func TestWebSubLinks(t *testing.T) {
	ts := newSite(t, func(c *site.Config) { c.Hub = hub })
	ts.createPost(t, item(t, "h=entry&content=hello&category[]=Coffee"))
	tests := []struct {
		path, self string
		inDoc      func(t *testing.T, body string) (hub, self string)
	}{
		{"/", ts.Cfg.URL, htmlLinks},
		{"/feed.atom", ts.Cfg.URL + "feed.atom", atomLinks},
		{"/feed.rss", ts.Cfg.URL + "feed.rss", rssLinks},
		{"/feed.json", ts.Cfg.URL + "feed.json", jsonLinks},
		{"/tags/COFFEE/feed.atom", ts.Cfg.URL + "tags/coffee/feed.atom", atomLinks},
		{"/tags/coffee/feed.json", ts.Cfg.URL + "tags/coffee/feed.json", jsonLinks},
	}
	for _, tt := range tests {
		resp, body := get(t, ts, tt.path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", tt.path, resp.StatusCode)
		}
		links := resp.Header.Values("Link")
		for _, want := range []string{"<" + hub + `>; rel="hub"`, "<" + tt.self + `>; rel="self"`} {
			if !slices.Contains(links, want) {
				t.Errorf("GET %s: Link headers %q, want %q among them", tt.path, links, want)
			}
		}
		if h, s := tt.inDoc(t, body); h != hub || s != tt.self {
			t.Errorf("GET %s: in the document hub %q, self %q; want %q, %q", tt.path, h, s, hub, tt.self)
		}
	}

	plain := newSite(t)
	plain.createPost(t, item(t, "h=entry&content=hello"))
	for _, path := range []string{"/", "/feed.atom", "/feed.rss", "/feed.json"} {
		resp, body := get(t, plain, path)
		if strings.Contains(strings.Join(resp.Header.Values("Link"), ","), `rel="hub"`) || strings.Contains(body, "hub") {
			t.Errorf("GET %s without a hub names one", path)
		}
	}
}

// TestTopics checks which URLs a change to a post concerns.
func TestTopics(t *testing.T) {
	ts := newSite(t, func(c *site.Config) { c.Hub = hub })
	p := ts.createPost(t, item(t, "h=entry&content=hello&category[]=Coffee"))
	u := ts.Cfg.URL
	want := []string{u, u + "feed.atom", u + "feed.rss", u + "feed.json",
		u + "tags/coffee/feed.atom", u + "tags/coffee/feed.rss", u + "tags/coffee/feed.json"}
	if got := ts.Handler.Topics(p); !slices.Equal(got, want) {
		t.Errorf("Topics of a public post: %q, want %q", got, want)
	}
	p.Visibility = post.VisibilityPrivate
	if got := ts.Handler.Topics(p); len(got) != 0 {
		t.Errorf("Topics of a private post: %q, want none", got)
	}
}

func get(t *testing.T, ts *testSite, path string) (*http.Response, string) {
	t.Helper()
	resp, err := ts.Client().Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp, b.String()
}

func htmlLinks(t *testing.T, body string) (hubURL, self string) {
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.Data != "link" {
			continue
		}
		var rel, href string
		for _, a := range n.Attr {
			switch a.Key {
			case "rel":
				rel = a.Val
			case "href":
				href = a.Val
			}
		}
		switch rel {
		case "hub":
			hubURL = href
		case "self":
			self = href
		}
	}
	return hubURL, self
}

type xmlLink struct {
	Rel  string `xml:"rel,attr"`
	Href string `xml:"href,attr"`
}

func pick(links []xmlLink) (hubURL, self string) {
	for _, l := range links {
		switch l.Rel {
		case "hub":
			hubURL = l.Href
		case "self":
			self = l.Href
		}
	}
	return hubURL, self
}

func atomLinks(t *testing.T, body string) (string, string) {
	var doc struct {
		Links []xmlLink `xml:"http://www.w3.org/2005/Atom link"`
	}
	if err := xml.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	return pick(doc.Links)
}

func rssLinks(t *testing.T, body string) (string, string) {
	var doc struct {
		Channel struct {
			Links []xmlLink `xml:"http://www.w3.org/2005/Atom link"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	return pick(doc.Channel.Links)
}

func jsonLinks(t *testing.T, body string) (string, string) {
	var doc struct {
		FeedURL string `json:"feed_url"`
		Hubs    []struct{ Type, URL string }
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Hubs) != 1 || doc.Hubs[0].Type != "WebSub" {
		t.Errorf("hubs %+v, want one of type WebSub", doc.Hubs)
		return "", doc.FeedURL
	}
	return doc.Hubs[0].URL, doc.FeedURL
}
