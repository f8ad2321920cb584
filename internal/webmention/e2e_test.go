package webmention_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
	"github.com/indiepub/indiepub/internal/webmention"
)

// changed does what the job queue does after a post change: it asks the server's
// post-change listeners for jobs and queues them.
func (rv *receiving) changed(t *testing.T, postURL, action string) {
	t.Helper()
	for _, l := range rv.Handler.PostListeners() {
		js, err := l(t.Context(), jobs.PostChange{URL: postURL, Action: action})
		if err != nil {
			t.Fatalf("listener for %s %s: %v", action, postURL, err)
		}
		rv.mu.Lock()
		rv.queue = append(rv.queue, js...)
		rv.mu.Unlock()
	}
}

// TestTwoSites: a reply posted through Micropub on one indiepub is sent to the other,
// verified there and shown as a comment on the post it replies to; deleting the reply
// sends again, and the comment goes.
func TestTwoSites(t *testing.T) {
	alice := newReceiving(t)
	bob := newReceiving(t, func(c *server.Config) { c.WebmentionModeration = webmention.ModerateAll })
	bobPost := bob.createPost(t, "h=entry&content=What+do+you+think%3F")

	reply := alice.createPost(t, "h=entry&in-reply-to="+url.QueryEscape(bobPost)+"&content=I+think+it+is+fine.")
	alice.changed(t, reply, "create")
	if errs := alice.runJobs(t); len(errs) > 0 {
		t.Fatalf("alice's send jobs: %v", errs)
	}
	if sent := sentTo(t, alice.DB, reply, bobPost); sent.Status != webmention.StatusSent || sent.Endpoint != bob.Cfg.URL+"webmention" {
		t.Fatalf("alice's webmention to bob: %+v, want sent to bob's endpoint", sent)
	}
	if errs := bob.runJobs(t); len(errs) > 0 {
		t.Fatalf("bob's verify jobs: %v", errs)
	}
	entry := postEntry(t, get(t, bobPost), bobPost)
	comments := entry.Properties["comment"]
	if len(comments) != 1 || !strings.Contains(get(t, bobPost), "I think it is fine.") {
		t.Fatalf("bob's post has comments %v, want alice's reply", comments)
	}

	resp, _ := alice.PostForm(t, "/micropub", alice.IssueToken(t, "delete"), "action=delete&url="+url.QueryEscape(reply))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete the reply: %d", resp.StatusCode)
	}
	alice.changed(t, reply, "delete")
	if errs := alice.runJobs(t); len(errs) > 0 {
		t.Fatalf("alice's send jobs after the delete: %v", errs)
	}
	if errs := bob.runJobs(t); len(errs) > 0 {
		t.Fatalf("bob's verify jobs after the delete: %v", errs)
	}
	if page := get(t, bobPost); strings.Contains(page, "I think it is fine.") || len(postEntry(t, page, bobPost).Properties["comment"]) != 0 {
		t.Errorf("bob's post still shows the deleted reply")
	}
}

// TestTwoSitesThroughTheQueue: the same reply with the servers' own job runners doing the
// work, as in production: the post change's job, the listener, the send job, the other
// site's verify job.
func TestTwoSitesThroughTheQueue(t *testing.T) {
	alice := servertest.New(t, func(c *server.Config) { c.AllowPrivateFetch = true })
	bob := servertest.New(t, func(c *server.Config) {
		c.AllowPrivateFetch = true
		c.WebmentionModeration = webmention.ModerateAll
	})
	resp, _ := bob.PostForm(t, "/micropub", bob.IssueToken(t, "create"), "h=entry&content=Thoughts%3F")
	bobPost := resp.Header.Get("Location")
	resp, _ = alice.PostForm(t, "/micropub", alice.IssueToken(t, "create"),
		"h=entry&in-reply-to="+url.QueryEscape(bobPost)+"&content=Through+the+queue.")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create the reply: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(60 * time.Second) // generous: the machine may be busy
	for !strings.Contains(get(t, bobPost), "Through the queue.") {
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s bob's post shows no reply from alice")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
