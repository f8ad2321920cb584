package git

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"go.yaml.in/yaml/v3"

	"github.com/indiepub/indiepub/internal/post"
)

// ErrNoFrontMatter is a file that does not start with a front-matter block: not a post.
var ErrNoFrontMatter = errors.New("no front matter")

// maxFile bounds a post file read from the repository.
const maxFile = 4 << 20

// aliases are front-matter names read back as an mf2 property: what Jekyll, Hugo and
// Indiekit sites write.
var aliases = map[string]string{
	"date": "published", "title": "name", "tags": "category", "categories": "category",
	"updated": "updated", "lastmod": "updated", "last_modified_at": "updated", "modified": "updated",
}

// generatorOnly are front-matter names that steer the generator and are no part of the
// post: they are dropped when a file is read back.
var generatorOnly = map[string]bool{"layout": true, "type": true, "weight": true, "aliases": true,
	"excerpt_separator": true, "sitemap": true, "menu": true, "slug": true, "permalink": true, "url": true, "redirect_from": true,
	"draft": true, "published": true, "eleventyExcludeFromCollections": true}

// Render is p's file: front matter with every property a theme needs, in the names the
// preset's generator expects, and the content as body (Markdown or HTML as written).
// siteURL gives the post's path on the site (the permalink); old are the paths that
// redirect to the post, written as the preset's aliases.
func (ps Preset) Render(p *post.Post, siteURL string, old []string) ([]byte, error) {
	fm := ps.frontMatter(p, siteURL, old)
	var buf bytes.Buffer
	switch ps.Format {
	case TOML:
		buf.WriteString("+++\n")
		m := map[string]any{}
		for _, kv := range fm {
			m[kv.key] = kv.value
		}
		if err := toml.NewEncoder(&buf).Encode(m); err != nil {
			return nil, fmt.Errorf("front matter of %s: %w", p.URL, err)
		}
		buf.WriteString("+++\n")
	default:
		node := &yaml.Node{Kind: yaml.MappingNode}
		for _, kv := range fm {
			var v yaml.Node
			if err := v.Encode(kv.value); err != nil {
				return nil, fmt.Errorf("front matter of %s: %s: %w", p.URL, kv.key, err)
			}
			node.Content = append(node.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: kv.key}, &v)
		}
		b, err := yaml.Marshal(node)
		if err != nil {
			return nil, fmt.Errorf("front matter of %s: %w", p.URL, err)
		}
		buf.WriteString("---\n")
		buf.Write(b)
		buf.WriteString("---\n")
	}
	if body := body(p.Item); body != "" {
		buf.WriteString(body)
		if !strings.HasSuffix(body, "\n") {
			buf.WriteByte('\n')
		}
	}
	return buf.Bytes(), nil
}

type keyValue struct {
	key   string
	value any
}

// frontMatter lists the front matter of p in a stable order: the generator's keys
// first, then the remaining mf2 properties by name.
func (ps Preset) frontMatter(p *post.Post, siteURL string, old []string) []keyValue {
	var fm []keyValue
	props := p.Item.Properties
	if t, ok := fmTime(p.Item.First("published")); ok {
		fm = append(fm, keyValue{"date", t})
	}
	if t, ok := fmTime(p.Item.First("updated")); ok {
		fm = append(fm, keyValue{ps.Updated, t})
	} else if !p.Updated.IsZero() {
		fm = append(fm, keyValue{ps.Updated, p.Updated.UTC().Truncate(time.Second)})
	}
	if name := p.Item.First("name"); name != "" {
		fm = append(fm, keyValue{"title", name})
	}
	if len(p.Categories) > 0 {
		fm = append(fm, keyValue{"tags", slices.Clone(p.Categories)})
	}
	if p.Status == post.StatusDraft {
		fm = append(fm, keyValue{ps.DraftKey, ps.DraftValue})
	}
	if path := sitePath(p.URL, siteURL); path != "" {
		fm = append(fm, keyValue{ps.Permalink, path})
	}
	if ps.Aliases != "" && len(old) > 0 {
		// Hugo writes a page at each alias that sends the browser on to the post
		// (gohugo.io/content-management/urls/#aliases), as indiepub answers 301 there.
		fm = append(fm, keyValue{ps.Aliases, slices.Clone(old)})
	}
	var names []string
	for k := range props {
		switch {
		case k == "published" || k == "updated" || k == "name" || k == "category" || k == "content",
			k == "post-status" || k == "url" || k == "uid" || strings.HasPrefix(k, "mp-"),
			ps.usesKey(k):
			continue
		}
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		vs := make([]any, 0, len(props[k]))
		for _, v := range props[k] {
			vs = append(vs, fmValue(v))
		}
		if len(vs) == 1 && !listProperty[k] {
			fm = append(fm, keyValue{k, vs[0]})
		} else {
			fm = append(fm, keyValue{k, vs})
		}
	}
	return fm
}

