package site

import (
	"hash/maphash"
	"html"
	"html/template"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/indiepub/indiepub/internal/post"
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

// maxHTMLBytes is the largest HTML content sanitized as HTML. Sanitizing and balancing
// are linear but cost up to half a second a megabyte, more on a busy machine; larger
// content is shown as its text (htmlText), read in one pass of the tokenizer.
const maxHTMLBytes = 256 << 10

// SanitizeHTML cleans untrusted HTML with the site's allow-list and balances its tags, so
// that content can neither run script nor leave an element open that would swallow the
// rest of the page. HTML over maxHTMLBytes is rendered as its text instead.
func SanitizeHTML(s string) template.HTML {
	if len(s) > maxHTMLBytes {
		return RenderText(htmlText(s))
	}
	return sanitize(s)
}

func sanitize(s string) template.HTML {
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
// The parentheses are counted once, so that a URL of a million ")" costs one pass.
func trimURLEnd(s string) int {
	open, closed := strings.Count(s, "("), strings.Count(s, ")")
	for len(s) > 0 {
		c := s[len(s)-1]
		switch {
		case strings.IndexByte(".,;:!?*", c) >= 0:
			s = s[:len(s)-1]
		case c == ')' && open < closed:
			s = s[:len(s)-1]
			closed--
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
	contentText
)

// renderedContent is a post's content ready for a page, and the start of its text for
// the titles of posts without a name.
type renderedContent struct {
	HTML template.HTML
	Lead string
}

// contentCache remembers rendered content, so that a post is rendered once per version
// of its text rather than on every render of every page it is on: a listing re-rendered
// after one post changed renders only that post's content again. Entries are found by a
// seeded hash of the text (an attacker cannot aim at another post's entry without the
// seed), and the cache holds only rendered output, bounded in total.
type contentCache struct {
	mu      sync.Mutex
	seed    maphash.Seed
	entries map[contentKey]renderedContent
	size    int // bytes of output held
}

type contentKey struct {
	kind contentKind
	len  int
	hash uint64
}

// contentCacheBytes bounds the cache; when it is full it starts over. Content larger than
// a quarter of it is rendered each time, which is linear in its length.
const contentCacheBytes = 64 << 20

// leadRunes is how much text a title needs (see entry.Title).
const leadRunes = 80

func (cc *contentCache) get(kind contentKind, src string) renderedContent {
	cc.mu.Lock()
	if cc.entries == nil {
		cc.seed = maphash.MakeSeed()
		cc.entries = map[contentKey]renderedContent{}
	}
	key := contentKey{kind, len(src), maphash.String(cc.seed, src)}
	out, ok := cc.entries[key]
	cc.mu.Unlock()
	if ok {
		return out
	}
	switch kind {
	case contentMarkdown:
		out.HTML = RenderMarkdown(src)
	case contentText:
		out.HTML = RenderText(src)
	default:
		out.HTML = SanitizeHTML(src)
	}
	out.Lead = leadText(string(out.HTML), leadRunes)
	n := len(out.HTML) + len(out.Lead)
	if n > contentCacheBytes/4 {
		return out
	}
	cc.mu.Lock()
	if cc.size+n > contentCacheBytes {
		clear(cc.entries)
		cc.size = 0
	}
	cc.entries[key] = out
	cc.size += n
	cc.mu.Unlock()
	return out
}

// ContentHTML is a post's content as its page shows it, from the same cache as the
// pages: a post's content is rendered once for both.
func (h *Handler) ContentHTML(p *post.Post) string {
	c, _ := h.content(p)
	return string(c.HTML)
}
