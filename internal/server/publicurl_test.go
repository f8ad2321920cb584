package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
	"github.com/indiepub/indiepub/internal/webmention"
)

// With --public-url-check, a webmention for a post waits until the post's public URL (a
// static host that has not built it yet) answers 200, and is sent once it does.
func TestPublicURLCheckWaitsUntilLive(t *testing.T) {
	var live atomic.Bool
	var received atomic.Int32
	static := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !live.Load() {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("<p>built</p>"))
	}))
	t.Cleanup(static.Close)
	var target *httptest.Server
	target = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			received.Add(1)
			w.WriteHeader(http.StatusAccepted)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<link rel="webmention" href="` + target.URL + `/wm"><p class="h-entry">hi</p>`))
	}))
	t.Cleanup(target.Close)

	srv := servertest.New(t, func(c *server.Config) {
		c.URL = static.URL + "/"
		c.AllowPrivateFetch = true
		c.PublicURLCheck = true
		c.Jobs = jobs.Config{Backoff: 100 * time.Millisecond, MaxBackoff: time.Second, Poll: 100 * time.Millisecond}
	})
	tok := srv.IssueToken(t, "create")
	resp, body := srv.PostForm(t, "/micropub", tok, "h=entry&content=Agreed&in-reply-to="+target.URL+"/post")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	deadline := time.Now().Add(time.Minute)
	for waited := false; !waited; {
		js, err := srv.DB.Jobs(context.Background(), []jobs.State{jobs.Pending}, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range js {
			waited = waited || (j.Kind == webmention.KindSend && strings.Contains(j.LastError, "waiting until the post is live"))
		}
		if time.Now().After(deadline) {
			t.Fatalf("no webmention job waiting for the post: %v", js)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := received.Load(); n != 0 {
		t.Fatalf("%d webmentions sent while the post answered 404", n)
	}
	live.Store(true)
	for received.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no webmention sent once the post was live")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
