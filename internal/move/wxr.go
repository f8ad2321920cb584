package move

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"html"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// A WordPress export (WXR, "WordPress eXtended RSS") is RSS 2.0 with WordPress's own
// elements: https://developer.wordpress.org/ (Tools > Export). Versions 1.0 to 1.2 differ
// in the wp namespace's URL only, so elements are matched by their local names, except
// content:encoded and excerpt:encoded, which share one.
const (
	excerptNS = "/excerpt/" // http://wordpress.org/export/1.2/excerpt/
)

type wxrItem struct {
	Title   string `xml:"title"`
	Link    string `xml:"link"`
	PubDate string `xml:"pubDate"`
	Encoded []struct {
		XMLName xml.Name
		Text    string `xml:",chardata"`
	} `xml:"encoded"`
	PostID        string `xml:"post_id"`
	PostDate      string `xml:"post_date"`
	PostDateGMT   string `xml:"post_date_gmt"`
	PostModified  string `xml:"post_modified_gmt"`
	PostName      string `xml:"post_name"`
	Status        string `xml:"status"`
	PostParent    string `xml:"post_parent"`
	PostType      string `xml:"post_type"`
	AttachmentURL string `xml:"attachment_url"`
	Categories    []struct {
		Domain string `xml:"domain,attr"`
		Name   string `xml:",chardata"`
	} `xml:"category"`
	Meta []struct {
		Key   string `xml:"meta_key"`
		Value string `xml:"meta_value"`
	} `xml:"postmeta"`
}

type wxrDoc struct {
	Channel struct {
		Link  string    `xml:"link"`
		Items []wxrItem `xml:"item"`
	} `xml:"channel"`
}

// wxrAttachment is a file of the WordPress site.
type wxrAttachment struct {
	ID, URL string
}

// parseWXR reads a WordPress export: posts and pages (pages become articles, being named)
// with their categories and tags, and the attachments, which the posts keep pointing to
// at their old URLs until the import has stored them. Drafts and pending posts become
// drafts, private ones private; trashed posts, revisions, menus and the like are left out.
// A post's featured image (_thumbnail_id) becomes its photo.
func parseWXR(b []byte) (entries []entry, files []wxrAttachment, err error) {
	var doc wxrDoc
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = false
	dec.Entity = xml.HTMLEntity
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("%w: WordPress export: %v", ErrFormat, err)
	}
	byID := map[string]string{}
	for _, it := range doc.Channel.Items {
		if it.PostType == "attachment" && isWebURL(strings.TrimSpace(it.AttachmentURL)) {
			u := strings.TrimSpace(it.AttachmentURL)
			files = append(files, wxrAttachment{ID: strings.TrimSpace(it.PostID), URL: u})
			byID[strings.TrimSpace(it.PostID)] = u
		}
	}
	for _, it := range doc.Channel.Items {
		if e, ok := wxrEntry(it, byID); ok {
			entries = append(entries, e)
		}
	}
	return entries, files, nil
}

func wxrEntry(it wxrItem, attachments map[string]string) (entry, bool) {
	typ := strings.TrimSpace(it.PostType)
	if typ != "post" && typ != "page" {
		return entry{}, false
	}
	props := map[string][]any{}
	switch strings.TrimSpace(it.Status) {
	case "publish":
	case "private":
		props["visibility"] = []any{post.VisibilityPrivate}
	case "draft", "pending", "future":
		props["post-status"] = []any{post.StatusDraft}
	default: // trash, auto-draft, inherit
		return entry{}, false
	}
	if t := strings.TrimSpace(html.UnescapeString(it.Title)); t != "" {
		props["name"] = []any{t}
	} else if typ == "page" {
		props["name"] = []any{strings.TrimSpace(it.PostName)}
	}
	for _, enc := range it.Encoded {
		text := strings.TrimSpace(enc.Text)
		if text == "" {
			continue
		}
		if strings.Contains(enc.XMLName.Space, excerptNS) {
			props["summary"] = []any{text}
		} else {
			props["content"] = []any{map[string]any{"html": autop(text)}}
		}
	}
	if t, ok := wxrTime(it); ok {
		props["published"] = []any{t.Format(time.RFC3339)}
	}
	if t, err := time.Parse("2006-01-02 15:04:05", strings.TrimSpace(it.PostModified)); err == nil && !t.IsZero() && t.Year() > 1 {
		props["updated"] = []any{t.UTC().Format(time.RFC3339)}
	}
	for _, c := range it.Categories {
		name := strings.TrimSpace(html.UnescapeString(c.Name))
		if (c.Domain == "category" || c.Domain == "post_tag") && name != "" && name != "Uncategorized" {
			props["category"] = append(props["category"], name)
		}
	}
	for _, m := range it.Meta {
		if strings.TrimSpace(m.Key) == "_thumbnail_id" {
			if u, ok := attachments[strings.TrimSpace(m.Value)]; ok {
				props["photo"] = []any{u}
			}
		}
	}
	if len(props["content"]) == 0 && len(props["name"]) == 0 && len(props["photo"]) == 0 {
		return entry{}, false
	}
	slug := strings.TrimSpace(it.PostName)
	if slug == "" {
		slug = path.Base(strings.TrimSuffix(strings.TrimSpace(it.Link), "/"))
	}
	return entry{item: post.Item{Type: []string{"h-entry"}, Properties: props},
		oldURL: strings.TrimSpace(it.Link), slug: slug}, true
}

