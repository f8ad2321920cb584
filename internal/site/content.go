package site

import (
	"bytes"
	"html"
	"html/template"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// policy is the allow-list every piece of HTML content passes through: text-level and
// block elements, links and media with http, https, mailto or relative URLs, and raster
// data: images (Quill's editor embeds them when it has no media endpoint; inside <img>
// they cannot run anything). No scripts, no event handlers, no style, no class (content
// must not inject microformats into the page's own markup), no forms or frames.
var policy = newPolicy()

func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(true)
	p.AllowURLSchemes("mailto", "http", "https")
	p.AllowURLSchemeWithCustomPolicy("data", rasterDataURI)
	p.AllowElements("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
		"code", "em", "strong", "b", "i", "u", "s", "del", "ins", "sub", "sup", "small", "mark",
		"abbr", "cite", "q", "dfn", "kbd", "samp", "var", "time", "span", "div", "figure",
		"figcaption", "details", "summary", "ruby", "rt", "rp", "wbr")
	p.AllowLists()
	p.AllowTables()
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("title").Matching(bluemonday.Paragraph).Globally()
	p.AllowAttrs("lang").Matching(regexp.MustCompile(`^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$`)).Globally()
	p.AllowAttrs("dir").Matching(bluemonday.Direction).Globally()
	p.AllowAttrs("cite").OnElements("blockquote", "q", "del", "ins")
	p.AllowAttrs("datetime").OnElements("time", "del", "ins")
	p.AllowAttrs("open").Matching(regexp.MustCompile(`(?i)^(|open)$`)).OnElements("details")
	p.AllowAttrs("src", "alt").OnElements("img")
	p.AllowAttrs("width", "height").Matching(bluemonday.NumberOrPercent).OnElements("img", "video")
	p.AllowAttrs("src", "poster").OnElements("video")
	p.AllowAttrs("src").OnElements("audio", "source")
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^[a-z]+/[a-z0-9.+-]+$`)).OnElements("source")
	p.AllowAttrs("controls").Matching(regexp.MustCompile(`^(|controls)$`)).OnElements("video", "audio")
	p.AllowElements("img", "video", "audio", "source")
	return p
}

var rasterData = regexp.MustCompile(`^image/(gif|jpeg|png|webp);base64,[A-Za-z0-9+/]*={0,2}$`)

// rasterDataURI admits data: URLs of base64 GIF, JPEG, PNG or WebP only (not SVG, which
// can carry script).
func rasterDataURI(u *url.URL) bool {
	return u.RawQuery == "" && u.Fragment == "" && rasterData.MatchString(u.Opaque)
}

// SanitizeHTML cleans untrusted HTML with the site's allow-list and balances its tags, so
// that content can neither run script nor leave an element open that would swallow the
// rest of the page.
func SanitizeHTML(s string) template.HTML {
	return template.HTML(balance(policy.Sanitize(s)))
}

// fragmentContext is where content sits on a page: inside a <div>.
var fragmentContext = &xhtml.Node{Type: xhtml.ElementNode, Data: "div", DataAtom: atom.Div}

// balance parses an HTML fragment the way a browser would inside a <div> and writes it
// back out: unclosed elements are closed and stray end tags dropped.
func balance(s string) string {
	nodes, err := xhtml.ParseFragment(strings.NewReader(s), fragmentContext)
	if err != nil {
		return html.EscapeString(s)
	}
	var b strings.Builder
	for _, n := range nodes {
		if err := xhtml.Render(&b, n); err != nil {
			return html.EscapeString(s)
		}
	}
	return b.String()
}

var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM))

// RenderMarkdown renders Markdown (CommonMark with GitHub's tables, strikethrough, task
// lists and autolinks) and sanitizes the result. Raw HTML in the source is dropped by the
// renderer and whatever remains passes the same allow-list as HTML content.
func RenderMarkdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		return RenderText(src)
	}
	return SanitizeHTML(buf.String())
}

// urlPattern finds http and https URLs in plain text.
var urlPattern = regexp.MustCompile(`(?i)\bhttps?://[^\s<>"'\x60]+`)

// RenderText turns plain text into HTML: escaped, http and https URLs made links, blank
// lines separating paragraphs and single newlines kept as line breaks.
func RenderText(s string) template.HTML {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	var b strings.Builder
	for _, para := range strings.Split(s, "\n\n") {
		para = strings.Trim(para, "\n")
		if strings.TrimSpace(para) == "" {
			continue
		}
		b.WriteString("<p>")
		for i, line := range strings.Split(para, "\n") {
			if i > 0 {
				b.WriteString("<br>\n")
			}
			linkify(&b, line)
		}
		b.WriteString("</p>\n")
	}
	return template.HTML(b.String())
}

// linkify writes text escaped, with its http and https URLs as links.
func linkify(b *strings.Builder, text string) {
	last := 0
	for _, m := range urlPattern.FindAllStringIndex(text, -1) {
		start, end := m[0], trimURLEnd(text[m[0]:m[1]])+m[0]
		u, err := url.Parse(text[start:end])
		if err != nil || u.Host == "" {
			continue
		}
		b.WriteString(html.EscapeString(text[last:start]))
		b.WriteString(`<a href="`)
		b.WriteString(html.EscapeString(u.String()))
		b.WriteString(`">`)
		b.WriteString(html.EscapeString(text[start:end]))
		b.WriteString(`</a>`)
		last = end
	}
	b.WriteString(html.EscapeString(text[last:]))
}

// trimURLEnd leaves off the punctuation that usually ends the sentence around a URL
// rather than the URL itself, and a closing parenthesis that has no opening one in it.
func trimURLEnd(s string) int {
	for len(s) > 0 {
		c := s[len(s)-1]
		switch {
		case strings.IndexByte(".,;:!?*", c) >= 0:
			s = s[:len(s)-1]
		case c == ')' && strings.Count(s, "(") < strings.Count(s, ")"):
			s = s[:len(s)-1]
		default:
			return len(s)
		}
	}
	return 0
}

// contentKind is how a piece of content is rendered.
type contentKind byte

const (
	contentHTML contentKind = iota
	contentMarkdown
)

// contentCache remembers rendered HTML and Markdown content. Rendering is a pure function
// of the text, and sanitizing is the costliest part of a page, so a listing re-rendered
// after one post changed renders only that post's content again.
type contentCache struct {
	mu      sync.Mutex
	entries map[contentKey]template.HTML
	size    int // bytes of source and output held
}

type contentKey struct {
	kind contentKind
	src  string
}

// contentCacheBytes bounds the cache; when it is full it starts over.
const contentCacheBytes = 8 << 20

func (cc *contentCache) get(kind contentKind, src string) template.HTML {
	key := contentKey{kind, src}
	cc.mu.Lock()
	out, ok := cc.entries[key]
	cc.mu.Unlock()
	if ok {
		return out
	}
	if kind == contentMarkdown {
		out = RenderMarkdown(src)
	} else {
		out = SanitizeHTML(src)
	}
	n := len(src) + len(out)
	if n > contentCacheBytes/16 {
		return out
	}
	cc.mu.Lock()
	if cc.entries == nil || cc.size+n > contentCacheBytes {
		cc.entries, cc.size = map[contentKey]template.HTML{}, 0
	}
	cc.entries[key] = out
	cc.size += n
	cc.mu.Unlock()
	return out
}
