package owner

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/fixture"
)

// seedClientQueries seeds f with the parameter values of the client fixtures' requests,
// the URLs real clients send.
func seedClientQueries(f *testing.F) {
	for _, n := range fixture.Glob(f, "*.txt") {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		v, _ := url.ParseQuery(strings.TrimSpace(string(b)))
		for _, vals := range v {
			for _, val := range vals {
				f.Add(val)
			}
		}
	}
}

// FuzzLocalPath: whatever next is, the browser stays on the site.
func FuzzLocalPath(f *testing.F) {
	seedClientQueries(f)
	for _, s := range []string{"/admin/tokens?x=1", "/\t/evil.example/", "/\\evil.example", "//evil.example",
		"/%2F/evil.example", "https:evil.example", "/auth?client_id=https%3A%2F%2Fa.example%2F", "/\x7f/x", "/ /x"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://site.example/login")
	f.Fuzz(func(t *testing.T, next string) {
		got := localPath(next)
		if got != next && got != "/admin/tokens" {
			t.Fatalf("localPath(%q) = %q, neither the input nor the fallback", next, got)
		}
		// What a browser makes of it: tabs and newlines dropped, backslashes as slashes.
		browser := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(got)
		if !strings.HasPrefix(browser, "/") || strings.HasPrefix(browser, "//") {
			t.Fatalf("localPath(%q) = %q, which a browser reads as %q", next, got, browser)
		}
		u, err := base.Parse(browser)
		if err != nil || u.Host != "site.example" || u.Scheme != "https" {
			t.Fatalf("localPath(%q) = %q leaves the site: %v %v", next, got, u, err)
		}
	})
}

// FuzzClientAddr: X-Forwarded-For never panics the limiter's key, and is ignored unless
// the connection comes from a trusted proxy.
func FuzzClientAddr(f *testing.F) {
	f.Add("127.0.0.1:1234", "198.51.100.1, 203.0.113.9")
	f.Add("[::1]:80", "2001:db8::1,garbage,,")
	f.Add("203.0.113.9:1", "127.0.0.1")
	f.Add("bogus", "")
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		r := httptest.NewRequest(http.MethodPost, "/login", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", xff)
		untrusted := clientAddr(r, nil)
		if untrusted == "" && remote != "" {
			t.Fatalf("clientAddr(%q) is empty", remote)
		}
		r.Header.Del("X-Forwarded-For")
		if other := clientAddr(r, nil); other != untrusted {
			t.Fatalf("without trusted proxies X-Forwarded-For %q changed the address: %q vs %q", xff, untrusted, other)
		}
		r.Header.Set("X-Forwarded-For", xff)
		if got := clientAddr(r, trusted); got == "" && remote != "" {
			t.Fatalf("clientAddr(%q, %q) is empty", remote, xff)
		}
		if a, err := netip.ParseAddr(untrusted); err == nil && !isTrusted(a, trusted) {
			if got := clientAddr(r, trusted); got != untrusted {
				t.Fatalf("an untrusted peer %q set its address to %q with X-Forwarded-For", remote, got)
			}
		}
	})
}
