package owner

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestPassword(t *testing.T) {
	h, err := HashPassword("a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not an argon2id PHC string", h)
	}
	for pw, want := range map[string]bool{"a long enough password": true, "a long enough passwore": false, "": false} {
		if ok, err := CheckPassword(h, pw); ok != want || err != nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	if _, err := HashPassword("short"); err == nil {
		t.Errorf("a 5-character password was accepted")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=1,t=1,p=1$!!$aGFzaA"} {
		if _, err := CheckPassword(bad, "x"); err == nil {
			t.Errorf("CheckPassword accepted malformed hash %q", bad)
		}
	}
}

func TestCookiesSecureOverHTTPS(t *testing.T) {
	for site, want := range map[string]bool{"https://jane.example/": true, "http://127.0.0.1:8080/": false} {
		s := New(Config{URL: site}, nil)
		rec := httptest.NewRecorder()
		s.setCookie(rec, sessionCookie, "v", time.Hour)
		c := rec.Result().Cookies()[0]
		if c.Secure != want || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
			t.Errorf("%s: cookie %+v, want Secure=%v, HttpOnly, SameSite=Lax", site, c, want)
		}
	}
}

func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.1.0.0/16")}
	for _, tc := range []struct {
		remote, xff string
		trusted     []netip.Prefix
		want        string
	}{
		{"203.0.113.9:1234", "198.51.100.1", trusted, "203.0.113.9"},
		{"127.0.0.1:1234", "198.51.100.1", nil, "127.0.0.1"},
		{"127.0.0.1:1234", "198.51.100.1", trusted, "198.51.100.1"},
		{"127.0.0.1:1234", "6.6.6.6, 198.51.100.1", trusted, "198.51.100.1"},
		{"127.0.0.1:1234", "198.51.100.1, 10.1.2.3", trusted, "198.51.100.1"},
		{"127.0.0.1:1234", "", trusted, "127.0.0.1"},
		{"127.0.0.1:1234", "garbage, 198.51.100.1", trusted, "198.51.100.1"},
		{"127.0.0.1:1234", "198.51.100.1, garbage", trusted, "127.0.0.1"},
		{"[2001:db8:1:2:3:4:5:6]:1234", "", trusted, "2001:db8:1:2::/64"},
		{"127.0.0.1:1234", "2001:db8:1:2::9", trusted, "2001:db8:1:2::/64"},
		{"127.0.0.1:1234", "198.51.100.1:5555", trusted, "198.51.100.1"},
		{"127.0.0.1:1234", "[2001:db8:1:2::9]:80", trusted, "2001:db8:1:2::/64"},
	} {
		r := httptest.NewRequest(http.MethodPost, "/login", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := clientAddr(r, tc.trusted); got != tc.want {
			t.Errorf("clientAddr(%s, X-Forwarded-For %q, trusted %v) = %s, want %s", tc.remote, tc.xff, tc.trusted, got, tc.want)
		}
	}
}

// TestCheckBound: no more than concurrentChecks password checks run at once; a check
// that cannot start in time does not run. (The limits on attempts are the store's:
// storetest's SignIn contracts.)
func TestCheckBound(t *testing.T) {
	l := newChecker()
	release := make(chan struct{})
	started := make(chan struct{}, concurrentChecks)
	for range concurrentChecks {
		go l.check(context.Background(), func() { started <- struct{}{}; <-release })
	}
	for range concurrentChecks {
		<-started
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ran := false
	if l.check(ctx, func() { ran = true }) || ran {
		t.Errorf("a third check ran while %d were running", concurrentChecks)
	}
	close(release)
	if !l.check(context.Background(), func() { ran = true }) || !ran {
		t.Errorf("a check did not run once the others finished")
	}
}

func TestHost(t *testing.T) {
	for in, want := range map[string]string{
		"https://Quill.example:8443/path": "Quill.example",
		"https://[2001:db8::1]/":          "2001:db8::1",
		"not a url":                       "not a url",
		"%zz":                             "%zz",
	} {
		if got := Host(in); got != want {
			t.Errorf("Host(%q) = %q, want %q", in, got, want)
		}
	}
}
