package indieauth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/indiepub/indiepub/indieauth"
)

func TestIsPublicAddr(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"93.184.216.34", true},
		{"2606:2800:220:1:248:1893:25c8:1946", true},
		{"127.0.0.1", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"100.64.0.1", false},
		{"0.0.0.0", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
		{"fc00::1", false},
		{"fe80::1", false},
		{"64:ff9b::a00:1", false},
		{"224.0.0.1", false},
	}
	for _, tt := range tests {
		if got := indieauth.IsPublicAddr(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("IsPublicAddr(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

// TestClientRefusesPrivate checks the address after name resolution: "localhost" is a name,
// and only the address it resolves to shows that it is loopback.
func TestClientRefusesPrivate(t *testing.T) {
	var hits atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer ts.Close()
	port := ts.URL[strings.LastIndex(ts.URL, ":")+1:]
	c := indieauth.NewClient(indieauth.FetchOptions{})
	for _, u := range []string{ts.URL, "http://localhost:" + port + "/"} {
		_, err := c.Get(u)
		if !errors.Is(err, indieauth.ErrPrivateAddress) {
			t.Errorf("GET %s: error %v, want ErrPrivateAddress", u, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback server was reached %d times", n)
	}
	allowed := indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: true})
	resp, err := allowed.Get(ts.URL)
	if err != nil {
		t.Fatalf("with AllowPrivate: %v", err)
	}
	resp.Body.Close()
}

func TestClientRedirects(t *testing.T) {
	// /hop/n redirects to /hop/n-1; /hop/0 answers.
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/")); {
		case r.URL.Path == "/elsewhere":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case n > 0:
			http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusFound)
		default:
			io.WriteString(w, "ok")
		}
	}))
	defer ts.Close()
	c := indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: true, MaxRedirects: 3})
	for n, wantErr := range map[int]bool{0: false, 3: false, 4: true, 20: true} {
		resp, err := c.Get(fmt.Sprintf("%s/hop/%d", ts.URL, n))
		if err == nil {
			resp.Body.Close()
		}
		if (err != nil) != wantErr {
			t.Errorf("%d redirects: error %v, want error %v", n, err, wantErr)
		}
	}
	if resp, err := c.Get(ts.URL + "/elsewhere"); err == nil {
		resp.Body.Close()
		t.Error("redirect to file:// was followed")
	}
}

func TestExternalCapsReplies(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"me":"https://example.com/","scope":"create","padding":"%s"}`, strings.Repeat("x", 1<<20))
	}))
	defer ts.Close()
	v := &indieauth.External{Me: "https://example.com/", TokenEndpoint: ts.URL,
		Client: indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: true})}
	if _, err := v.Verify(context.Background(), "valid"); !errors.Is(err, indieauth.ErrUnavailable) {
		t.Errorf("a 1 MiB reply: error %v, want ErrUnavailable", err)
	}
}

func TestReadLimited(t *testing.T) {
	if b, err := indieauth.ReadLimited(strings.NewReader("12345"), 5); err != nil || string(b) != "12345" {
		t.Errorf("at the limit: %q, %v", b, err)
	}
	if _, err := indieauth.ReadLimited(strings.NewReader("123456"), 5); err == nil {
		t.Error("over the limit: no error")
	}
}