// usesKey reports whether the preset writes key itself: an mf2 property of that name
// would clash with it.
func (ps Preset) usesKey(k string) bool {
	return k == "date" || k == "title" || k == "tags" || k == ps.Updated || k == ps.Permalink || k == ps.DraftKey ||
		(ps.Aliases != "" && k == ps.Aliases)
}

// listProperty are written as lists even with one value, as themes loop over them.
var listProperty = map[string]bool{"photo": true, "video": true, "audio": true, "syndication": true}

// fmValue is an mf2 value in front matter: a photo's {"value","alt"} becomes
// {"url","alt"}, the shape themes read; anything else stays.
func fmValue(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if u, ok := m["value"].(string); ok && m["html"] == nil && m["type"] == nil {
		out := map[string]any{"url": u}
		if alt, ok := m["alt"].(string); ok {
			out["alt"] = alt
		}
		return out
	}
	return m
}

// fmTime is an mf2 time as a front-matter date (written unquoted, as generators want).
func fmTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := post.ParseTime(s)
	return t, err == nil
}

// sitePath is the path of u on the site at siteURL ("/notes/2026/12/hello").
func sitePath(u, siteURL string) string {
	if rest, ok := strings.CutPrefix(u, strings.TrimSuffix(siteURL, "/")); ok && strings.HasPrefix(rest, "/") {
		return rest
	}
	if pu, err := url.Parse(u); err == nil {
		return pu.Path
	}
	return ""
}

// body is the post's content as the file's body: the HTML as written, or the text.
func body(it post.Item) string {
	vs := it.Properties["content"]
	if len(vs) == 0 {
		return ""
	}
	switch c := vs[0].(type) {
	case string:
		return c
	case map[string]any:
		if h, ok := c["html"].(string); ok && h != "" {
			return h
		}
		if s, ok := c["value"].(string); ok {
			return s
		}
	}
	return ""
}

// File is a post file read back from the repository.
type File struct {
	Item post.Item
	// Path is the post's path on the site from the front matter's permalink, "" when
	// the file names none (a post written by hand).
	Path string
}

// Parse reads a post file: its front matter (YAML between "---" lines or TOML between
// "+++" lines) back into mf2 properties, the body as content. It is untrusted input
// (anyone with push access writes it): it never panics, and what does not map to mf2 is
// an error or dropped.
func Parse(b []byte) (*File, error) {
	if len(b) > maxFile {
		return nil, fmt.Errorf("file over %d bytes", maxFile)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	var delim string
	switch {
	case bytes.HasPrefix(b, []byte("---\n")):
		delim = "---"
	case bytes.HasPrefix(b, []byte("+++\n")):
		delim = "+++"
	default:
		return nil, ErrNoFrontMatter
	}
	rest := b[4:]
	var head, body []byte
	if bytes.HasPrefix(rest, []byte(delim+"\n")) || string(rest) == delim {
		head, body = nil, bytes.TrimPrefix(bytes.TrimPrefix(rest, []byte(delim)), []byte("\n"))
	} else {
		end := bytes.Index(rest, []byte("\n"+delim+"\n"))
		switch {
		case end >= 0:
			head, body = rest[:end], rest[end+len(delim)+2:]
		case bytes.HasSuffix(rest, []byte("\n"+delim)):
			head = rest[:len(rest)-len(delim)-1]
		default:
			return nil, fmt.Errorf("%w: front matter not closed by %s", post.ErrInvalid, delim)
		}
	}
	fm := map[string]any{}
	var err error
	if delim == "+++" {
		_, err = toml.Decode(string(head), &fm)
	} else {
		err = yaml.Unmarshal(head, &fm)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: front matter: %v", post.ErrInvalid, err)
	}
	return fromFrontMatter(fm, string(body))
}

// fromFrontMatter maps front matter and body back to mf2.
func fromFrontMatter(fm map[string]any, body string) (*File, error) {
	f := &File{}
	props := map[string]any{}
	draft := false
	// In key order, not the map's: names that alias one property (categories and tags,
	// the updated ones) add their values in the same order every time the file is read.
	for _, k := range slices.Sorted(maps.Keys(fm)) {
		v := fm[k]
		switch k {
		case "permalink", "url":
			if s, ok := v.(string); ok {
				f.Path = s
			}
		case "draft":
			draft = draft || v == true
		case "published":
			draft = draft || v == false
		}
		if generatorOnly[k] || strings.HasPrefix(k, "mp-") {
			continue
		}
		name := k
		if a, ok := aliases[k]; ok {
			name = a
		}
		vs, err := mf2Values(name, v, 0)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", post.ErrInvalid, k, err)
		}
		if len(vs) > 0 {
			props[name] = append(anyList(props[name]), vs...)
		}
	}
	if draft {
		props["post-status"] = []any{post.StatusDraft}
	}
	if c := strings.TrimSpace(body); c != "" {
		if strings.HasPrefix(c, "<") {
			props["content"] = []any{map[string]any{"html": c, "value": post.PlainText(c)}}
		} else {
			props["content"] = []any{c}
		}
	}
	it, err := post.Normalize(map[string]any{"type": "h-entry", "properties": props})
	if err != nil {
		return nil, err
	}
	f.Item = it
	return f, nil
}

