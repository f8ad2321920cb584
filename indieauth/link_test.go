package indieauth_test

import (
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/indiepub/indiepub/indieauth"
)

var pageURL = mustParse("https://example.com/blog/index.html")

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestParseLinkHeader(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   []indieauth.Link
	}{
		{"quoted rel", []string{`<https://example.com/token>; rel="token_endpoint"`},
			[]indieauth.Link{{"https://example.com/token", []string{"token_endpoint"}}}},
		{"unquoted rel, relative URL", []string{`</token>; rel=token_endpoint`},
			[]indieauth.Link{{"https://example.com/token", []string{"token_endpoint"}}}},
		{"path-relative URL", []string{`<token>;rel=token_endpoint`},
			[]indieauth.Link{{"https://example.com/blog/token", []string{"token_endpoint"}}}},
		{"several rels, mixed case", []string{`</auth>; rel="Authorization_Endpoint  token_endpoint"`},
			[]indieauth.Link{{"https://example.com/auth", []string{"authorization_endpoint", "token_endpoint"}}}},
		{"several links in one header", []string{`</a>; rel="micropub", </b>; rel="token_endpoint"`},
			[]indieauth.Link{
				{"https://example.com/a", []string{"micropub"}},
				{"https://example.com/b", []string{"token_endpoint"}},
			}},
		{"several headers", []string{`</a>; rel="micropub"`, `</b>; rel="token_endpoint"`},
			[]indieauth.Link{
				{"https://example.com/a", []string{"micropub"}},
				{"https://example.com/b", []string{"token_endpoint"}},
			}},
		{"comma inside the URL", []string{`<https://example.com/t?a=1,2>; rel="token_endpoint", </m>; rel=micropub`},
			[]indieauth.Link{
				{"https://example.com/t?a=1,2", []string{"token_endpoint"}},
				{"https://example.com/m", []string{"micropub"}},
			}},
		{"comma and semicolon inside a quoted parameter", []string{`</a>; title="x, y; z"; rel="token_endpoint", </b>; rel="micropub"`},
			[]indieauth.Link{
				{"https://example.com/a", []string{"token_endpoint"}},
				{"https://example.com/b", []string{"micropub"}},
			}},
		{"escaped quote", []string{`</a>; title="say \"hi\""; rel="me"`},
			[]indieauth.Link{{"https://example.com/a", []string{"me"}}}},
		{"only the first rel counts", []string{`</a>; rel="micropub"; rel="token_endpoint"`},
			[]indieauth.Link{{"https://example.com/a", []string{"micropub"}}}},
		{"REL and spaces around =", []string{`</a> ; REL = "token_endpoint"`},
			[]indieauth.Link{{"https://example.com/a", []string{"token_endpoint"}}}},
		{"no rel", []string{`</a>; title="x"`}, nil},
		{"garbage then a good link", []string{`garbage; rel="x", </b>; rel=token_endpoint`},
			[]indieauth.Link{{"https://example.com/b", []string{"token_endpoint"}}}},
		{"unterminated URL", []string{`</a; rel=token_endpoint`}, nil},
		{"non-http target dropped", []string{`<javascript:alert(1)>; rel=token_endpoint, <mailto:a@b>; rel=me`}, nil},
		{"empty", []string{""}, nil},
		{"empty target is no endpoint", []string{`<>; rel=token_endpoint, < >; rel=micropub`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := indieauth.ParseLinkHeader(pageURL, tt.values...)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseLinkHeader(%q)\n got %v\nwant %v", tt.values, got, tt.want)
			}
		})
	}
}

