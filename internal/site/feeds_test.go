package site_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// xmlTexts returns the character data of every element with one of the local names.
func xmlTexts(t *testing.T, doc []byte, names ...string) []string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var out []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("feed is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			for _, n := range names {
				if se.Name.Local == n {
					var s string
					if err := dec.DecodeElement(&s, &se); err != nil {
						t.Fatal(err)
					}
					out = append(out, s)
				}
			}
		}
	}
}

type atomFeed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string   `xml:"title"`
	ID      string   `xml:"id"`
	Updated string   `xml:"updated"`
	Links   []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Author struct {
		Name string `xml:"name"`
		URI  string `xml:"uri"`
	} `xml:"author"`
	Entries []struct {
		Title     string `xml:"title"`
		ID        string `xml:"id"`
		Published string `xml:"published"`
		Updated   string `xml:"updated"`
		Links     []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Content struct {
			Type string `xml:"type,attr"`
			Body string `xml:",chardata"`
		} `xml:"content"`
		Categories []struct {
			Term string `xml:"term,attr"`
		} `xml:"category"`
	} `xml:"entry"`
}

type rssFeed struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		Title string `xml:"title"`
		// RSS's <link> and the Atom self link share a local name.
		Links []struct {
			XMLName xml.Name
			Href    string `xml:"href,attr"`
			Text    string `xml:",chardata"`
		} `xml:"link"`
		Items []struct {
			Title       string   `xml:"title"`
			Link        string   `xml:"link"`
			GUID        string   `xml:"guid"`
			PubDate     string   `xml:"pubDate"`
			Description string   `xml:"description"`
			Categories  []string `xml:"category"`
		} `xml:"item"`
	} `xml:"channel"`
}

type jsonFeedDoc struct {
	Version     string `json:"version"`
	Title       string `json:"title"`
	HomePageURL string `json:"home_page_url"`
	FeedURL     string `json:"feed_url"`
	Authors     []struct {
		Name, URL, Avatar string
	} `json:"authors"`
	Items []struct {
		ID            string   `json:"id"`
		URL           string   `json:"url"`
		ExternalURL   string   `json:"external_url"`
		Title         string   `json:"title"`
		ContentHTML   string   `json:"content_html"`
		Image         string   `json:"image"`
		DatePublished string   `json:"date_published"`
		Tags          []string `json:"tags"`
	} `json:"items"`
}

