package site_test

import (
	"encoding/json"
	"encoding/xml"
	"slices"
	"testing"
	"time"
)

// TestFeedsCarrySyndication: each feed's item carries the post's copies elsewhere, its
// syndication URLs (http and https only): Atom and RSS as links of rel "syndication"
// (in RSS an atom:link), JSON Feed in the item's "_indieweb" extension object, never as
// external_url.
func TestFeedsCarrySyndication(t *testing.T) {
	ts := newSite(t)
	copies := []any{"https://social.example/@jane/1099", "https://bsky.app/profile/jane.example/post/3kabc"}
	ts.createPost(t, note("copied elsewhere"), set("syndication", append(copies, "javascript:alert(1)")...),
		at(time.Date(2024, 5, 4, 9, 0, 0, 0, time.UTC)))
	ts.createPost(t, note("only here"), at(time.Date(2024, 5, 4, 8, 0, 0, 0, time.UTC)))
	want := []string{copies[0].(string), copies[1].(string)}
	type link struct {
		XMLName xml.Name
		Rel     string `xml:"rel,attr"`
		Href    string `xml:"href,attr"`
	}
	syndication := func(links []link, space string) []string {
		var out []string
		for _, l := range links {
			if l.Rel == "syndication" && l.XMLName.Space == space {
				out = append(out, l.Href)
			}
		}
		return out
	}

	_, body := ts.page2(t, "/feed.atom")
	var atom struct {
		Entries []struct {
			Links []link `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(body, &atom); err != nil || len(atom.Entries) != 2 {
		t.Fatalf("Atom: %d entries, %v\n%s", len(atom.Entries), err, body)
	}
	if got := syndication(atom.Entries[0].Links, "http://www.w3.org/2005/Atom"); !slices.Equal(got, want) {
		t.Errorf("Atom entry's syndication links %q, want %q\n%s", got, want, body)
	}
	if got := syndication(atom.Entries[1].Links, "http://www.w3.org/2005/Atom"); len(got) != 0 {
		t.Errorf("Atom entry without copies has syndication links %q", got)
	}

	_, body = ts.page2(t, "/feed.rss")
	var rss struct {
		Items []struct {
			Links []link `xml:"link"`
		} `xml:"channel>item"`
	}
	if err := xml.Unmarshal(body, &rss); err != nil || len(rss.Items) != 2 {
		t.Fatalf("RSS: %d items, %v\n%s", len(rss.Items), err, body)
	}
	if got := syndication(rss.Items[0].Links, "http://www.w3.org/2005/Atom"); !slices.Equal(got, want) {
		t.Errorf("RSS item's atom:link syndication %q, want %q\n%s", got, want, body)
	}

	_, body = ts.page2(t, "/feed.json")
	var feed struct {
		Items []struct {
			ExternalURL string `json:"external_url"`
			IndieWeb    *struct {
				About       string   `json:"about"`
				Syndication []string `json:"syndication"`
			} `json:"_indieweb"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &feed); err != nil || len(feed.Items) != 2 {
		t.Fatalf("JSON Feed: %d items, %v\n%s", len(feed.Items), err, body)
	}
	if it := feed.Items[0]; it.IndieWeb == nil || !slices.Equal(it.IndieWeb.Syndication, want) || it.IndieWeb.About == "" || it.ExternalURL != "" {
		t.Errorf("JSON Feed item: _indieweb %+v, external_url %q; want syndication %q and no external_url", it.IndieWeb, it.ExternalURL, want)
	}
	if it := feed.Items[1]; it.IndieWeb != nil {
		t.Errorf("JSON Feed item without copies has _indieweb %+v", it.IndieWeb)
	}
}
