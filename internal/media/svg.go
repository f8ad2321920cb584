package media

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// CheckSVG refuses an SVG document that could run code or pull in active content when
// opened on its own: script and foreign elements, event handler attributes, javascript:
// and non-image data: URLs, style sheets that import, processing instructions (an
// xml-stylesheet can apply XSLT) and entity declarations. It reads the document as XML,
// as browsers do for image/svg+xml, so that nothing hides in what an HTML tokenizer
// would take for text; a document that is not well-formed XML is refused as well.
func CheckSVG(r io.Reader) error {
	if err := activeSVG(r); err != nil {
		return fmt.Errorf("%w: SVG with active content: %v", ErrType, err)
	}
	return nil
}

// activeSVG returns an error naming the first active construct in the SVG document r.
func activeSVG(r io.Reader) error {
	d := xml.NewDecoder(r)
	d.Strict = true
	var stack []string
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			if len(stack) != 0 {
				return errors.New("unclosed element")
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if len(stack) == 0 && name != "svg" {
				return fmt.Errorf("root element <%s>", t.Name.Local)
			}
			if err := checkElement(name, t.Attr); err != nil {
				return err
			}
			stack = append(stack, name)
		case xml.EndElement:
			if len(stack) == 0 {
				return errors.New("unbalanced end tag")
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1] == "style" {
				if err := checkCSS(t); err != nil {
					return err
				}
			}
		case xml.ProcInst:
			if t.Target != "xml" {
				return fmt.Errorf("processing instruction <?%s", t.Target)
			}
		case xml.Directive:
			if bytes.Contains(bytes.ToUpper(t), []byte("ENTITY")) {
				return errors.New("entity declaration")
			}
		}
	}
}

// activeElements run code or embed documents that can.
var activeElements = map[string]bool{
	"script": true, "foreignobject": true, "iframe": true, "embed": true, "object": true,
	"handler": true, "listener": true, "frame": true, "applet": true, "base": true,
}

// animationElements set another attribute of their target over time: aimed at an event
// handler or a link, they write script or a javascript: URL that no attribute of the
// document spells out (<set attributeName="onmouseover" to="alert(1)"/>).
var animationElements = map[string]bool{
	"set": true, "animate": true, "animatetransform": true, "animatemotion": true,
}

func checkElement(name string, attrs []xml.Attr) error {
	if activeElements[name] {
		return fmt.Errorf("<%s> element", name)
	}
	for _, a := range attrs {
		local := strings.ToLower(a.Name.Local)
		if animationElements[name] && local == "attributename" {
			target := strings.ToLower(strings.TrimSpace(a.Value))
			if _, l, ok := strings.Cut(target, ":"); ok {
				target = l // xlink:href
			}
			if strings.HasPrefix(target, "on") || target == "href" {
				return fmt.Errorf("<%s> of attribute %s", name, a.Value)
			}
		}
		if strings.HasPrefix(local, "on") {
			return fmt.Errorf("event handler attribute %s", a.Name.Local)
		}
		if err := checkURLish(a.Value); err != nil {
			return fmt.Errorf("attribute %s: %w", a.Name.Local, err)
		}
		if local == "style" {
			if err := checkCSS([]byte(a.Value)); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkURLish refuses values that are, or contain, script URLs or data: URLs of
// documents. Browsers ignore ASCII whitespace and control characters inside a scheme, so
// they are dropped before looking.
func checkURLish(v string) error {
	s := strings.ToLower(strings.Map(func(r rune) rune {
		if r <= ' ' {
			return -1
		}
		return r
	}, v))
	for _, bad := range []string{"javascript:", "vbscript:", "livescript:"} {
		if strings.Contains(s, bad) {
			return fmt.Errorf("%s URL", strings.TrimSuffix(bad, ":"))
		}
	}
	for rest := s; ; {
		i := strings.Index(rest, "data:")
		if i < 0 {
			return nil
		}
		rest = rest[i+len("data:"):]
		if !(strings.HasPrefix(rest, "image/png") || strings.HasPrefix(rest, "image/jpeg") ||
			strings.HasPrefix(rest, "image/gif") || strings.HasPrefix(rest, "image/webp") ||
			strings.HasPrefix(rest, "font/")) {
			return errors.New("data: URL of an active type")
		}
	}
}

func checkCSS(css []byte) error {
	s := strings.ToLower(string(css))
	if strings.Contains(s, "@import") || strings.Contains(s, "expression(") || strings.Contains(s, "-moz-binding") {
		return errors.New("style sheet with imports or bindings")
	}
	return checkURLish(s)
}
