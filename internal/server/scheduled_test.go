package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
	"github.com/indiepub/indiepub/internal/syndicate"
)

// TestScheduledPost creates a post dated a few seconds ahead, through Micropub and
// through the studio's write form: until then visitors, listings and feeds do not see it
// (the owner does, marked Scheduled), nothing is syndicated and no webmention sent; at its
// time it appears, and is syndicated and its webmention sent.
func TestScheduledPost(t *testing.T) {
	var mu sync.Mutex
	var mentions []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			r.ParseForm()
			mu.Lock()
			mentions = append(mentions, r.PostForm.Get("source"))
			mu.Unlock()
			w.WriteHeader(http.StatusAccepted)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!doctype html><link rel="webmention" href="/webmention"><p>A page to mention</p>`)
	}))
	defer other.Close()
	sent := func(source string) bool {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range mentions {
			if m == source {
				return true
			}
		}
		return false
	}
	fake := &fakePublisher{name: "social"}
	s := servertest.New(t, func(c *server.Config) {
		c.AllowPrivateFetch = true
		c.Syndication = []syndicate.Target{{UID: uidSocial, Name: "Social", Publisher: fake}}
		c.Jobs = jobs.Config{Workers: 2, Poll: 50 * time.Millisecond, Backoff: 50 * time.Millisecond, MaxAttempts: 3}
	})
	tok := s.IssueToken(t, "create")
	// Far enough ahead for the checks below on a loaded machine.
	due := time.Now().Add(8 * time.Second).UTC().Truncate(time.Second)
	resp, body := s.PostForm(t, "/micropub", tok, url.Values{"h": {"entry"}, "content": {"Soon, see " + other.URL + "/page"},
		"published": {due.Format(time.RFC3339)}, "mp-syndicate-to": {uidSocial}}.Encode())
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	fromApp := resp.Header.Get("Location")
	c := s.OwnerClient(t)
	csrf, _ := studioCSRF(t, s, c, "/admin/write")
	resp2, page := postStudio(t, s, c, "/admin/write", studioForm{fields: url.Values{"csrf": {csrf}, "do": {"publish"},
		"kind": {"note"}, "content": {"Also soon"}, "published": {due.Format("2006-01-02T15:04:05")}, "syndicate-to": {uidSocial}}})
	if resp2.StatusCode != http.StatusSeeOther {
		t.Fatalf("write: %d\n%s", resp2.StatusCode, page)
	}
	fromStudio := resp2.Header.Get("Location")

	if time.Now().After(due.Add(-2 * time.Second)) {
		t.Skip("the machine is too slow to check the scheduled post before its time")
	}
	for _, u := range []string{fromApp, fromStudio} {
		if resp, _ := get(t, s, nil, strings.TrimPrefix(u, s.URL)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("visitor's GET %s before its time: %d, want 404", u, resp.StatusCode)
		}
	}
	for _, path := range []string{"/", "/feed.atom", "/feed.json"} {
		if _, page := get(t, s, nil, path); strings.Contains(page, "soon") {
			t.Errorf("visitor's %s shows a scheduled post before its time", path)
		}
	}
	if _, own := get(t, s, c, "/"); strings.Count(own, `<span class="badge">Scheduled</span>`) != 2 || !strings.Contains(own, "Also soon") {
		t.Errorf("owner's home page does not show the two posts marked Scheduled:\n%s", own)
	}
	if publish, _ := fake.calls_(); len(publish) != 0 || sent(fromApp) {
		t.Errorf("before its time: %d syndications, webmention sent %t; want none", len(publish), sent(fromApp))
	}

	time.Sleep(time.Until(due))
	waitFor(t, "the scheduled posts to appear", func() bool {
		_, home := get(t, s, nil, "/")
		return strings.Contains(home, "Soon, see") && strings.Contains(home, "Also soon")
	})
	for _, u := range []string{fromApp, fromStudio} {
		if resp, _ := get(t, s, nil, strings.TrimPrefix(u, s.URL)); resp.StatusCode != http.StatusOK {
			t.Errorf("visitor's GET %s at its time: %d, want 200", u, resp.StatusCode)
		}
	}
	if _, feed := get(t, s, nil, "/feed.json"); !strings.Contains(feed, "Also soon") {
		t.Error("the feed lacks the post at its time")
	}
	waitFor(t, "both posts syndicated", func() bool {
		publish, _ := fake.calls_()
		return len(publish) == 2
	})
	waitFor(t, "the webmention sent", func() bool { return sent(fromApp) })
	waitFor(t, "the copy in q=source", func() bool {
		return statusOf(sourceOf(t, s, tok, fromStudio))[uidSocial].Status == post.CopyPublished
	})
}
