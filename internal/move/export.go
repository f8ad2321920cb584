package move

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// The files of an export, under its directory.
const (
	// ManifestFile marks a directory as an indiepub export and names the site it came
	// from, so that an import elsewhere can move its URLs.
	ManifestFile = "indiepub-export.json"
	PostsDir     = "posts"
	MediaDir     = "media"
	FeedFile     = "feed.json"
)

// exportManifest is the content of ManifestFile.
type exportManifest struct {
	Format   int       `json:"format"`
	URL      string    `json:"url"`
	Exported time.Time `json:"exported"`
}

// Export writes every post that is not deleted (drafts, private and unlisted ones
// included) into dir, which must be empty or not exist: posts/<path>.json in the shape
// of Micropub's q=source, posts/<path>.md as Markdown with YAML front matter, every media
// file under media/ at its path in the store, and feed.json, a JSON Feed 1.1 of all the
// posts, newest first.
func Export(ctx context.Context, cfg Config, store Store, files Media, dir string) (posts, mediaFiles int, err error) {
	cfg.defaults()
	if err := mkEmpty(dir); err != nil {
		return 0, 0, err
	}
	var all []*post.Post
	q := post.Query{Limit: 200}
	for {
		page, err := store.ListPosts(ctx, q)
		if err != nil {
			return 0, 0, err
		}
		for _, p := range page {
			if err := exportPost(cfg, p, dir); err != nil {
				return 0, 0, err
			}
		}
		all = append(all, page...)
		if len(page) < q.Limit {
			break
		}
		q.After = page[len(page)-1].Cursor()
	}
	if mediaFiles, err = exportMedia(ctx, files, dir); err != nil {
		return 0, 0, err
	}
	if err := writeJSON(filepath.Join(dir, FeedFile), jsonFeedOf(cfg, all)); err != nil {
		return 0, 0, err
	}
	m := exportManifest{Format: 1, URL: cfg.URL, Exported: cfg.Now().UTC()}
	return len(all), mediaFiles, writeJSON(filepath.Join(dir, ManifestFile), m)
}

func mkEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("export: %s is not empty", dir)
	}
	return nil
}

// sourceItem is a post as Micropub's q=source shows it: its stored item with
// post-status, visibility and url spelled out.
func sourceItem(p *post.Post) map[string]any {
	props := make(map[string][]any, len(p.Item.Properties)+3)
	for k, v := range p.Item.Properties {
		props[k] = v
	}
	props["post-status"] = []any{p.Status}
	props["visibility"] = []any{p.Visibility}
	props["url"] = []any{p.URL}
	m := map[string]any{"type": p.Item.Type, "properties": props}
	if len(p.Item.Children) > 0 {
		m["children"] = p.Item.Children
	}
	return m
}

// fileBase is where a post's files go under posts/: its URL's path, with "index" for a
// path that ends in a slash, confined to the directory.
func fileBase(cfg Config, p *post.Post) string {
	rel := strings.TrimPrefix(p.URL, cfg.URL)
	if rel == p.URL { // a post stored under another site URL
		if i := strings.Index(rel, "://"); i >= 0 {
			rel = rel[i+3:]
			if j := strings.IndexByte(rel, '/'); j >= 0 {
				rel = rel[j+1:]
			}
		}
	}
	rel, _, _ = strings.Cut(rel, "?")
	if rel == "" || strings.HasSuffix(rel, "/") {
		rel += "index"
	}
	rel = path.Clean("/" + rel) // no .. can leave posts/
	return filepath.Join(PostsDir, filepath.FromSlash(strings.TrimPrefix(rel, "/")))
}

func exportPost(cfg Config, p *post.Post, dir string) error {
	base := filepath.Join(dir, fileBase(cfg, p))
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return err
	}
	if err := writeJSON(base+".json", sourceItem(p)); err != nil {
		return err
	}
	return os.WriteFile(base+".md", markdown(p), 0o644)
}

func exportMedia(ctx context.Context, files Media, dir string) (int, error) {
	n := 0
	for offset := 0; ; {
		ups, err := files.Uploads(ctx, 200, offset)
		if err != nil {
			return n, err
		}
		for _, u := range ups {
			if err := copyMedia(ctx, files, u.Path, filepath.Join(dir, MediaDir, filepath.FromSlash(path.Clean("/"+u.Path)))); err != nil {
				return n, fmt.Errorf("export %s: %w", u.URL, err)
			}
			n++
		}
		if len(ups) < 200 {
			return n, nil
		}
		offset += len(ups)
	}
}

func copyMedia(ctx context.Context, files Media, p, dest string) error {
	f, _, err := files.Open(ctx, p)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	out, err := os.Create(dest)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, f); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func writeJSON(name string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return os.WriteFile(name, buf.Bytes(), 0o644)
}

// frontMatterSkip are the properties the front matter names itself.
var frontMatterSkip = []string{"content", "name", "published", "updated", "category", "post-status", "visibility", "url"}

// markdown is a post as Markdown with YAML front matter (title, date, url, tags, status
// and every other property as JSON, which YAML reads as flow style). HTML content is
// kept as HTML, which Markdown passes through.
func markdown(p *post.Post) []byte {
	var b bytes.Buffer
	b.WriteString("---\n")
	field := func(k string, v any) {
		j, _ := json.Marshal(v)
		fmt.Fprintf(&b, "%s: %s\n", k, j)
	}
	if name := p.Item.First("name"); name != "" {
		field("title", name)
	}
	field("date", p.Item.First("published"))
	if u := p.Item.First("updated"); u != "" {
		field("updated", u)
	}
	field("url", p.URL)
	field("type", p.Type)
	if len(p.Categories) > 0 {
		field("tags", p.Categories)
	}
	field("status", p.Status)
	field("visibility", p.Visibility)
	var names []string
	for k := range p.Item.Properties {
		if !slices.Contains(frontMatterSkip, k) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		field(k, p.Item.Properties[k])
	}
	b.WriteString("---\n\n")
	if text, html := content(p.Item); html != "" {
		b.WriteString(html)
	} else {
		b.WriteString(text)
	}
	b.WriteString("\n")
	return b.Bytes()
}

// content is a post's first content value as text and, where it has one, as HTML.
func content(it post.Item) (text, html string) {
	vs := it.Properties["content"]
	if len(vs) == 0 {
		return "", ""
	}
	switch c := vs[0].(type) {
	case string:
		return c, ""
	case map[string]any:
		text, _ = c["value"].(string)
		html, _ = c["html"].(string)
	}
	return text, html
}
