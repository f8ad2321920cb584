package webmention_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/indiepub/indiepub/internal/webmention"
)

// rocks serves webmention.rocks's discovery tests from testdata/rocks and records the
// webmentions it receives.
type rocks struct {
	*httptest.Server
	mu       sync.Mutex
	received []received
	keys     map[string]bool // one-time keys of test 23 not yet used
	next     int
}

// received is one POST: where it went and what it carried.
type received struct {
	path, query    string
	source, target string
	form           string
}

func newRocks(t *testing.T) *rocks {
	t.Helper()
	rk := &rocks{keys: map[string]bool{"page": true}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /test/{n}", rk.page)
	mux.HandleFunc("GET /test/23/{key}", rk.page23)
	mux.HandleFunc("GET /test/23/page/{key}", rk.page23)
	mux.HandleFunc("GET /none", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!doctype html><title>No endpoint</title><a href="/test/1/webmention">not rel</a>
			<p rel="webmention" href="/x">a p is no link</p>`)
	})
	mux.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		rk.mu.Lock()
		rk.received = append(rk.received, received{r.URL.Path, r.URL.RawQuery,
			r.PostForm.Get("source"), r.PostForm.Get("target"), r.PostForm.Encode()})
		rk.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	})
	rk.Server = httptest.NewServer(mux)
	t.Cleanup(rk.Close)
	return rk
}

// page serves /test/{n}; /test/23/{key} redirects once to page/{new key}, as
// DiscoveryTestController::redirect23 does.
func (rk *rocks) page(w http.ResponseWriter, r *http.Request) {
	n := r.PathValue("n")
	if n == "23" {
		http.NotFound(w, r)
		return
	}
	rk.serveFile(w, "discovery-"+fmt.Sprintf("%02s", n)+".txt", "")
}

func (rk *rocks) page23(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	rk.mu.Lock()
	ok := rk.keys[key]
	delete(rk.keys, key)
	rk.next++
	newKey := fmt.Sprintf("k%d", rk.next)
	rk.keys[newKey] = true
	rk.mu.Unlock()
	if !ok {
		http.Error(w, "Code expired", http.StatusGone)
		return
	}
	if key == "page" { // /test/23/page
		w.Header().Set("Location", "page/"+newKey)
		w.WriteHeader(http.StatusFound)
		return
	}
	rk.serveFile(w, "discovery-23.txt", newKey)
}

// serveFile writes a testdata file: its header lines as they are spelled (test 7's
// "LinK" included), then its body.
func (rk *rocks) serveFile(w http.ResponseWriter, name, key string) {
	b, err := os.ReadFile("testdata/rocks/" + name)
	if err != nil {
		http.NotFound(w, nil)
		return
	}
	s := strings.NewReplacer("{{base}}", rk.URL+"/", "{{key}}", key).Replace(string(b))
	head, body, _ := strings.Cut(s, "\n\n")
	sc := bufio.NewScanner(strings.NewReader(head))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ": "); ok {
			w.Header()[k] = append(w.Header()[k], v)
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, body)
}

func (rk *rocks) takeReceived() []received {
	rk.mu.Lock()
	defer rk.mu.Unlock()
	r := rk.received
	rk.received = nil
	return r
}

// TestDiscoveryRocks sends one webmention to each of webmention.rocks's discovery tests
// 1–23, served locally, and checks that exactly the right endpoint receives it, with
// source and target in the body and the endpoint's query string left in its URL.
func TestDiscoveryRocks(t *testing.T) {
	rk := newRocks(t)
	s, db := newSender(t)
	const source = "https://indiepub.example/notes/2026/12/rocks"
	for n := 1; n <= 23; n++ {
		target := fmt.Sprintf("%s/test/%d", rk.URL, n)
		wantPath, wantQuery := fmt.Sprintf("/test/%d/webmention", n), ""
		switch n {
		case 15:
			wantPath = "/test/15" // an empty href is the page itself
		case 21:
			wantQuery = "query=yes"
		case 23:
			target = rk.URL + "/test/23/page"
			wantPath = "/test/23/page/webmention-endpoint/k2" // relative to the page after the redirect
		}
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			result, err := s.Send(t.Context(), sendJob(t, source, target, true))
			if err != nil {
				t.Fatalf("Send to test %d: %v", n, err)
			}
			got := rk.takeReceived()
			if len(got) != 1 {
				t.Fatalf("test %d: %d webmentions received %+v, want 1 at %s", n, len(got), got, wantPath)
			}
			r := got[0]
			if r.path != wantPath || r.query != wantQuery {
				t.Errorf("test %d: sent to %s?%s, want %s?%s", n, r.path, r.query, wantPath, wantQuery)
			}
			if r.source != source || r.target != target {
				t.Errorf("test %d: sent source=%q target=%q, want %q and %q", n, r.source, r.target, source, target)
			}
			if strings.Contains(r.form, "query") {
				t.Errorf("test %d: body %q carries the endpoint's query", n, r.form)
			}
			if want := rk.URL + wantPath; !strings.Contains(result, want) {
				t.Errorf("test %d: job result %q, want it to name %s", n, result, want)
			}
			sent := sentTo(t, db, source, target)
			if sent.Status != webmention.StatusSent || sent.Code != http.StatusAccepted {
				t.Errorf("test %d: recorded %+v, want sent with 202", n, sent)
			}
		})
	}
}

// TestDiscoveryNoEndpoint: a page that advertises no endpoint, and one that is not there,
// receive nothing; the outcome is recorded and the job ends (nothing to retry).
func TestDiscoveryNoEndpoint(t *testing.T) {
	rk := newRocks(t)
	s, db := newSender(t)
	const source = "https://indiepub.example/notes/none"
	for _, tt := range []struct {
		path, status string
	}{
		{"/none", webmention.StatusNoEndpoint},
		{"/missing", webmention.StatusFailed},
	} {
		_, err := s.Send(t.Context(), sendJob(t, source, rk.URL+tt.path, true))
		if tt.status == webmention.StatusFailed && err == nil {
			t.Errorf("%s: Send succeeded, want a permanent failure", tt.path)
		}
		if got := rk.takeReceived(); len(got) != 0 {
			t.Errorf("%s: %d webmentions received %+v, want none", tt.path, len(got), got)
		}
		if got := sentTo(t, db, source, rk.URL+tt.path); got.Status != tt.status {
			t.Errorf("%s: recorded %+v, want status %s", tt.path, got, tt.status)
		}
	}
}