func TestParseHTMLLinks(t *testing.T) {
	page := `<!doctype html><html><head>
<link rel="stylesheet" href="/style.css">
<link REL="Token_Endpoint" href=" /token ">
<link rel="indieauth-metadata" href="https://auth.example.net/.well-known/oauth-authorization-server"/>
<link href="/no-rel">
<link rel="micropub">
</head><body>
<a rel="me authn" href="https://github.com/someone">GitHub</a>
<a href="/plain">plain</a>
<link rel="pingback" href="javascript:alert(1)">
</body></html>`
	got, err := indieauth.ParseHTMLLinks(pageURL, strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	want := []indieauth.Link{
		{"https://example.com/style.css", []string{"stylesheet"}},
		{"https://example.com/token", []string{"token_endpoint"}},
		{"https://auth.example.net/.well-known/oauth-authorization-server", []string{"indieauth-metadata"}},
		{"https://github.com/someone", []string{"me", "authn"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseHTMLLinks\n got %v\nwant %v", got, want)
	}
	if ep := indieauth.FindRel(got, "token_endpoint"); ep != "https://example.com/token" {
		t.Errorf("FindRel(token_endpoint) = %q", ep)
	}
}

func TestParseHTMLLinksBase(t *testing.T) {
	page := `<html><head><base href="https://cdn.example.org/site/"><base href="https://ignored.example/">` +
		`<link rel="token_endpoint" href="token"></head></html>`
	got, err := indieauth.ParseHTMLLinks(pageURL, strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	if ep := indieauth.FindRel(got, "token_endpoint"); ep != "https://cdn.example.org/site/token" {
		t.Errorf("token_endpoint under <base> = %q", ep)
	}
}

func TestCanonicalURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.com/", "https://example.com/"},
		{"https://example.com", "https://example.com/"},
		{"HTTPS://Example.COM", "https://example.com/"},
		{"https://example.com:443/", "https://example.com/"},
		{"http://example.com:80", "http://example.com/"},
		{"http://example.com:8080", "http://example.com:8080/"},
		{"https://example.com:80/", "https://example.com:80/"},
		{"https://example.com/Users/Jane", "https://example.com/Users/Jane"},
		{"https://example.com/jane/", "https://example.com/jane/"},
		{"http://[::1]:80/", "http://[::1]/"},
		{"http://[::1]:8080", "http://[::1]:8080/"},
		{"https://example.com/?a=b", "https://example.com/?a=b"},
	}
	for _, tt := range tests {
		got, err := indieauth.CanonicalURL(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("CanonicalURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "example.com", "mailto:jane@example.com", "https:///path", "ftp://example.com/", "javascript:alert(1)"} {
		if got, err := indieauth.CanonicalURL(bad); err == nil {
			t.Errorf("CanonicalURL(%q) = %q, want an error", bad, got)
		}
	}
	if !indieauth.SameURL("HTTPS://EXAMPLE.com:443", "https://example.com/") {
		t.Error("SameURL: spellings of one URL differ")
	}
	if indieauth.SameURL("https://example.com/jane", "https://example.com/") {
		t.Error("SameURL: different paths match")
	}
}

func TestSameProfile(t *testing.T) {
	tests := []struct {
		me   string
		want bool
	}{
		{"https://example.com/", true},
		{"http://example.com", true}, // Sunlit
		{"https://EXAMPLE.com", true},
		{"https://example.com:443/", true},
		{" https://example.com/ ", true},
		{"https://example.org/", false},
		{"https://example.com/other", false},
		{"https://example.com:8443/", false},
		{"http://example.com:443/", false},
		{"https://example.com/?a=b", false},
		{"", false},
		{"example.com", false},
		{"ftp://example.com/", false},
	}
	for _, tt := range tests {
		if got := indieauth.SameProfile(tt.me, "https://example.com/"); got != tt.want {
			t.Errorf("SameProfile(%q, https://example.com/) = %v, want %v", tt.me, got, tt.want)
		}
		if got := indieauth.SameProfile("https://example.com/", tt.me); got != tt.want {
			t.Errorf("SameProfile(https://example.com/, %q) = %v, want %v", tt.me, got, tt.want)
		}
	}
	for _, pair := range [][2]string{
		{"https://example.com/jane/", "http://example.com/jane"},
		{"http://[::1]:8080", "https://[::1]:8080/"},
	} {
		if !indieauth.SameProfile(pair[0], pair[1]) {
			t.Errorf("SameProfile(%q, %q) = false, want true", pair[0], pair[1])
		}
	}
	if indieauth.SameProfile("https://example.com/Jane", "https://example.com/jane") {
		t.Error("SameProfile: paths differing in case match")
	}
	// SameURL keeps the scheme: where another server vouches for a "me", http is not https.
	if indieauth.SameURL("http://example.com/", "https://example.com/") {
		t.Error("SameURL: http and https match")
	}
}

func TestParseLinkHeaderRaw(t *testing.T) {
	got := indieauth.ParseLinkHeaderRaw(`< myapp://cb >; rel="redirect_uri", </cb>; REL=redirect_uri, <https://x/>`,
		`<https://a.example/cb>; rel="me redirect_uri"`)
	want := []indieauth.Link{
		{URL: "myapp://cb", Rels: []string{"redirect_uri"}},
		{URL: "/cb", Rels: []string{"redirect_uri"}},
		{URL: "https://a.example/cb", Rels: []string{"me", "redirect_uri"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseLinkHeaderRaw\n got %v\nwant %v", got, want)
	}
	if got := indieauth.ParseLinkHeader(pageURL, `<myapp://cb>; rel="redirect_uri"`); got != nil {
		t.Errorf("ParseLinkHeader kept a target of another scheme: %v", got)
	}
}

// fuzzSeeds returns the client fixtures, plus the given strings, as fuzz seeds.
func fuzzSeeds(f *testing.F, extra ...string) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join(clientsDir, "*"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no client fixtures in %s", clientsDir)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, s := range extra {
		f.Add(s)
	}
}

func FuzzParseLinkHeader(f *testing.F) {
	fuzzSeeds(f,
		`<https://example.com/token>; rel="token_endpoint"`,
		`</a>; rel="micropub", <https://example.com/t?a=1,2>; rel=token_endpoint; title="x, \"y\""`,
		`<https://aaronparecki.com/auth>; rel="authorization_endpoint", <https://aaronparecki.com/micropub>; rel="micropub"`,
		`</.well-known/oauth-authorization-server>; rel="indieauth-metadata"`,
		`<`, `<>;`, `;rel=`, `"`, `</a>; rel="unterminated`,
	)
	f.Fuzz(func(t *testing.T, header string) {
		links := indieauth.ParseLinkHeader(pageURL, header)
		for _, l := range links {
			checkLink(t, l)
		}
		// The raw links are the same links, before resolution drops some.
		raw := indieauth.ParseLinkHeaderRaw(header)
		if len(raw) < len(links) {
			t.Errorf("ParseLinkHeaderRaw found %d links, ParseLinkHeader %d", len(raw), len(links))
		}
		// Splitting the same links over several headers finds no fewer.
		if n := len(indieauth.ParseLinkHeader(pageURL, header, header)); n != 2*len(links) {
			t.Errorf("two copies of the header gave %d links, one gave %d", n, len(links))
		}
	})
}

func FuzzParseHTMLLinks(f *testing.F) {
	fuzzSeeds(f,
		`<html><head><link rel="token_endpoint" href="/token"><base href="https://x.example/"></head></html>`,
		`<a rel="me" href="https://github.com/x">x</a><link rel=indieauth-metadata href=/md>`,
		`<link rel="a b c" href="  relative/path?x=1#f ">`,
		`<base href="javascript:x"><link rel=me href=y>`,
	)
	f.Fuzz(func(t *testing.T, page string) {
		links, err := indieauth.ParseHTMLLinks(pageURL, strings.NewReader(page))
		if err != nil {
			t.Fatalf("error on an in-memory page: %v", err)
		}
		for _, l := range links {
			checkLink(t, l)
		}
	})
}

func FuzzCanonicalURL(f *testing.F) {
	fuzzSeeds(f, "https://Example.com:443", "http://[::1]:80", "https://example.com/a/../b", "http://%41")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := indieauth.CanonicalURL(s)
		if err != nil {
			return
		}
		again, err := indieauth.CanonicalURL(c)
		if err != nil || again != c {
			t.Errorf("CanonicalURL(%q) = %q, which normalizes to %q, %v", s, c, again, err)
		}
	})
}

// checkLink holds for every link a parser returns: an absolute http(s) URL and real rels.
func checkLink(t *testing.T, l indieauth.Link) {
	t.Helper()
	u, err := url.Parse(l.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		t.Errorf("link URL %q is not absolute http(s)", l.URL)
	}
	if len(l.Rels) == 0 {
		t.Errorf("link %q has no rel", l.URL)
	}
	for _, r := range l.Rels {
		if r == "" || strings.ContainsAny(r, " \t\n") || (utf8.ValidString(r) && strings.ToLower(r) != r) {
			t.Errorf("link %q has rel %q", l.URL, r)
		}
	}
}
