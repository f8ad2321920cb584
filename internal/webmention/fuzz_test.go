package webmention_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/webmention"
)

// FuzzFindEndpoint: whatever headers and page a target sends, discovery never panics and
// finds either nothing or an absolute http(s) URL without a fragment, and the Link header
// wins over the page.
func FuzzFindEndpoint(f *testing.F) {
	files, _ := filepath.Glob("testdata/rocks/*.txt")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		head, body, _ := strings.Cut(string(b), "\n\n")
		link := ""
		if _, v, ok := strings.Cut(head, ": "); ok {
			link, _, _ = strings.Cut(v, "\n")
		}
		f.Add(link, body)
	}
	f.Add(`<>; rel=webmention`, ``)
	f.Add(`<a>; rel="x webmention", <b>`, `<a rel=webmention href=#frag>`)
	f.Add(`<javascript:alert(1)>; rel=webmention`, `<link rel=webmention href=" //other.example/ ">`)
	page, _ := url.Parse("https://target.example/dir/page?q=1")
	f.Fuzz(func(t *testing.T, link, body string) {
		h := http.Header{"Content-Type": {"text/html"}}
		if link != "" {
			h.Set("Link", link)
		}
		ep := webmention.FindEndpoint(page, h, strings.NewReader(body))
		if ep != "" {
			u, err := url.Parse(ep)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
				t.Errorf("FindEndpoint(%q, %q) = %q, not an absolute http(s) URL without fragment", link, body, ep)
			}
		}
		if fromHeader := webmention.FindEndpoint(page, h, strings.NewReader("")); fromHeader != "" && fromHeader != ep {
			t.Errorf("FindEndpoint(%q, %q) = %q, but the Link header alone gives %q", link, body, ep, fromHeader)
		}
	})
}
