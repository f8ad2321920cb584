package webmention

import (
	"html"
	"net/url"
	"regexp"
	"strings"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/indiepub/indiepub/internal/post"
)

// responseProperties are the properties whose URLs a post responds to: each is a target
// (Webmention §3.1.1 and the IndieWeb's response types), as is a person tagged in
// category with an h-card that has a url.
var responseProperties = []string{
	"in-reply-to", "like-of", "repost-of", "bookmark-of", "quotation-of",
	"follow-of", "read-of", "watch-of", "listen-of", "checkin", "category",
}

// Targets returns the URLs the post links to: its response properties' URLs first (a
// string, or a nested h-cite's or h-card's url), then the links of its content as rendered
// (contentHTML, relative links resolved against the post's URL), in order, without
// duplicates or the post itself, at most max. Only http and https URLs count.
func Targets(p *post.Post, contentHTML string, max int) []string {
	seen := map[string]bool{p.URL: true}
	var out []string
	add := func(s string) {
		u := absoluteHTTP(s)
		if u != "" && !seen[u] && len(out) < max {
			seen[u] = true
			out = append(out, u)
		}
	}
	for _, prop := range responseProperties {
		for _, v := range p.Item.Properties[prop] {
			if prop == "category" {
				if _, ok := v.(map[string]any); !ok {
					continue // a tag, not a person
				}
			}
			add(valueURL(v))
		}
	}
	base, err := url.Parse(p.URL)
	if err != nil {
		return out
	}
	for _, l := range contentLinks(contentHTML) {
		if u, err := base.Parse(strings.TrimSpace(l)); err == nil {
			add(u.String())
		}
	}
	return out
}

// valueURL is a property value's URL: the string itself, or a nested item's first url.
func valueURL(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		props, _ := v["properties"].(map[string]any)
		if urls, _ := props["url"].([]any); len(urls) > 0 {
			s, _ := urls[0].(string)
			return s
		}
		if s, ok := v["value"].(string); ok {
			return s
		}
	}
	return ""
}

// absoluteHTTP returns s as an absolute http or https URL without its fragment, or "".
func absoluteHTTP(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// contentLinks returns the href of every <a> in an HTML fragment, in order.
func contentLinks(s string) []string {
	var out []string
	z := xhtml.NewTokenizer(strings.NewReader(s))
	for range maxDiscoveryTokens {
		switch z.Next() {
		case xhtml.ErrorToken:
			return out
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
		default:
			continue
		}
		name, hasAttr := z.TagName()
		if !hasAttr || atom.Lookup(name) != atom.A {
			continue
		}
		for more := true; more; {
			var k, v []byte
			k, v, more = z.TagAttr()
			if string(k) == "href" {
				out = append(out, string(v))
				break
			}
		}
	}
	return out
}

var textURL = regexp.MustCompile(`(?i)\bhttps?://[^\s<>"'\x60]+`)

// rawContentHTML is the content as HTML without the site's renderer: HTML content as it
// is, plain text's URLs as links (trailing punctuation left off).
func rawContentHTML(p *post.Post) string {
	vs := p.Item.Properties["content"]
	if len(vs) == 0 {
		return ""
	}
	if m, ok := vs[0].(map[string]any); ok {
		if s, ok := m["html"].(string); ok && strings.TrimSpace(s) != "" {
			return s
		}
	}
	var b strings.Builder
	for _, u := range textURL.FindAllString(post.StringValue(vs[0]), -1) {
		u = strings.TrimRight(u, ".,;:!?*)")
		b.WriteString(`<a href="` + html.EscapeString(u) + `"></a>`)
	}
	return b.String()
}

// mayLink reports whether content (a string, or an object of html and value) may render
// with a link: a URL with a scheme, a bare www. name (Markdown's autolinks), a Markdown
// link or link reference definition, or an HTML href. Each of the content renderers
// (site.RenderText, RenderMarkdown, SanitizeHTML) makes a link only from one of these.
func mayLink(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.Contains(v, "://") || strings.Contains(v, "](") || strings.Contains(v, "]:") ||
			containsFold(v, "href") || containsFold(v, "www.")
	case map[string]any:
		for _, x := range v {
			if mayLink(x) {
				return true
			}
		}
	}
	return false
}

// containsFold reports whether s holds sub in any ASCII case; sub is lower case and
// starts with a letter. It finds candidates with IndexAny, so that a long text without
// the first letter costs one fast scan.
func containsFold(s, sub string) bool {
	first := sub[:1] + strings.ToUpper(sub[:1])
	for len(s) >= len(sub) {
		i := strings.IndexAny(s, first)
		if i < 0 || len(s)-i < len(sub) {
			return false
		}
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
		s = s[i+1:]
	}
	return false
}
