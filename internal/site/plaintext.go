package site

import (
	"strings"
	"unicode"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// PlainText is the text of HTML content, for titles and summaries: tags dropped, entities
// decoded, whitespace collapsed. Where a block or a line break separates text a browser
// shows apart (<p>a list:</p><ul><li>one</li><li>two</li></ul>), a space keeps the words
// apart ("a list: one two"); inline elements join what they split (<em>styl</em>ed is
// "styled"), as on the page. Scripts, styles and templates give no text.
func PlainText(s string) string { return textOf(s, -1) }

// leadText is the start of an HTML fragment's text as PlainText gives it, at least n
// runes of it when there are that many: enough for a title, read in one pass that stops
// there.
func leadText(s string, n int) string { return textOf(s, n) }

// textOf is PlainText, stopped once more than n non-space runes are read when n >= 0.
func textOf(s string, n int) string {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	hidden := 0 // depth inside elements whose text is not shown
	runes := 0
	for n < 0 || runes <= n {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case xhtml.TextToken:
			if hidden == 0 {
				text := z.Text()
				b.Write(text)
				if n >= 0 {
					for _, r := range string(text) {
						if !unicode.IsSpace(r) {
							runes++
						}
					}
				}
			}
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken, xhtml.EndTagToken:
			a := tagAtom(z)
			if textBreaks[a] {
				b.WriteByte(' ')
			}
			if noText[a] && tt == xhtml.StartTagToken {
				hidden++
			} else if noText[a] && tt == xhtml.EndTagToken && hidden > 0 {
				hidden--
			}
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// htmlText is the text of an HTML document, in one pass of the tokenizer, for content too
// large to sanitize as HTML: the elements of textBreaks become blank lines and <br> a
// newline, so that RenderText keeps paragraphs and line breaks; what noText holds is
// dropped.
func htmlText(s string) string {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	hidden := 0
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			return b.String()
		case xhtml.TextToken:
			if hidden == 0 {
				b.Write(z.Text())
			}
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken, xhtml.EndTagToken:
			a := tagAtom(z)
			switch {
			case noText[a] && tt == xhtml.StartTagToken:
				hidden++
			case noText[a] && tt == xhtml.EndTagToken && hidden > 0:
				hidden--
			case a == atom.Br:
				b.WriteByte('\n')
			case textBreaks[a]:
				b.WriteString("\n\n")
			}
		}
	}
}

// tagAtom is the current tag token's element, without building a Token.
func tagAtom(z *xhtml.Tokenizer) atom.Atom {
	name, _ := z.TagName()
	return atom.Lookup(name)
}

// textBreaks are the elements that start a new line or box in HTML's rendering (the
// "block" and "line break" elements of the HTML standard's rendering section, plus table
// cells and replaced media), so that the words on either side stay apart.
var textBreaks = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Br: true, atom.Caption: true, atom.Dd: true, atom.Details: true, atom.Div: true,
	atom.Dl: true, atom.Dt: true, atom.Figcaption: true, atom.Figure: true, atom.Footer: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Header: true, atom.Hr: true, atom.Li: true, atom.Main: true, atom.Nav: true,
	atom.Ol: true, atom.P: true, atom.Pre: true, atom.Section: true, atom.Summary: true,
	atom.Table: true, atom.Tbody: true, atom.Td: true, atom.Tfoot: true, atom.Th: true,
	atom.Thead: true, atom.Tr: true, atom.Ul: true, atom.Img: true, atom.Video: true,
	atom.Audio: true,
}

// noText are the elements whose content is not text a reader sees.
var noText = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Template: true, atom.Noscript: true,
}