// wxrTime is when a post was published: post_date_gmt, or pubDate for drafts, whose GMT
// date is zero.
func wxrTime(it wxrItem) (time.Time, bool) {
	if t, err := time.Parse("2006-01-02 15:04:05", strings.TrimSpace(it.PostDateGMT)); err == nil && t.Year() > 1 {
		return t, true
	}
	if t, err := time.Parse(time.RFC1123Z, strings.TrimSpace(it.PubDate)); err == nil && t.Year() > 1 {
		return t.UTC(), true
	}
	return time.Time{}, false
}

var blockStart = regexp.MustCompile(`(?i)^<(p|div|h[1-6]|ul|ol|li|blockquote|pre|figure|table|hr|!--)[\s>/]`)

// autop does what WordPress's wpautop does to stored content when it shows it: blank
// lines separate paragraphs, single line breaks are <br>. Content already in blocks (the
// block editor's) is left as it is.
func autop(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if strings.Contains(s, "<p>") || strings.Contains(s, "<p ") || !strings.Contains(s, "\n") {
		return s
	}
	var b strings.Builder
	for _, para := range strings.Split(s, "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		if blockStart.MatchString(para) {
			b.WriteString(para)
		} else {
			b.WriteString("<p>" + strings.ReplaceAll(para, "\n", "<br>\n") + "</p>")
		}
		b.WriteString("\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// sizedVariant matches the URLs of the resized copies WordPress makes of an image
// (photo-300x200.jpg for photo.jpg), which content often shows instead of the original.
func sizedVariant(u string) *regexp.Regexp {
	ext := path.Ext(u)
	base := strings.TrimSuffix(u, ext)
	return regexp.MustCompile(regexp.QuoteMeta(base) + `-\d+x\d+` + regexp.QuoteMeta(ext))
}

// wxr imports a WordPress export: the attachments first (from cfg.UploadsDir, else
// downloaded), then the posts and pages, pointing to the stored files, resized copies
// included.
func (im *importer) wxr(ctx context.Context, b []byte) error {
	entries, files, err := parseWXR(b)
	if err != nil {
		return err
	}
	var uploads fs.FS
	if im.cfg.UploadsDir != "" {
		uploads = os.DirFS(im.cfg.UploadsDir)
	}
	for _, f := range files {
		im.fetch(ctx, f.URL, uploads, "/wp-content/uploads/")
	}
	for i := range entries {
		for _, f := range files {
			n, ok := im.media[f.URL]
			if !ok {
				continue
			}
			re := sizedVariant(f.URL)
			rewriteFunc(entries[i].item.Properties, func(s string) string { return re.ReplaceAllLiteralString(s, n) })
		}
	}
	return im.placeAll(ctx, entries)
}

// rewriteFunc applies fn to every string of an item's properties.
func rewriteFunc(props map[string][]any, fn func(string) string) {
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case string:
			return fn(x)
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		case map[string]any:
			for k := range x {
				x[k] = walk(x[k])
			}
		}
		return v
	}
	for _, vs := range props {
		for i := range vs {
			vs[i] = walk(vs[i])
		}
	}
}
