package site_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/site"
)

// The feeds' view of media: RSS enclosures and channel image, Atom enclosure links, JSON
// Feed attachments.
type rssMediaFeed struct {
	Channel struct {
		Title string `xml:"title"`
		Image *struct {
			URL   string `xml:"url"`
			Title string `xml:"title"`
			Link  string `xml:"link"`
		} `xml:"image"`
		Items []struct {
			GUID       string `xml:"guid"`
			Enclosures []struct {
				URL    *string `xml:"url,attr"`
				Length *string `xml:"length,attr"`
				Type   *string `xml:"type,attr"`
			} `xml:"enclosure"`
		} `xml:"item"`
	} `xml:"channel"`
}

type atomMediaFeed struct {
	Entries []struct {
		ID    string `xml:"id"`
		Links []struct {
			Rel    string `xml:"rel,attr"`
			Type   string `xml:"type,attr"`
			Href   string `xml:"href,attr"`
			Length string `xml:"length,attr"`
		} `xml:"link"`
	} `xml:"entry"`
}

type jsonMediaFeed struct {
	Items []struct {
		ID          string `json:"id"`
		Attachments []struct {
			URL      string `json:"url"`
			MIMEType string `json:"mime_type"`
			Size     *int64 `json:"size_in_bytes"`
		} `json:"attachments"`
	} `json:"items"`
}