func TestFeeds(t *testing.T) {
	ts := newSite(t)
	base := time.Date(2024, 5, 4, 9, 0, 0, 0, time.UTC)
	article := ts.createPost(t, item(t, readFixture(t, "quill-editor.json")), set("post-status", "published"), at(base))
	photo := ts.createPost(t, item(t, readFixture(t, "quill-note-alt.json")), at(base.Add(time.Hour)))
	like := ts.createPost(t, item(t, readFixture(t, "quill-like.form")), at(base.Add(2*time.Hour)))
	ts.createPost(t, note("draft, not in feeds"), set("post-status", "draft"), at(base.Add(3*time.Hour)))
	ts.createPost(t, note("private, not in feeds"), set("visibility", "private"), at(base.Add(4*time.Hour)))
	wantURLs := []string{like.URL, photo.URL, article.URL}

	t.Run("atom", func(t *testing.T) {
		resp, body := ts.page2(t, "/feed.atom")
		if ct := resp.Header.Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		var f atomFeed
		if err := xml.Unmarshal(body, &f); err != nil {
			t.Fatalf("decode Atom: %v\n%s", err, body)
		}
		if f.Title != "Jane Example" || f.ID != ts.Cfg.URL+"feed.atom" || f.Author.Name != "Jane Example" || f.Author.URI != ts.Cfg.URL {
			t.Errorf("feed head: %+v", f)
		}
		if _, err := time.Parse(time.RFC3339, f.Updated); err != nil {
			t.Errorf("updated %q: %v", f.Updated, err)
		}
		var got []string
		for _, e := range f.Entries {
			got = append(got, e.ID)
			if len(e.Links) == 0 || e.Links[0].Rel != "alternate" || e.Links[0].Href != e.ID || e.Title == "" || e.Content.Type != "html" || e.Content.Body == "" {
				t.Errorf("entry %+v", e)
			}
			for _, s := range []string{e.Published, e.Updated} {
				if _, err := time.Parse(time.RFC3339, s); err != nil {
					t.Errorf("entry date %q: %v", s, err)
				}
			}
		}
		if strings.Join(got, " ") != strings.Join(wantURLs, " ") {
			t.Errorf("entries %q, want %q", got, wantURLs)
		}
		if e := f.Entries[2]; e.Title != "Rebuilding my publishing flow" || !strings.Contains(e.Content.Body, "<strong>three</strong>") ||
			len(e.Categories) != 2 || e.Categories[0].Term != "indieweb" {
			t.Errorf("article entry %+v", e)
		}
		if e := f.Entries[0]; !strings.Contains(e.Content.Body, `href="https://friend.example.com/notes/2024/05/03/new-bike"`) {
			t.Errorf("like entry does not link what was liked: %q", e.Content.Body)
		}
		if e := f.Entries[1]; !strings.Contains(e.Content.Body, `alt="Orange sky over the river, seen from the café terrace"`) {
			t.Errorf("photo entry lacks the photo with alt: %q", e.Content.Body)
		}
	})

	t.Run("rss", func(t *testing.T) {
		resp, body := ts.page2(t, "/feed.rss")
		if ct := resp.Header.Get("Content-Type"); ct != "application/rss+xml; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		var f rssFeed
		if err := xml.Unmarshal(body, &f); err != nil {
			t.Fatalf("decode RSS: %v\n%s", err, body)
		}
		links := map[string]string{}
		for _, l := range f.Channel.Links {
			links[l.XMLName.Space] = l.Text + l.Href
		}
		if f.Version != "2.0" || links[""] != ts.Cfg.URL || links["http://www.w3.org/2005/Atom"] != ts.Cfg.URL+"feed.rss" {
			t.Errorf("channel: %+v", f.Channel)
		}
		var got []string
		for _, it := range f.Channel.Items {
			got = append(got, it.GUID)
			if it.Link != it.GUID || it.Description == "" {
				t.Errorf("item %+v", it)
			}
			if _, err := time.Parse(time.RFC1123Z, it.PubDate); err != nil {
				t.Errorf("pubDate %q: %v", it.PubDate, err)
			}
		}
		if strings.Join(got, " ") != strings.Join(wantURLs, " ") {
			t.Errorf("items %q, want %q", got, wantURLs)
		}
		if it := f.Channel.Items[2]; it.Title != "Rebuilding my publishing flow" || strings.Join(it.Categories, ",") != "indieweb,meta" {
			t.Errorf("article item %+v", it)
		}
	})

	t.Run("json", func(t *testing.T) {
		resp, body := ts.page2(t, "/feed.json")
		if ct := resp.Header.Get("Content-Type"); ct != "application/feed+json; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		var f jsonFeedDoc
		if err := json.Unmarshal(body, &f); err != nil {
			t.Fatal(err)
		}
		if f.Version != "https://jsonfeed.org/version/1.1" || f.Title != "Jane Example" ||
			f.HomePageURL != ts.Cfg.URL || f.FeedURL != ts.Cfg.URL+"feed.json" ||
			len(f.Authors) != 1 || f.Authors[0].Name != "Jane Example" || f.Authors[0].Avatar != ts.Cfg.Photo {
			t.Errorf("feed head: %+v", f)
		}
		var got []string
		for _, it := range f.Items {
			got = append(got, it.ID)
			if it.URL != it.ID || it.ContentHTML == "" {
				t.Errorf("item %+v", it)
			}
			if _, err := time.Parse(time.RFC3339, it.DatePublished); err != nil {
				t.Errorf("date_published %q: %v", it.DatePublished, err)
			}
		}
		if strings.Join(got, " ") != strings.Join(wantURLs, " ") {
			t.Errorf("items %q, want %q", got, wantURLs)
		}
		if it := f.Items[0]; it.ExternalURL != "https://friend.example.com/notes/2024/05/03/new-bike" {
			t.Errorf("like external_url %q", it.ExternalURL)
		}
		if it := f.Items[1]; it.Image != "https://example.com/media/2024/05/3f9a1c7e.jpg" || strings.Join(it.Tags, ",") != "photo,portland" {
			t.Errorf("photo item %+v", it)
		}
	})

	t.Run("tag", func(t *testing.T) {
		_, body := ts.page2(t, "/tags/IndieWeb/feed.json")
		var f jsonFeedDoc
		if err := json.Unmarshal(body, &f); err != nil {
			t.Fatal(err)
		}
		if len(f.Items) != 1 || f.Items[0].ID != article.URL || f.FeedURL != ts.Cfg.URL+"tags/indieweb/feed.json" ||
			f.HomePageURL != ts.Cfg.URL+"tags/indieweb" {
			t.Errorf("tag feed: %+v", f)
		}
		_, body = ts.page2(t, "/tags/portland/feed.atom")
		var a atomFeed
		if err := xml.Unmarshal(body, &a); err != nil {
			t.Fatal(err)
		}
		if len(a.Entries) != 1 || a.Entries[0].ID != photo.URL {
			t.Errorf("portland Atom feed entries %+v", a.Entries)
		}
		_, body = ts.page2(t, "/tags/portland/feed.rss")
		var r rssFeed
		if err := xml.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		if len(r.Channel.Items) != 1 || r.Channel.Items[0].GUID != photo.URL {
			t.Errorf("portland RSS items %+v", r.Channel.Items)
		}
		if resp, _ := ts.get(t, "/tags/unknown/feed.atom"); resp.StatusCode != 404 {
			t.Errorf("unknown tag feed: %d", resp.StatusCode)
		}
	})
}

