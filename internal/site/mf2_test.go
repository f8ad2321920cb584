package site_test

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// mf2 is a microformats2 item parsed from a page: enough of the parsing spec
// (https://microformats.org/wiki/microformats2-parsing) to check what the site marks up —
// root and property classes, nested items as property values and children, the p-, u-,
// dt- and e- value rules, value (for u-/p- properties of nested items) and img alt.
type mf2 struct {
	Type     []string
	Props    map[string][]any // string, map{"value","alt"}, map{"html","value"}, *mf2
	Children []*mf2
	Value    string // for nested items that are property values
	pe       bool   // has p-, e- or nested properties (no implied name)
	u        bool   // has u- properties (no implied url or photo)
}

// parseMF2 returns the top-level items of a page.
func parseMF2(t testing.TB, page []byte) []*mf2 {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatalf("parse page: %v", err)
	}
	var top []*mf2
	walkMF2(doc, nil, &top)
	return top
}

func classes(n *html.Node) (roots, props []string) {
	for _, c := range strings.Fields(attr(n, "class")) {
		switch {
		case strings.HasPrefix(c, "h-"):
			roots = append(roots, c)
		case strings.HasPrefix(c, "p-"), strings.HasPrefix(c, "u-"), strings.HasPrefix(c, "dt-"), strings.HasPrefix(c, "e-"):
			props = append(props, c)
		}
	}
	return roots, props
}

// walkMF2 visits n's children in the context of item (nil at the top).
func walkMF2(n *html.Node, item *mf2, top *[]*mf2) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		roots, props := classes(c)
		if len(roots) > 0 {
			child := &mf2{Type: roots, Props: map[string][]any{}}
			walkMF2(c, child, top)
			implied(c, child)
			switch {
			case item == nil:
				*top = append(*top, child)
			case len(props) == 0:
				item.Children = append(item.Children, child)
			default:
				for _, p := range props {
					prefix, name, _ := strings.Cut(p, "-")
					nested := *child
					switch prefix {
					case "u":
						nested.Value = firstString(child.Props["url"])
						if nested.Value == "" {
							nested.Value = uValue(c)
						}
					case "p":
						nested.Value = firstString(child.Props["name"])
					default:
						nested.Value = textOf(c)
					}
					item.Props[name] = append(item.Props[name], &nested)
					item.pe = true
					item.u = item.u || prefix == "u"
				}
			}
			continue
		}
		if item != nil {
			for _, p := range props {
				prefix, name, _ := strings.Cut(p, "-")
				item.Props[name] = append(item.Props[name], propValue(c, prefix))
				item.pe = item.pe || prefix == "p" || prefix == "e"
				item.u = item.u || prefix == "u"
			}
		}
		walkMF2(c, item, top)
	}
}

func propValue(n *html.Node, prefix string) any {
	switch prefix {
	case "u":
		v := uValue(n)
		if n.DataAtom == atom.Img && hasAttr(n, "alt") {
			return map[string]any{"value": v, "alt": attr(n, "alt")}
		}
		return v
	case "dt":
		for _, a := range []string{"datetime", "value", "title"} {
			if hasAttr(n, a) {
				return attr(n, a)
			}
		}
		return textOf(n)
	case "e":
		var b bytes.Buffer
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			html.Render(&b, c)
		}
		return map[string]any{"html": strings.TrimSpace(b.String()), "value": textOf(n)}
	}
	switch n.DataAtom {
	case atom.Data, atom.Input:
		if hasAttr(n, "value") {
			return attr(n, "value")
		}
	case atom.Img, atom.Area:
		if hasAttr(n, "alt") {
			return attr(n, "alt")
		}
	case atom.Abbr, atom.Link:
		if hasAttr(n, "title") {
			return attr(n, "title")
		}
	}
	return textOf(n)
}

func uValue(n *html.Node) string {
	switch n.DataAtom {
	case atom.A, atom.Area, atom.Link:
		return attr(n, "href")
	case atom.Img, atom.Audio, atom.Video, atom.Source, atom.Iframe:
		return attr(n, "src")
	case atom.Object:
		return attr(n, "data")
	case atom.Data, atom.Input:
		return attr(n, "value")
	}
	return textOf(n)
}

