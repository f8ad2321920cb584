package site

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/fixture"

	"golang.org/x/net/html"
)

func TestRenderText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"hello", "<p>hello</p>\n"},
		{"a <b> & \"c\"", "<p>a &lt;b&gt; &amp; &#34;c&#34;</p>\n"},
		{"see https://example.com/a.", `<p>see <a href="https://example.com/a">https://example.com/a</a>.</p>` + "\n"},
		{"(https://en.example.org/wiki/Go_(language))", `<p>(<a href="https://en.example.org/wiki/Go_(language)">https://en.example.org/wiki/Go_(language)</a>)</p>` + "\n"},
		{"http://x.example/?a=1&b=<2>", `<p><a href="http://x.example/?a=1&amp;b=">http://x.example/?a=1&amp;b=</a>&lt;2&gt;</p>` + "\n"},
		{"javascript:alert(1) and ftp://x.example", "<p>javascript:alert(1) and ftp://x.example</p>\n"},
		{"HTTPS://EXAMPLE.COM", `<p><a href="https://EXAMPLE.COM">HTTPS://EXAMPLE.COM</a></p>` + "\n"},
		{"one\ntwo\r\n\r\nthree", "<p>one<br>\ntwo</p>\n<p>three</p>\n"},
		{"https://", "<p>https://</p>\n"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := string(RenderText(tt.in)); got != tt.want {
			t.Errorf("RenderText(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestSanitizeKeepsGoodHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<p>Hi <a href="https://a.example/" title="A">a</a> <strong>b</strong></p>`, `<p>Hi <a href="https://a.example/" title="A">a</a> <strong>b</strong></p>`},
		{`<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot">`, `<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot"/>`},
		{`<blockquote cite="https://q.example/">q</blockquote>`, `<blockquote cite="https://q.example/">q</blockquote>`},
		{`<ul><li>one<li>two</ul>`, `<ul><li>one</li><li>two</li></ul>`},
		{`<p>unclosed <em>em`, `<p>unclosed <em>em</em></p>`},
		{`<a href="/relative">r</a>`, `<a href="/relative">r</a>`},
		{`<video src="https://v.example/a.mp4" controls></video>`, `<video src="https://v.example/a.mp4" controls=""></video>`},
	}
	for _, tt := range tests {
		if got := string(SanitizeHTML(tt.in)); got != tt.want {
			t.Errorf("SanitizeHTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	got := string(RenderMarkdown("# Title\n\nSome *em* and a [link](https://a.example/) and <script>x</script> and https://auto.example/\n\n| a | b |\n|---|---|\n| 1 | 2 |"))
	for _, want := range []string{"<h1>Title</h1>", "<em>em</em>", `<a href="https://a.example/">link</a>`,
		`<a href="https://auto.example/">https://auto.example/</a>`, "<table>", "<td>1</td>"} {
		if !strings.Contains(got, want) {
			t.Errorf("markdown lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "<script") {
		t.Errorf("markdown keeps raw script:\n%s", got)
	}
}

// FuzzContent feeds arbitrary input to the three content renderers: none may panic, emit
// script, event handlers or javascript:/non-image data: URLs, or let content close the
// element it sits in.
func FuzzContent(f *testing.F) {
	seeds := []string{
		`<script>alert(1)</script>`, `<img src=x onerror=alert(1)>`, `<a href="javascript:alert(1)">x</a>`,
		`<a href="&#106;avascript:alert(1)">x</a>`, `<svg onload=alert(1)>`, `<iframe src=//x>`,
		`<p style="x:expression(alert(1))">`, `<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
		`</div></main><script>alert(1)</script>`, "[x](javascript:alert(1))\n\n<b onclick=x>b</b>",
		"see https://example.com/(a)) and http://x.y/?a=<b>", "<<script>script>", "<!-- --><![CDATA[x]]>",
	}
	for _, name := range fixture.Glob(f, "*") {
		seeds = append(seeds, string(fixture.Read(f, filepath.Base(name))))
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, out := range map[string]string{
			"html":     string(SanitizeHTML(s)),
			"markdown": string(RenderMarkdown(s)),
			"text":     string(RenderText(s)),
		} {
			assertSafe(t, name, s, out)
		}
	})
}

func assertSafe(t *testing.T, name, in, out string) {
	t.Helper()
	if strings.Contains(strings.ToLower(out), "<script") {
		t.Fatalf("%s(%q) = %q: <script", name, in, out)
	}
	doc, err := html.Parse(strings.NewReader(`<div id="content">` + out + `</div><p id="after"></p>`))
	if err != nil {
		t.Fatal(err)
	}
	var visit func(n *html.Node, depth int)
	afterOK := false
	visit = func(n *html.Node, depth int) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "iframe", "object", "embed", "form", "svg", "math", "style", "base", "meta", "link":
				t.Fatalf("%s(%q) = %q: <%s>", name, in, out, n.Data)
			}
			for _, a := range n.Attr {
				v := strings.ToLower(strings.Map(func(r rune) rune {
					if r <= ' ' {
						return -1
					}
					return r
				}, a.Val))
				switch {
				case strings.HasPrefix(a.Key, "on") || a.Key == "style":
					t.Fatalf("%s(%q) = %q: attribute %s", name, in, out, a.Key)
				case strings.Contains(v, "javascript:") || strings.Contains(v, "vbscript:"):
					t.Fatalf("%s(%q) = %q: %s=%q", name, in, out, a.Key, a.Val)
				case strings.HasPrefix(v, "data:") && !rasterData.MatchString(strings.TrimPrefix(a.Val, "data:")):
					t.Fatalf("%s(%q) = %q: %s=%q", name, in, out, a.Key, a.Val)
				}
			}
			if n.Data == "p" && attrValue(n, "id") == "after" && n.Parent != nil && n.Parent.Data == "body" {
				afterOK = true
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c, depth+1)
		}
	}
	visit(doc, 0)
	if !afterOK {
		t.Fatalf("%s(%q) = %q: content escapes its container", name, in, out)
	}
}

func attrValue(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