// A tag that no public post carries has no feed, in any format, as it has no page: the
// feed would name it, and list nothing.
func TestTagFeedOfHiddenTag(t *testing.T) {
	ts := newSite(t)
	tagged := func(text, tag string) map[string]any {
		return map[string]any{"type": []any{"h-entry"}, "properties": map[string]any{
			"content": []any{text}, "category": []any{tag}}}
	}
	ts.createPost(t, tagged("Public", "coffee"))
	ts.createPost(t, tagged("Shh", "Surprise Party"), set("visibility", "private"))
	ts.createPost(t, tagged("Later", "Next Trip"), set("post-status", "draft"))
	ts.createPost(t, tagged("Between us", "Quiet Thing"), set("visibility", "unlisted"))
	gone := ts.createPost(t, tagged("Oops", "Old Flame"))
	if _, err := ts.DB.UpdatePost(context.Background(), gone.URL, func(p *post.Post) error {
		p.Deleted = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{"surprise%20party", "next%20trip", "quiet%20thing", "old%20flame"} {
		for _, format := range []string{"feed.atom", "feed.rss", "feed.json"} {
			path := "/tags/" + tag + "/" + format
			resp, body := ts.get(t, path)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 404 as for the tag page", path, resp.StatusCode)
			}
			for _, name := range []string{"Surprise", "Next Trip", "Quiet", "Old Flame"} {
				if strings.Contains(string(body), name) {
					t.Errorf("GET %s names the hidden tag %q", path, name)
				}
			}
		}
		if resp, _ := ts.get(t, "/tags/"+tag); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET /tags/%s: status %d, want 404", tag, resp.StatusCode)
		}
	}
	for _, format := range []string{"feed.atom", "feed.rss", "feed.json"} {
		if resp, _ := ts.get(t, "/tags/coffee/"+format); resp.StatusCode != http.StatusOK {
			t.Errorf("GET /tags/coffee/%s: status %d, want 200", format, resp.StatusCode)
		}
	}
}
