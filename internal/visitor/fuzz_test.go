package visitor_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/secret"
	"github.com/indiepub/indiepub/internal/visitor"
)

// FuzzCanonical: whatever a visitor types, Canonical never panics, and what it accepts is
// a profile URL (http or https, a host, a path, no user, no fragment) that canonicalizes
// to itself.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{"example.com", "HTTPS://Example.COM", "http://example.com:80", "https://example.com/~me/",
		"127.0.0.1:8080", "[::1]:8080/x", "http://user:pw@example.com/", "example.com/#x", "example.com/a/../b",
		"mailto:me@example.com", "", " example.com ", "http://exa mple.com/", "http://%41.com/"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, in string, lax bool) {
		out, err := visitor.Canonical(in, lax)
		if err != nil {
			return
		}
		u, perr := url.Parse(out)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			u.Fragment != "" || !strings.HasPrefix(u.Path, "/") {
			t.Fatalf("Canonical(%q) = %q, not a profile URL", in, out)
		}
		if again, err := visitor.Canonical(out, lax); err != nil || again != out {
			t.Fatalf("Canonical(%q) = %q, but Canonical(%q) = %q, %v", in, out, out, again, err)
		}
	})
}

// FuzzDecodeSession: no cookie value opens as a session unless it was sealed as one under
// the key (tampered, cut or forged values are refused), and none panics.
func FuzzDecodeSession(f *testing.F) {
	box, err := secret.New(make([]byte, secret.KeySize))
	if err != nil {
		f.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	good := visitor.EncodeSession(box, &visitor.Session{Me: "https://visitor.example/", CSRF: "c", Token: "t",
		Expires: now.Unix() + 3600})
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add("v1:")
	f.Add("v1:" + strings.Repeat("A", 100))
	f.Add(`{"me":"https://visitor.example/"}`)
	f.Fuzz(func(t *testing.T, value string) {
		s, err := visitor.DecodeSession(box, value, now)
		if err != nil {
			return
		}
		// The only session ever sealed under this key is the seed's (each fuzzing process
		// seals its own, with its own nonce).
		if s.Me != "https://visitor.example/" || s.Token != "t" || s.CSRF != "c" || s.Expires != now.Unix()+3600 {
			t.Fatalf("DecodeSession(%q) opened %+v, which was never sealed", value, s)
		}
	})
}
