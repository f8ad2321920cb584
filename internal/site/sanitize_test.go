package site_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// xssPayloads are hostile HTML fragments, from the OWASP XSS filter evasion cheat sheet
// and mutation-XSS reports, that content must never carry onto a page.
var xssPayloads = []string{
	`<script>alert(1)</script>`,
	`<SCRIPT SRC=https://evil.example/xss.js></SCRIPT>`,
	`<img src=x onerror=alert(1)>`,
	`<IMG SRC="javascript:alert('XSS');">`,
	`<a href="javascript:alert(1)">click</a>`,
	`<a href="JaVaScRiPt:alert(1)">click</a>`,
	`<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">entities</a>`,
	`<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">hex entities</a>`,
	`<a href="jav&#x09;ascript:alert(1)">tab</a>`,
	`<a href=" &#14;  javascript:alert(1)">leading junk</a>`,
	`<a href="vbscript:msgbox(1)">vb</a>`,
	`<svg onload=alert(1)><circle r="10"/></svg>`,
	`<svg><script>alert(1)</script></svg>`,
	`<svg><a xlink:href="javascript:alert(1)"><text y="20">x</text></a></svg>`,
	`<iframe src="https://evil.example/"></iframe>`,
	`<iframe srcdoc="<script>alert(1)</script>"></iframe>`,
	`<div style="background:url(javascript:alert(1))">bg</div>`,
	`<p style="width: expression(alert(1))">expr</p>`,
	`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data html</a>`,
	`<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+PC9zdmc+">`,
	`<object data="javascript:alert(1)"></object>`,
	`<embed src="https://evil.example/x.swf">`,
	`<form action="javascript:alert(1)"><button formaction="javascript:alert(2)">go</button></form>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<body onload=alert(1)>`,
	`<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
	`<base href="javascript:/">`,
	`<link rel="stylesheet" href="https://evil.example/x.css">`,
	`<style>@import 'https://evil.example/x.css'; body{background:red}</style>`,
	`<video><source onerror="alert(1)"></video>`,
	`<details open ontoggle=alert(1)><summary>t</summary></details>`,
	`"><script>alert(1)</script>`,
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`,
	`<textarea><script>alert(1)</script></textarea>`,
	`<a href="https://ok.example/" class="h-card u-url" id="main">class and id injection</a>`,
	`<img src="https://ok.example/a.png" onmouseover="alert(1)" style="position:fixed">`,
	`<<script>script>alert(1)<</script>/script>`,
	`<a href="java\0script:alert(1)">nul</a>`,
	`<isindex type=image src=1 onerror=alert(1)>`,
	`<input autofocus onfocus=alert(1)>`,
}

// checkSafe walks a rendered page (or fragment) and reports anything that could run
// script, load active content, restyle the page or inject microformats into the markup.
func checkSafe(t *testing.T, label string, page []byte) {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	forbidden := map[string]bool{"script": true, "iframe": true, "object": true, "embed": true,
		"form": true, "button": true, "input": true, "textarea": true, "svg": true, "math": true,
		"base": true, "frame": true, "frameset": true, "applet": true, "isindex": true}
	okURL := regexp.MustCompile(`^(?i)(https?://|mailto:|data:image/(png|jpeg|gif|webp);base64,|[^:]*$)`)
	var walk func(n *html.Node, inBody, inContent bool)
	walk = func(n *html.Node, inBody, inContent bool) {
		if isSiteSearch(n) {
			return // the layout's own search form, outside any post
		}
		if n.Type == html.ElementNode {
			if forbidden[n.Data] {
				t.Errorf("%s: <%s> on the page", label, n.Data)
			}
			if inBody && (n.Data == "style" || n.Data == "link" || n.Data == "meta") {
				t.Errorf("%s: <%s> in the body", label, n.Data)
			}
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				switch {
				case strings.HasPrefix(key, "on"):
					t.Errorf("%s: event handler %s=%q", label, a.Key, a.Val)
				case key == "style" || key == "srcdoc" || key == "formaction":
					t.Errorf("%s: %s attribute", label, a.Key)
				case key == "href" || key == "src" || key == "action" || key == "poster" || key == "data" || key == "xlink:href":
					if !okURL.MatchString(strings.TrimSpace(a.Val)) {
						t.Errorf("%s: %s=%q", label, a.Key, a.Val)
					}
				case inContent && (key == "class" || key == "id"):
					t.Errorf("%s: content sets %s=%q", label, a.Key, a.Val)
				}
			}
			if n.Data == "body" {
				inBody = true
			}
			if inBody && strings.Contains(" "+attr(n, "class")+" ", " e-content ") {
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					walk(c, true, true)
				}
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inBody, inContent)
		}
	}
	walk(doc, false, false)
}

func TestHostileContent(t *testing.T) {
	ts := newSite(t)
	for i, payload := range xssPayloads {
		shapes := map[string]map[string]any{
			"html": {"type": []any{"h-entry"}, "properties": map[string]any{
				"content": []any{map[string]any{"html": payload}}}},
			"markdown": {"type": []any{"h-entry"}, "properties": map[string]any{
				"name": []any{"Article"}, "content": []any{"Intro\n\n" + payload + "\n\n[x](javascript:alert(1))"}}},
			"text": {"type": []any{"h-entry"}, "properties": map[string]any{
				"content": []any{payload + " https://ok.example/?q=<b>"}}},
			"cite": {"type": []any{"h-entry"}, "properties": map[string]any{
				"in-reply-to": []any{map[string]any{"type": []any{"h-cite"}, "properties": map[string]any{
					"url": []any{"javascript:alert(1)"}, "name": []any{payload}, "content": []any{payload}}}},
				"photo":    []any{map[string]any{"value": "javascript:alert(1)", "alt": payload}},
				"category": []any{payload}, "syndication": []any{"javascript:alert(1)"}}},
		}
		for shape, raw := range shapes {
			p := ts.createPost(t, raw)
			label := shape + " #" + string(rune('A'+i%26)) + ": " + payload
			_, body := ts.page(t, p.URL)
			checkSafe(t, label, body)
			if shape == "text" && !strings.Contains(string(body), html.EscapeString(payload)[:4]) {
				t.Errorf("%s: plain text not shown escaped", label)
			}
		}
	}
	// Feeds carry the same sanitized HTML.
	_, atom := ts.page2(t, "/feed.atom")
	_, rss := ts.page2(t, "/feed.rss")
	_, jf := ts.page2(t, "/feed.json")
	var doc struct {
		Items []struct {
			ContentHTML string `json:"content_html"`
		} `json:"items"`
	}
	if err := json.Unmarshal(jf, &doc); err != nil {
		t.Fatal(err)
	}
	for _, it := range doc.Items {
		checkSafe(t, "json feed", []byte(it.ContentHTML))
	}
	for name, feed := range map[string][]byte{"atom": atom, "rss": rss} {
		for _, e := range xmlTexts(t, feed, "content", "description") {
			checkSafe(t, name+" feed", []byte(e))
		}
	}
}

// isSiteSearch reports whether n is the layout's search form (layout.html), which every
// page has: the theme's, not a post's.
func isSiteSearch(n *html.Node) bool {
	if n.Type != html.ElementNode || n.Data != "form" || n.Parent == nil || n.Parent.Data != "header" {
		return false
	}
	for _, a := range n.Attr {
		if a.Key == "class" && a.Val == "site-search" {
			return true
		}
	}
	return false
}
