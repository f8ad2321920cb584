package site

import (
	"strings"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// PlainText is the text of HTML content, for titles and summaries: tags dropped, entities
// decoded, whitespace collapsed. Where a block or a line break separates text a browser
// shows apart (<p>a list:</p><ul><li>one</li><li>two</li></ul>), a space keeps the words
// apart ("a list: one two"); inline elements join what they split (<em>styl</em>ed is
// "styled"), as on the page. Scripts, styles and templates give no text.
func PlainText(s string) string {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	hidden := 0 // depth inside elements whose text is not shown
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case xhtml.TextToken:
			if hidden == 0 {
				b.Write(z.Text())
			}
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken, xhtml.EndTagToken:
			tt := z.Token()
			if textBreaks[tt.DataAtom] {
				b.WriteByte(' ')
			}
			if noText[tt.DataAtom] && tt.Type == xhtml.StartTagToken {
				hidden++
			} else if noText[tt.DataAtom] && tt.Type == xhtml.EndTagToken && hidden > 0 {
				hidden--
			}
		}
	}
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