func anyList(v any) []any {
	l, _ := v.([]any)
	return l
}

// maxDepth bounds nested front matter (a location's h-card inside a list).
const maxDepth = 8

// mf2Values turns one front-matter value into mf2 values: times as RFC 3339 text,
// {"url","alt"} as {"value","alt"}, lists flattened one level, nested maps kept.
func mf2Values(name string, v any, depth int) ([]any, error) {
	if depth > maxDepth {
		return nil, errors.New("nested too deep")
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		if depth > 0 {
			return nil, errors.New("a list inside a list")
		}
		var out []any
		for _, e := range x {
			vs, err := mf2Values(name, e, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, vs...)
		}
		return out, nil
	case []map[string]any: // TOML arrays of tables
		var out []any
		for _, e := range x {
			vs, err := mf2Values(name, e, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, vs...)
		}
		return out, nil
	case time.Time:
		return []any{x.Format(time.RFC3339)}, nil
	case string:
		if name == "published" || name == "updated" {
			// Jekyll writes "2024-05-01 09:30:00 +0200": mf2 wants RFC 3339.
			t, err := post.ParseTime(x)
			if err != nil {
				return nil, fmt.Errorf("%q is not a date", x)
			}
			return []any{t.Format(time.RFC3339)}, nil
		}
		return []any{x}, nil
	case bool, int, int64, uint64, float64:
		if name == "published" || name == "updated" {
			return nil, fmt.Errorf("%v is not a date", x)
		}
		return []any{fmt.Sprint(x)}, nil
	case map[string]any:
		if u, ok := x["url"].(string); ok && x["type"] == nil {
			out := map[string]any{"value": u}
			if alt, ok := x["alt"].(string); ok {
				out["alt"] = alt
			}
			return []any{out}, nil
		}
		m, err := plainMap(x, depth+1)
		if err != nil {
			return nil, err
		}
		return []any{m}, nil
	case map[any]any:
		return nil, errors.New("a map with non-string keys")
	}
	return nil, fmt.Errorf("a value of type %T", v)
}

// plainMap copies a nested map with values JSON can hold, as post items keep them.
func plainMap(m map[string]any, depth int) (map[string]any, error) {
	if depth > maxDepth {
		return nil, errors.New("nested too deep")
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		pv, err := plainValue(v, depth+1)
		if err != nil {
			return nil, err
		}
		out[k] = pv
	}
	return out, nil
}

func plainValue(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("nested too deep")
	}
	switch x := v.(type) {
	case nil, string, bool, float64:
		return x, nil
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case time.Time:
		return x.Format(time.RFC3339), nil
	case map[string]any:
		return plainMap(x, depth)
	case []map[string]any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			m, err := plainMap(e, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			pv, err := plainValue(e, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, pv)
		}
		return out, nil
	}
	return nil, fmt.Errorf("a value of type %T", v)
}
