package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/store/postgres/pgtest"
)

// asMain makes the test binary run indiepub's main instead of the tests when this
// variable is set, so that a test can start indiepub as real processes (and kill -9
// them) without building a binary.
const asMain = "INDIEPUB_TEST_AS_MAIN" // see TestMain in kill_test.go

// instance is an indiepub serve process.
type instance struct {
	cmd  *exec.Cmd
	base string // http://addr/
	done chan error
	logs *syncBuffer
}

// startInstance runs `indiepub serve` with args as a process of its own until the test
// ends, and waits for it to answer.
func startInstance(t *testing.T, args ...string) *instance {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", addr}, args...)...)
	cmd.Env = append(os.Environ(), asMain+"=1")
	in := &instance{cmd: cmd, base: "http://" + addr + "/", done: make(chan error, 1), logs: newSyncBuffer()}
	cmd.Stdout, cmd.Stderr = io.Discard, in.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { in.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-in.done
		if t.Failed() {
			t.Logf("log of the instance at %s:\n%s", in.base, in.logs.String())
		}
	})
	waitHealthy(t, in.base+"healthz", in.done)
	return in
}

// TestTwoInstances runs two indiepub processes on one PostgreSQL database and one media
// directory, as two instances behind one proxy: what is written through one is what the
// other reads, at once, and killing one loses nothing that was acknowledged.
func TestTwoInstances(t *testing.T) {
	pgURL := pgtest.URL(t)
	data := t.TempDir()
	const site = "https://blog.example/"
	flags := []string{"--data", data, "--url", site, "--database", pgURL}
	a := startInstance(t, flags...)
	b := startInstance(t, flags...)
	tok := issue(t, flags...)
	pathOf := func(u string) string { return strings.TrimPrefix(u, site) }

	// A post created on one is read on the other: q=source, its page, the feed.
	u := createPost(t, a.base, tok, url.Values{"h": {"entry"}, "content": {"written on a"}, "mp-slug": {"shared"}})
	if got := source(t, b.base, tok, u); !strings.Contains(got, "written on a") {
		t.Errorf("q=source on b of a post created on a: %s", got)
	}
	if got := getWith(t, b.base+pathOf(u), ""); !strings.Contains(got, "written on a") {
		t.Errorf("page on b of a post created on a lacks its content")
	}
	if got := getWith(t, b.base+"feed.json", ""); !strings.Contains(got, "written on a") {
		t.Errorf("feed on b lacks a post created on a: %s", got)
	}
	getWith(t, b.base, "") // b's home page is now cached

	// An update on one is on the other's pages at once, though b had them cached.
	micropubJSON(t, a.base, tok, `{"action":"update","url":"`+u+`","replace":{"content":["edited on a"]}}`,
		http.StatusNoContent)
	for _, p := range []string{pathOf(u), "", "feed.json"} {
		if got := getWith(t, b.base+p, ""); !strings.Contains(got, "edited on a") || strings.Contains(got, "written on a") {
			t.Errorf("GET /%s on b right after an update on a: the old content, or not the new", p)
		}
	}

	// A file uploaded to one is served by the other (one media directory).
	resp, body := postFile(t, a.base+"media", tok, pngBytes(t, 5))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload to a: %d %s", resp.StatusCode, body)
	}
	file := resp.Header.Get("Location")
	if got := getWith(t, b.base+pathOf(file), ""); got != string(pngBytes(t, 5)) {
		t.Errorf("GET on b of a file uploaded to a: %d bytes, not the file", len(got))
	}

	// A token revoked on one is refused by the other at its next request.
	other := issue(t, flags...)
	source(t, b.base, other, u)
	resp, body = do(t, http.MethodPost, a.base+"revoke", "", "application/x-www-form-urlencoded",
		strings.NewReader(url.Values{"token": {other}}.Encode()))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke on a: %d %s", resp.StatusCode, body)
	}
	resp, _ = do(t, http.MethodGet, b.base+"micropub?q=source&url="+url.QueryEscape(u), other, "", nil)
	// indieauth answers a token it does not accept with 403 "forbidden".
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("q=source on b with a token revoked on a: %d, want 403", resp.StatusCode)
	}

	// Concurrent creates with one slug on both get distinct URLs.
	const racers = 24
	urls := make([]string, racers)
	var wg sync.WaitGroup
	for i := range urls {
		in := []*instance{a, b}[i%2]
		wg.Go(func() {
			resp, body := do(t, http.MethodPost, in.base+"micropub", tok, "application/x-www-form-urlencoded",
				strings.NewReader(url.Values{"h": {"entry"}, "content": {fmt.Sprint("racer ", i)}, "mp-slug": {"race"}}.Encode()))
			if resp.StatusCode != http.StatusCreated {
				t.Errorf("create on %s: %d %s", in.base, resp.StatusCode, body)
			}
			urls[i] = resp.Header.Get("Location")
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, u := range urls {
		if seen[u] {
			t.Errorf("two creates answered with %s", u)
		}
		seen[u] = true
	}

	// kill -9 of one while both take creates: every create either acknowledged (201)
	// is there on the survivor.
	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var writers sync.WaitGroup
	for i := range 8 {
		in := []*instance{a, b}[i%2]
		writers.Go(func() {
			c := &http.Client{Timeout: 10 * time.Second}
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodPost, in.base+"micropub", strings.NewReader(url.Values{
					"h": {"entry"}, "content": {fmt.Sprintf("load %d-%d", i, n)}}.Encode()))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := c.Do(req)
				if err != nil {
					if in == a {
						time.Sleep(10 * time.Millisecond) // a is gone
						continue
					}
					t.Errorf("create on b: %v", err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					mu.Lock()
					acked = append(acked, resp.Header.Get("Location"))
					mu.Unlock()
				} else if in == b {
					t.Errorf("create on b while a dies: %d", resp.StatusCode)
				}
			}
		})
	}
	time.Sleep(time.Second)
	if err := a.cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	<-a.done
	a.done <- nil // for the cleanup
	time.Sleep(time.Second)
	close(stop)
	writers.Wait()
	if len(acked) == 0 {
		t.Fatal("no create was acknowledged")
	}
	for _, u := range acked {
		resp, body := do(t, http.MethodGet, b.base+"micropub?q=source&url="+url.QueryEscape(u), tok, "", nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("acknowledged post %s missing on the survivor: %d %s", u, resp.StatusCode, body)
		}
	}
	t.Logf("%d creates acknowledged around the kill, all on the survivor", len(acked))
}
