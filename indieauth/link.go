package indieauth

import (
	"io"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Link is one link found in a Link header or an HTML page: an absolute target URL and its
// relation types, lower-cased.
type Link struct {
	URL  string
	Rels []string
}

// HasRel reports whether the link has relation type rel.
func (l Link) HasRel(rel string) bool {
	for _, r := range l.Rels {
		if r == rel {
			return true
		}
	}
	return false
}

// FindRel returns the URL of the first link with relation type rel, or "".
func FindRel(links []Link, rel string) string {
	for _, l := range links {
		if l.HasRel(rel) {
			return l.URL
		}
	}
	return ""
}

// ParseLinkHeader parses the values of HTTP Link headers (RFC 8288 §3), resolving targets
// against base (the URL of the response, after redirects). It is lenient, as input comes
// from arbitrary servers: a malformed link is skipped, not fatal. Commas may appear inside
// <…> and inside quoted parameters; rel may list several types ("a b") and be quoted or
// not; only the first rel parameter of a link counts (RFC 8288 §3.3). Links whose target
// does not resolve to an http or https URL are dropped.
func ParseLinkHeader(base *url.URL, values ...string) []Link {
	if base == nil {
		base = &url.URL{}
	}
	var links []Link
	for _, l := range ParseLinkHeaderRaw(values...) {
		if u := resolve(base, l.URL); u != "" {
			links = append(links, Link{URL: u, Rels: l.Rels})
		}
	}
	return links
}

// ParseLinkHeaderRaw parses Link headers as ParseLinkHeader does, but keeps each target
// as written between < and >, trimmed of spaces: neither resolved nor limited to http and
// https. It is for callers that accept other schemes, such as a native app's redirect_uri
// (IndieAuth §4.2.2), and resolve targets themselves.
func ParseLinkHeaderRaw(values ...string) []Link {
	var links []Link
	for _, v := range values {
		p := linkParser{s: v}
		for !p.done() {
			target, rels, ok := p.link()
			if ok && len(rels) > 0 {
				links = append(links, Link{URL: target, Rels: rels})
			}
		}
	}
	return links
}

// linkParser walks one Link header value.
type linkParser struct {
	s string
	i int
}

func (p *linkParser) done() bool {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == ',') {
		p.i++
	}
	return p.i >= len(p.s)
}

// link reads one link-value and leaves the parser after the comma that ends it.
func (p *linkParser) link() (target string, rels []string, ok bool) {
	if p.s[p.i] != '<' {
		p.skipLink()
		return "", nil, false
	}
	end := strings.IndexByte(p.s[p.i:], '>')
	if end < 0 {
		p.i = len(p.s)
		return "", nil, false
	}
	target = strings.TrimSpace(p.s[p.i+1 : p.i+end])
	p.i += end + 1
	seenRel := false
	for {
		p.space()
		if p.i >= len(p.s) {
			return target, rels, true
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			return target, rels, true
		case ';':
			p.i++
		default:
			p.skipLink()
			return "", nil, false
		}
		name, value := p.param()
		if name == "rel" && !seenRel {
			seenRel = true
			rels = strings.Fields(strings.ToLower(value))
		}
	}
}

// param reads name[=value] after a semicolon.
func (p *linkParser) param() (name, value string) {
	p.space()
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune("=;, \t", rune(p.s[p.i])) {
		p.i++
	}
	name = strings.ToLower(p.s[start:p.i])
	p.space()
	if p.i >= len(p.s) || p.s[p.i] != '=' {
		return name, ""
	}
	p.i++
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '"' {
		return name, p.quoted()
	}
	start = p.i
	for p.i < len(p.s) && p.s[p.i] != ';' && p.s[p.i] != ',' {
		p.i++
	}
	return name, strings.TrimSpace(p.s[start:p.i])
}

// quoted reads a quoted-string (RFC 9110 §5.6.4), the opening quote being at p.i.
func (p *linkParser) quoted() string {
	var b strings.Builder
	for p.i++; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; c {
		case '"':
			p.i++
			return b.String()
		case '\\':
			if p.i+1 < len(p.s) {
				p.i++
				b.WriteByte(p.s[p.i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func (p *linkParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// skipLink moves past the next comma that is outside <…> and quotes.
func (p *linkParser) skipLink() {
	inURL, inQuote := false, false
	for ; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; {
		case inQuote && c == '\\':
			p.i++
		case inQuote:
			inQuote = c != '"'
		case inURL:
			inURL = c != '>'
		case c == '<':
			inURL = true
		case c == '"':
			inQuote = true
		case c == ',':
			p.i++
			return
		}
	}
}

// maxHTMLTokens bounds the work spent on one page; discovery links sit in <head>.
const maxHTMLTokens = 100000

// ParseHTMLLinks returns the <link> and <a> elements of an HTML document that have both rel
// and href, in document order, with href resolved against base or against the document's
// first <base href>. Like browsers, it never fails on malformed markup; it reports only
// read errors.
func ParseHTMLLinks(base *url.URL, r io.Reader) ([]Link, error) {
	if base == nil {
		base = &url.URL{}
	}
	var links []Link
	z := html.NewTokenizer(r)
	baseSet := false
	for range maxHTMLTokens {
		tt := z.Next()
		if tt == html.ErrorToken {
			if err := z.Err(); err != io.EOF {
				return links, err
			}
			return links, nil
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		tag := atom.Lookup(name)
		if !hasAttr || (tag != atom.Link && tag != atom.A && tag != atom.Base) {
			continue
		}
		var href, rel string
		var hasHref, hasRel bool
		for more := true; more; {
			var k, v []byte
			k, v, more = z.TagAttr()
			switch string(k) {
			case "href":
				if !hasHref {
					href, hasHref = string(v), true
				}
			case "rel":
				if !hasRel {
					rel, hasRel = string(v), true
				}
			}
		}
		if tag == atom.Base {
			// HTML §4.2.3: the first base element with an href sets the document base.
			if hasHref && !baseSet {
				baseSet = true
				if u, err := base.Parse(strings.TrimSpace(href)); err == nil {
					base = u
				}
			}
			continue
		}
		rels := strings.Fields(strings.ToLower(rel))
		if !hasHref || len(rels) == 0 {
			continue
		}
		if u := resolve(base, href); u != "" {
			links = append(links, Link{URL: u, Rels: rels})
		}
	}
	return links, nil
}

// resolve returns ref resolved against base if that is an http or https URL, else "". An
// empty ref is "", not base: a missing endpoint must not become the page itself.
func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := base.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}