// implied fills in name, photo and url as the parsing spec's implied-property rules do
// (https://microformats.org/wiki/microformats2-parsing#parsing_for_implied_properties):
// the name is the text of an item with no p-, e- or nested properties and no children;
// photo and url, for an item with no u- or nested properties and no children, come from
// the item itself (img[src], a[href]), from its only child element of that kind, or from
// the only one of that kind inside its only child. The last two are how a link or picture
// that is not meant as the item's url or photo becomes one.
func implied(n *html.Node, it *mf2) {
	if _, ok := it.Props["name"]; !ok && !it.pe && len(it.Children) == 0 {
		it.Props["name"] = []any{textOf(n)}
	}
	if it.u || hasNestedProps(it) || len(it.Children) > 0 {
		return
	}
	if _, ok := it.Props["photo"]; !ok {
		if img := impliedElement(n, atom.Img, "src"); img != nil {
			it.Props["photo"] = []any{propValue(img, "u")}
		}
	}
	if _, ok := it.Props["url"]; !ok {
		if a := impliedElement(n, atom.A, "href"); a != nil {
			it.Props["url"] = []any{attr(a, "href")}
		} else if a := impliedElement(n, atom.Area, "href"); a != nil {
			it.Props["url"] = []any{attr(a, "href")}
		}
	}
}

func hasNestedProps(it *mf2) bool {
	for _, vs := range it.Props {
		for _, v := range vs {
			if _, ok := v.(*mf2); ok {
				return true
			}
		}
	}
	return false
}

// impliedElement finds the element an implied property is read from: .h-x itself,
// .h-x>el:only-of-type:not[.h-*], or .h-x>:only-child:not[.h-*]>el:only-of-type:not[.h-*],
// each with the attribute.
func impliedElement(n *html.Node, a atom.Atom, attrName string) *html.Node {
	if n.DataAtom == a {
		if hasAttr(n, attrName) {
			return n
		}
		return nil
	}
	if el := onlyOfType(n, a); el != nil && hasAttr(el, attrName) {
		return el
	}
	if c := onlyChild(n); c != nil && !isRoot(c) {
		if el := onlyOfType(c, a); el != nil && hasAttr(el, attrName) {
			return el
		}
	}
	return nil
}

// onlyOfType is n's one child element of the kind, if it has exactly one and that is no
// item of its own.
func onlyOfType(n *html.Node, a atom.Atom) *html.Node {
	var found *html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == a {
			if found != nil {
				return nil
			}
			found = c
		}
	}
	if found != nil && isRoot(found) {
		return nil
	}
	return found
}

// onlyChild is n's one child element, if it has exactly one.
func onlyChild(n *html.Node) *html.Node {
	var found *html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			if found != nil {
				return nil
			}
			found = c
		}
	}
	return found
}

func isRoot(n *html.Node) bool {
	roots, _ := classes(n)
	return len(roots) > 0
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		if n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style) {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

// firstString is a property's first value as text: a string, a value/alt map's value or
// a nested item's value.
func firstString(vs []any) string {
	if len(vs) == 0 {
		return ""
	}
	return valueString(vs[0])
}

func valueString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		s, _ := x["value"].(string)
		return s
	case *mf2:
		return x.Value
	}
	return ""
}

// is reports whether the item has the type.
func (it *mf2) is(typ string) bool {
	for _, t := range it.Type {
		if t == typ {
			return true
		}
	}
	return false
}

// get returns the first value of a property as text.
func (it *mf2) get(name string) string { return firstString(it.Props[name]) }

// nested returns the first value of a property that is a nested item, or nil.
func (it *mf2) nested(name string) *mf2 {
	for _, v := range it.Props[name] {
		if n, ok := v.(*mf2); ok {
			return n
		}
	}
	return nil
}

// findMF2 returns every item of the type, searching children and property values too.
func findMF2(items []*mf2, typ string) []*mf2 {
	var out []*mf2
	var visit func(*mf2)
	visit = func(it *mf2) {
		if it.is(typ) {
			out = append(out, it)
		}
		for _, c := range it.Children {
			visit(c)
		}
		for _, vs := range it.Props {
			for _, v := range vs {
				if n, ok := v.(*mf2); ok {
					visit(n)
				}
			}
		}
	}
	for _, it := range items {
		visit(it)
	}
	return out
}
