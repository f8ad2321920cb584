package compose

import (
	"strings"

	"github.com/indiepub/indiepub/internal/post"
)

// Parts are what a copy's text is made of, in this order, separated by blank lines: the
// body, the link back to the post, the hashtags.
type Parts struct {
	Body string
	// Link is the post's URL; LinkText is how the text shows it (Link itself when
	// empty). The link is shown when AlwaysLink is set or when Body had to be cut.
	Link, LinkText string
	AlwaysLink     bool
	Tags           []string
}

// Limit is a service's limit on a text: Max units (grapheme clusters, a URL counting
// URLCost, or its own clusters when URLCost is 0) and MaxBytes bytes.
type Limit struct {
	Max, MaxBytes, URLCost int
}

// Fitted is a text made from Parts within a Limit.
type Fitted struct {
	Text string
	// LinkStart and LinkEnd are where the link back is in Text, as a byte range; both
	// are -1 when it is not there.
	LinkStart, LinkEnd int
	// Cut says that the body was shortened.
	Cut bool
}

func (l Limit) fits(s string) bool {
	return len(s) <= l.MaxBytes && Cost(s, l.URLCost) <= l.Max
}

const sep = "\n\n"

// Fit makes the text of a copy within l: the whole body when it fits with what follows
// it; else the body cut (Cut) and the link back after it, dropping hashtags from the end
// rather than leaving the body under a quarter of the limit; and when not even the link
// fits, the body cut alone.
func Fit(p Parts, l Limit) Fitted {
	p.Tags = newTags(p.Body, p.Tags)
	if p.LinkText == "" {
		p.LinkText = p.Link
	}
	if p.Link == "" {
		p.AlwaysLink = false
	}
	if f := assemble(p.Body, p.AlwaysLink, p); l.fits(f.Text) {
		return f
	}
	if p.Link != "" {
		for n := len(p.Tags); n >= 0; n-- {
			q := p
			q.Tags = p.Tags[:n]
			tail := assemble("", true, q).Text
			budget := l.Max - Cost(sep+tail, l.URLCost)
			if n > 0 && budget < l.Max/4 {
				continue
			}
			for budget > 0 {
				body, _ := Cut(p.Body, budget, l.MaxBytes-len(sep+tail), l.URLCost)
				f := assemble(body, true, q)
				if l.fits(f.Text) {
					f.Cut = true
					return f
				}
				budget -= max(1, Cost(f.Text, l.URLCost)-l.Max)
			}
		}
	}
	for budget := l.Max; budget > 0; budget-- {
		body, _ := Cut(p.Body, budget, l.MaxBytes, l.URLCost)
		if l.fits(body) {
			return Fitted{Text: body, LinkStart: -1, LinkEnd: -1, Cut: true}
		}
	}
	return Fitted{LinkStart: -1, LinkEnd: -1, Cut: true}
}

// assemble joins body, the link (when withLink) and p's tags with blank lines.
func assemble(body string, withLink bool, p Parts) Fitted {
	f := Fitted{LinkStart: -1, LinkEnd: -1}
	var b strings.Builder
	add := func(s string) {
		if s == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(s)
	}
	add(body)
	if withLink && p.LinkText != "" {
		add(p.LinkText)
		f.LinkEnd = b.Len()
		f.LinkStart = f.LinkEnd - len(p.LinkText)
	}
	add(strings.Join(p.Tags, " "))
	f.Text = b.String()
	return f
}

// newTags is tags without those body already has, compared without case.
func newTags(body string, tags []string) []string {
	lower := strings.ToLower(body)
	var out []string
	for _, t := range tags {
		if !hasWord(lower, strings.ToLower(t)) {
			out = append(out, t)
		}
	}
	return out
}

func hasWord(s, word string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], word)
		if j < 0 {
			return false
		}
		end := i + j + len(word)
		if end == len(s) || strings.ContainsRune(" \n\t.,;:!?)", rune(s[end])) {
			return true
		}
		i = end
	}
}

// PostParts is what a copy of p says: an article's title and link; a bookmark's text and
// the bookmarked URL; any other post's text, or its title and link when it has neither
// text nor photos. The link back is added when the text is cut; the tags follow as
// hashtags.
func PostParts(p *post.Post) Parts {
	parts := Parts{Link: p.URL, Tags: Hashtags(p)}
	text := Text(p)
	switch {
	case p.Type == "article":
		parts.Body, parts.AlwaysLink = Name(p), true
	case p.Type == "bookmark":
		parts.Body = strings.TrimSpace(text + "\n\n" + First(p, "bookmark-of"))
	case text != "":
		parts.Body = text
	case len(Photos(p)) == 0:
		parts.Body, parts.AlwaysLink = Name(p), true
	}
	return parts
}
