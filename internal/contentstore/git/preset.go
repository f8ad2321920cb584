package git

import (
	"fmt"
	"path"
	"strings"

	"github.com/indiepub/indiepub/internal/post"
)

// Format is how front matter is written: YAML between "---" lines or TOML between
// "+++" lines (Hugo reads both; Jekyll and Eleventy read YAML).
type Format string

// Front-matter formats.
const (
	YAML Format = "yaml"
	TOML Format = "toml"
)

// Preset is what one static-site generator expects of a repository: where each post's
// file goes, its front-matter format and the names its themes read.
type Preset struct {
	Name string
	// Path is the file path template for post types without their own (Paths): the
	// placeholders of post.Post.PathFor ({yyyy}, {mm}, {dd}, {slug}, {type}, {type}s).
	Path string
	// Paths overrides Path per post type.
	Paths  map[string]string
	Format Format
	// Updated is the front-matter name of the mf2 updated time (Hugo's "lastmod").
	Updated string
	// Permalink is the front-matter name of the post's path on the site, so that the
	// generator publishes it where indiepub's index says it is: Jekyll's and Eleventy's
	// "permalink", Hugo's "url".
	Permalink string
	// DraftKey and DraftValue mark a draft: Hugo's and Eleventy's "draft: true",
	// Jekyll's "published: false".
	DraftKey   string
	DraftValue bool
	// Aliases is the front-matter name of a post's old paths, the redirects the index
	// knows (an imported site's addresses): Hugo's "aliases", jekyll-redirect-from's
	// "redirect_from"; "" writes none (Eleventy has no such key).
	Aliases string
	// MediaDir is the folder uploaded media are committed under (Config.Media), each
	// at its path in the media store ("ab/cd/<sha256>.jpg"): a folder the generator
	// publishes at the site's root, so that a file's URL on the built site is the one
	// indiepub gave it (<url>media/ab/cd/…) when --url is the site's.
	MediaDir string
}

// Presets are the generators indiepub writes for (--git-preset).
var Presets = map[string]Preset{
	"jekyll": {Name: "jekyll", Path: "_posts/{yyyy}-{mm}-{dd}-{slug}.md", Format: YAML,
		Updated: "updated", Permalink: "permalink", DraftKey: "published", DraftValue: false, MediaDir: "media",
		Aliases: "redirect_from"},
	"hugo": {Name: "hugo", Path: "content/{type}s/{slug}.md", Format: YAML,
		Updated: "lastmod", Permalink: "url", DraftKey: "draft", DraftValue: true, MediaDir: "static/media",
		Aliases: "aliases"},
	"hugo-toml": {Name: "hugo-toml", Path: "content/{type}s/{slug}.md", Format: TOML,
		Updated: "lastmod", Permalink: "url", DraftKey: "draft", DraftValue: true, MediaDir: "static/media",
		Aliases: "aliases"},
	"eleventy": {Name: "eleventy", Path: "src/{type}s/{slug}.md", Format: YAML,
		Updated: "updated", Permalink: "permalink", DraftKey: "draft", DraftValue: true, MediaDir: "src/media"},
}

// PresetNamed returns the named preset with per-type path overrides (type=template)
// applied.
func PresetNamed(name string, paths map[string]string) (Preset, error) {
	p, ok := Presets[name]
	if !ok {
		return Preset{}, fmt.Errorf("unknown git preset %q (jekyll, hugo, hugo-toml, eleventy)", name)
	}
	p.Paths = map[string]string{}
	for typ, tmpl := range paths {
		if err := checkTemplate(tmpl); err != nil {
			return Preset{}, fmt.Errorf("path template for %s: %w", typ, err)
		}
		p.Paths[typ] = tmpl
	}
	return p, nil
}

// CheckDir refuses a folder (--git-media-dir) that could leave the repository.
func CheckDir(dir string) error {
	if dir == "" || strings.HasPrefix(dir, "/") || strings.Contains(dir, "\\") {
		return fmt.Errorf("%q: a relative path with / separators", dir)
	}
	for _, part := range strings.Split(dir, "/") {
		if part == ".." || part == "." || part == "" || part == ".git" {
			return fmt.Errorf("%q: no empty, ., .. or .git parts", dir)
		}
	}
	return nil
}

// checkTemplate refuses a path template that could leave the repository or that names
// no file of its own.
func checkTemplate(tmpl string) error {
	if tmpl == "" || strings.HasPrefix(tmpl, "/") || strings.Contains(tmpl, "\\") {
		return fmt.Errorf("%q: a relative path with / separators", tmpl)
	}
	for _, part := range strings.Split(tmpl, "/") {
		if part == ".." || part == "." || part == "" || part == ".git" {
			return fmt.Errorf("%q: no empty, ., .. or .git parts", tmpl)
		}
	}
	if !strings.Contains(tmpl, "{slug}") {
		return fmt.Errorf("%q: needs {slug}", tmpl)
	}
	return nil
}

// FilePath is where p's file goes in the repository.
func (ps Preset) FilePath(p *post.Post) string {
	tmpl := ps.Paths[p.Type]
	if tmpl == "" {
		tmpl = ps.Path
	}
	return path.Clean(p.PathFor(tmpl, safeSlug(p.Slug)))
}

// safeSlug keeps a slug (chosen by indiepub, or a file name read back) to one path
// element.
func safeSlug(s string) string {
	s = strings.NewReplacer("/", "-", "\\", "-", "\x00", "").Replace(s)
	if s == "" || s == "." || s == ".." {
		return "post"
	}
	return s
}
