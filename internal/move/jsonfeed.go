package move

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net/url"
	"os"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// parseJSONFeed reads a JSON Feed (versions 1 and 1.1; Micro.blog exports one) into
// entries, and the URLs of the files they use (attachments, images), which it leaves in
// the items for the import to rewrite. Items without content, title or attachments are
// skipped.
func parseJSONFeed(b []byte) (entries []entry, files []string, err error) {
	var f struct {
		Version string     `json:"version"`
		Items   []feedItem `json:"items"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, nil, fmt.Errorf("%w: JSON Feed: %v", ErrFormat, err)
	}
	if !strings.HasPrefix(f.Version, "https://jsonfeed.org/version/") {
		return nil, nil, fmt.Errorf("%w: JSON Feed: version %q", ErrFormat, f.Version)
	}
	for _, it := range f.Items {
		e, used, ok := feedEntry(it)
		if !ok {
			continue
		}
		entries = append(entries, e)
		files = append(files, used...)
	}
	return entries, files, nil
}

// feedEntry turns one feed item into an h-entry: title as name, content_html or
// content_text as content, dates, tags, the image and attachments as photo, video or
// audio by their type.
func feedEntry(fi feedItem) (entry, []string, bool) {
	props := map[string][]any{}
	switch {
	case fi.ContentHTML != "":
		props["content"] = []any{map[string]any{"html": fi.ContentHTML}}
	case fi.ContentText != "":
		props["content"] = []any{fi.ContentText}
	}
	if t := strings.TrimSpace(fi.Title); t != "" {
		props["name"] = []any{t}
	}
	if s := strings.TrimSpace(fi.Summary); s != "" {
		props["summary"] = []any{s}
	}
	for name, d := range map[string]string{"published": fi.DatePublished, "updated": fi.DateModified} {
		if t, err := post.ParseTime(d); err == nil {
			props[name] = []any{t.Format(time.RFC3339)}
		}
	}
	for _, tag := range fi.Tags {
		if tag = strings.TrimSpace(tag); tag != "" {
			props["category"] = append(props["category"], tag)
		}
	}
	var files []string
	if isWebURL(fi.Image) {
		props["photo"] = append(props["photo"], fi.Image)
		files = append(files, fi.Image)
	}
	for _, a := range fi.Attachments {
		if !isWebURL(a.URL) {
			continue
		}
		prop := "photo"
		switch {
		case strings.HasPrefix(a.MimeType, "video/"):
			prop = "video"
		case strings.HasPrefix(a.MimeType, "audio/"):
			prop = "audio"
		case !strings.HasPrefix(a.MimeType, "image/"):
			continue
		}
		props[prop] = append(props[prop], a.URL)
		files = append(files, a.URL)
	}
	files = append(files, ownFiles(fi.ContentHTML, fi.URL)...)
	if fi.ExternalURL != "" && isWebURL(fi.ExternalURL) {
		props["bookmark-of"] = []any{fi.ExternalURL}
	}
	if len(props["content"]) == 0 && len(props["name"]) == 0 && len(files) == 0 {
		return entry{}, nil, false
	}
	old := fi.URL
	if old == "" && isWebURL(fi.ID) {
		old = fi.ID
	}
	return entry{item: post.Item{Type: []string{"h-entry"}, Properties: props}, oldURL: old}, files, true
}

// srcAttr finds the URLs of images, audio and video in HTML.
var srcAttr = regexp.MustCompile(`\bsrc\s*=\s*["']([^"'<>\s]+)["']`)

// ownFiles are the files that the HTML shows from the post's own host (its uploads,
// which move with it), by their extension: images, audio and video.
func ownFiles(html, postURL string) []string {
	pu, err := url.Parse(postURL)
	if err != nil || pu.Host == "" {
		return nil
	}
	var files []string
	for _, m := range srcAttr.FindAllStringSubmatch(html, -1) {
		u, err := url.Parse(m[1])
		if err != nil || u.Host != pu.Host || !isWebURL(m[1]) {
			continue
		}
		typ := mime.TypeByExtension(path.Ext(u.Path))
		if strings.HasPrefix(typ, "image/") || strings.HasPrefix(typ, "audio/") || strings.HasPrefix(typ, "video/") {
			files = append(files, m[1])
		}
	}
	return files
}

func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// jsonFeedFile imports the JSON Feed in name, whose files may lie in dir at their URLs'
// paths (a directory unpacked from Micro.blog's archive keeps uploads/… beside
// feed.json).
func (im *importer) jsonFeedFile(ctx context.Context, name, dir string) error {
	b, err := readFile(name)
	if err != nil {
		return err
	}
	return im.jsonFeed(ctx, b, os.DirFS(dir))
}

// jsonFeed imports the JSON Feed b, whose files may lie in local at their URLs' paths.
func (im *importer) jsonFeed(ctx context.Context, b []byte, local fs.FS) error {
	entries, files, err := parseJSONFeed(b)
	if err != nil {
		return err
	}
	for _, f := range files {
		im.fetch(ctx, f, local, "")
	}
	return im.placeAll(ctx, entries)
}

// placeAll points the entries to the files' new URLs and places them.
func (im *importer) placeAll(ctx context.Context, entries []entry) error {
	r := replacer(im.media)
	for _, e := range entries {
		rewriteFunc(e.item.Properties, r.Replace)
		if err := im.placeOrWarn(ctx, e); err != nil {
			return err
		}
	}
	return nil
}