func TestFeedEnclosures(t *testing.T) {
	ts := newSite(t)
	episode := ts.Cfg.URL + "media/9f/3d/9f3d5375aa0000000000000000000000000000000000000000000000000000cf.mp3"
	cover := ts.Cfg.URL + "media/1a/2b/1a2b000000000000000000000000000000000000000000000000000000000000.jpg"
	for _, u := range []*media.Upload{
		{URL: episode, Path: "9f/3d/episode.mp3", Hash: "9f3d", Type: "audio/mpeg", Size: 48213577, Published: time.Now()},
		{URL: cover, Path: "1a/2b/cover.jpg", Hash: "1a2b", Type: "image/jpeg", Size: 20480, Published: time.Now()},
	} {
		if err := ts.DB.SaveUpload(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	base := time.Date(2024, 5, 4, 9, 0, 0, 0, time.UTC)
	podcast := ts.createPost(t, map[string]any{"type": []any{"h-entry"}, "properties": map[string]any{
		"name": []any{"Episode 1"}, "content": []any{"Our first episode."},
		"photo": []any{cover}, "audio": []any{episode},
	}}, at(base))
	swarm := ts.createPost(t, item(t, readFixture(t, "ownyourswarm-checkin.json")), at(base.Add(time.Hour)))
	video := ts.createPost(t, map[string]any{"type": []any{"h-entry"}, "properties": map[string]any{
		"content": []any{"Waves"}, "video": []any{"https://cdn.example.com/v/waves.MP4?sig=1"},
	}}, at(base.Add(2*time.Hour)))
	text := ts.createPost(t, note("Just words"), at(base.Add(3*time.Hour)))

	type want struct{ url, typ, size string } // size "" when unknown
	wants := map[string][]want{
		podcast.URL: {{episode, "audio/mpeg", "48213577"}, {cover, "image/jpeg", "20480"}},
		swarm.URL:   {{"https://photos.example.com/img/general/original/59164_Qm3vX9aLp0Zr.jpg", "image/jpeg", ""}},
		video.URL:   {{"https://cdn.example.com/v/waves.MP4?sig=1", "video/mp4", ""}},
		text.URL:    nil,
	}

	t.Run("rss", func(t *testing.T) {
		_, body := ts.page2(t, "/feed.rss")
		var f rssMediaFeed
		if err := xml.Unmarshal(body, &f); err != nil {
			t.Fatalf("decode RSS: %v\n%s", err, body)
		}
		if img := f.Channel.Image; img == nil || img.URL != ts.Cfg.Photo || img.Title != f.Channel.Title || img.Link != ts.Cfg.URL {
			t.Errorf("channel image %+v, want url %q, title %q, link %q", img, ts.Cfg.Photo, f.Channel.Title, ts.Cfg.URL)
		}
		if len(f.Channel.Items) != len(wants) {
			t.Fatalf("%d items, want %d", len(f.Channel.Items), len(wants))
		}
		for _, it := range f.Channel.Items {
			w := wants[it.GUID]
			if len(w) == 0 {
				if len(it.Enclosures) != 0 {
					t.Errorf("%s: enclosures %v, want none", it.GUID, it.Enclosures)
				}
				continue
			}
			// RSS 2.0: url, length and type are required; one enclosure per item.
			if len(it.Enclosures) != 1 {
				t.Errorf("%s: %d enclosures, want 1", it.GUID, len(it.Enclosures))
				continue
			}
			enc := it.Enclosures[0]
			if enc.URL == nil || enc.Length == nil || enc.Type == nil {
				t.Errorf("%s: enclosure lacks url, length or type: %+v", it.GUID, enc)
				continue
			}
			if _, err := strconv.ParseUint(*enc.Length, 10, 63); err != nil {
				t.Errorf("%s: enclosure length %q: %v", it.GUID, *enc.Length, err)
			}
			wantLen := w[0].size
			if wantLen == "" {
				wantLen = "0"
			}
			if *enc.URL != w[0].url || *enc.Type != w[0].typ || *enc.Length != wantLen {
				t.Errorf("%s: enclosure %s %s %s, want %s %s %s", it.GUID, *enc.URL, *enc.Type, *enc.Length, w[0].url, w[0].typ, wantLen)
			}
		}
	})

	t.Run("atom", func(t *testing.T) {
		_, body := ts.page2(t, "/feed.atom")
		var f atomMediaFeed
		if err := xml.Unmarshal(body, &f); err != nil {
			t.Fatalf("decode Atom: %v\n%s", err, body)
		}
		for _, e := range f.Entries {
			var got []string
			for _, l := range e.Links {
				if l.Rel == "enclosure" {
					got = append(got, l.Href+" "+l.Type+" "+l.Length)
				}
			}
			var wantLinks []string
			for _, w := range wants[e.ID] {
				wantLinks = append(wantLinks, w.url+" "+w.typ+" "+w.size)
			}
			if strings.Join(got, "\n") != strings.Join(wantLinks, "\n") {
				t.Errorf("%s: enclosure links\n%s\nwant\n%s", e.ID, strings.Join(got, "\n"), strings.Join(wantLinks, "\n"))
			}
		}
	})

	t.Run("json", func(t *testing.T) {
		_, body := ts.page2(t, "/feed.json")
		var f jsonMediaFeed
		if err := json.Unmarshal(body, &f); err != nil {
			t.Fatal(err)
		}
		for _, it := range f.Items {
			var got []string
			for _, a := range it.Attachments {
				size := ""
				if a.Size != nil {
					size = strconv.FormatInt(*a.Size, 10)
				}
				got = append(got, a.URL+" "+a.MIMEType+" "+size)
			}
			var wantAtt []string
			for _, w := range wants[it.ID] {
				wantAtt = append(wantAtt, w.url+" "+w.typ+" "+w.size)
			}
			if strings.Join(got, "\n") != strings.Join(wantAtt, "\n") {
				t.Errorf("%s: attachments\n%s\nwant\n%s", it.ID, strings.Join(got, "\n"), strings.Join(wantAtt, "\n"))
			}
		}
	})
}

// Without --photo the RSS channel has no image, which would need a url.
func TestRSSWithoutPhoto(t *testing.T) {
	ts := newSite(t, func(c *site.Config) { c.Photo = "" })
	ts.createPost(t, note("Hello"))
	_, body := ts.page2(t, "/feed.rss")
	var f rssMediaFeed
	if err := xml.Unmarshal(body, &f); err != nil {
		t.Fatal(err)
	}
	if f.Channel.Image != nil {
		t.Errorf("channel image %+v without a photo", f.Channel.Image)
	}
}
