package server_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// TestWebSubPublishesNewPosts starts indiepub with a local hub and creates a public post
// over HTTP: the hub is pinged (hub.mode=publish) for the home page and the feeds, the
// tag's feeds included, through the job queue, within seconds; a draft pings nothing.
func TestWebSubPublishesNewPosts(t *testing.T) {
	type ping struct {
		url string
		at  time.Time
	}
	var mu sync.Mutex
	var pings []ping
	got := make(chan struct{}, 100)
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.Method != http.MethodPost || r.PostForm.Get("hub.mode") != "publish" {
			http.Error(w, "want a publish", http.StatusBadRequest)
			return
		}
		mu.Lock()
		pings = append(pings, ping{r.PostForm.Get("hub.url"), time.Now()})
		mu.Unlock()
		got <- struct{}{}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hub.Close()
	srv := servertest.New(t, func(c *server.Config) {
		c.WebSubHub = hub.URL + "/"
		c.AllowPrivateFetch = true
	})
	tok := srv.IssueToken(t, "create")

	resp, _ := srv.PostForm(t, "/micropub", tok, "h=entry&content=a+draft&post-status=draft")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create draft: %d", resp.StatusCode)
	}
	start := time.Now()
	resp, _ = srv.PostForm(t, "/micropub", tok, "h=entry&content=hello+subscribers&category=Coffee")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	u := srv.Cfg.URL
	want := []string{u, u + "feed.atom", u + "feed.rss", u + "feed.json",
		u + "tags/coffee/feed.atom", u + "tags/coffee/feed.rss", u + "tags/coffee/feed.json"}
	// The queue starts the job at once; the bound is generous for a loaded machine, and
	// the time of the first ping is logged.
	deadline := time.After(30 * time.Second)
	for n := 0; n < len(want); n++ {
		select {
		case <-got:
		case <-deadline:
			t.Fatalf("after 30s the hub has %d of %d pings", n, len(want))
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var urls []string
	for _, p := range pings {
		urls = append(urls, p.url)
	}
	if !slices.Equal(urls, want) {
		t.Errorf("hub was told of %q, want %q (and nothing of the draft)", urls, want)
	}
	first := pings[0].at.Sub(start)
	t.Logf("first ping %v after the create was sent", first)
	if first > 5*time.Second {
		t.Errorf("first ping %v after the create, want within seconds", first)
	}
}
