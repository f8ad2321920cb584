package media

import (
	"strings"
	"testing"
)

func TestActiveSVG(t *testing.T) {
	const ns = `xmlns="http://www.w3.org/2000/svg"`
	safe := []string{
		`<svg ` + ns + ` viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="red"/></svg>`,
		`<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg ` + ns + `><style>circle { fill: blue }</style><a href="https://example.com/"><text>hi</text></a></svg>`,
		`<svg ` + ns + ` xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="data:image/png;base64,iVBORw0KGgo="/></svg>`,
		`<svg ` + ns + `><circle r="4"><animate attributeName="opacity" values="0;1" dur="1s"/><set attributeName="fill" to="red"/></circle></svg>`,
		`<svg ` + ns + `><rect><animateTransform attributeName="transform" type="rotate" from="0" to="90"/></rect></svg>`,
	}
	active := []string{
		`<svg ` + ns + `><script>alert(1)</script></svg>`,
		`<svg ` + ns + ` xmlns:s="http://www.w3.org/2000/svg"><s:script>alert(1)</s:script></svg>`,
		`<svg ` + ns + ` onload="alert(1)"/>`,
		`<svg ` + ns + `><a href="javascript:alert(1)"><text>x</text></a></svg>`,
		`<svg ` + ns + `><a href=" jav&#x09;ascript:alert(1)"><text>x</text></a></svg>`,
		`<svg ` + ns + `><a href="&#106;avascript:alert(1)"><text>x</text></a></svg>`,
		`<svg ` + ns + `><animate attributeName="href" values="javascript:alert(1)"/></svg>`,
		`<svg ` + ns + `><set attributeName="onmouseover" to="alert(1)"/></svg>`,
		`<svg ` + ns + `><rect><set attributeName=" OnClick " to="alert(1)"/></rect></svg>`,
		`<svg ` + ns + `><a><animate attributeName="href" values="x"/><text>x</text></a></svg>`,
		`<svg ` + ns + ` xmlns:xlink="http://www.w3.org/1999/xlink"><a><set attributeName="xlink:href" to="https://evil.example/"/></a></svg>`,
		`<svg ` + ns + `><rect><animateTransform attributeName="onbegin" type="rotate"/></rect></svg>`,
		`<svg ` + ns + `><rect><animateMotion attributeName="onend"/></rect></svg>`,
		`<svg ` + ns + `><foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><iframe/></body></foreignObject></svg>`,
		`<svg ` + ns + `><title><script>alert(1)</script></title></svg>`,
		`<svg ` + ns + `><iframe src="data:text/html,x"/></svg>`,
		`<svg ` + ns + `><image href="data:image/svg+xml;base64,PHN2Zz4="/></svg>`,
		`<svg ` + ns + `><style>@import url(https://evil.example/x.css);</style></svg>`,
		`<?xml-stylesheet type="text/xsl" href="x.xsl"?><svg ` + ns + `/>`,
		`<!DOCTYPE svg [<!ENTITY x "xx">]><svg ` + ns + `>&x;</svg>`,
		`<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>`,
		`<svg ` + ns + `><circle`, // not well-formed
	}
	for _, doc := range safe {
		if err := activeSVG(strings.NewReader(doc)); err != nil {
			t.Errorf("activeSVG(%s) = %v, want nil", doc, err)
		}
	}
	for _, doc := range active {
		if err := activeSVG(strings.NewReader(doc)); err == nil {
			t.Errorf("activeSVG(%s) = nil, want an error", doc)
		}
	}
}
