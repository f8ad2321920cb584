package move

import (
	"mime"
	"path"

	"github.com/indiepub/indiepub/internal/post"
)

// jsonFeed is a JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/).
type jsonFeed struct {
	Version     string     `json:"version"`
	Title       string     `json:"title"`
	HomePageURL string     `json:"home_page_url,omitempty"`
	FeedURL     string     `json:"feed_url,omitempty"`
	Items       []feedItem `json:"items"`
}

type feedItem struct {
	ID            string           `json:"id"`
	URL           string           `json:"url,omitempty"`
	ExternalURL   string           `json:"external_url,omitempty"`
	Title         string           `json:"title,omitempty"`
	ContentHTML   string           `json:"content_html,omitempty"`
	ContentText   string           `json:"content_text,omitempty"`
	Summary       string           `json:"summary,omitempty"`
	Image         string           `json:"image,omitempty"`
	DatePublished string           `json:"date_published,omitempty"`
	DateModified  string           `json:"date_modified,omitempty"`
	Tags          []string         `json:"tags,omitempty"`
	Attachments   []feedAttachment `json:"attachments,omitempty"`
}

type feedAttachment struct {
	URL      string `json:"url"`
	MimeType string `json:"mime_type"`
}

// jsonFeedOf is every post as a JSON Feed item, with its photos, videos and audio as
// attachments.
func jsonFeedOf(cfg Config, posts []*post.Post) jsonFeed {
	f := jsonFeed{Version: "https://jsonfeed.org/version/1.1", Title: cfg.URL, HomePageURL: cfg.URL,
		Items: []feedItem{}}
	for _, p := range posts {
		text, html := content(p.Item)
		it := feedItem{ID: p.URL, URL: p.URL, Title: p.Item.First("name"), ContentHTML: html,
			Summary: p.Item.First("summary"), DatePublished: p.Item.First("published"),
			DateModified: p.Item.First("updated"), Tags: p.Categories}
		if html == "" {
			it.ContentText = text
		}
		for _, prop := range []string{"photo", "video", "audio"} {
			for _, v := range p.Item.Properties[prop] {
				u := valueOf(v)
				if u == "" {
					continue
				}
				typ := mime.TypeByExtension(path.Ext(u))
				if typ == "" {
					typ = prop + "/*"
				}
				it.Attachments = append(it.Attachments, feedAttachment{URL: u, MimeType: typ})
			}
		}
		f.Items = append(f.Items, it)
	}
	return f
}

// valueOf is the URL of a photo-like value: a string, or {"value": …}.
func valueOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		s, _ := x["value"].(string)
		return s
	}
	return ""
}
