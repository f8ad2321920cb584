package server_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
	"github.com/indiepub/indiepub/internal/syndicate"
	"github.com/indiepub/indiepub/internal/syndicate/mastodon"
	"github.com/indiepub/indiepub/internal/syndicate/mastodon/mastodontest"
)

// TestSyndicateToMastodon goes end to end over HTTP: a Micropub create with
// mp-syndicate-to reaches the fake Mastodon server as a status, through the job queue and
// the Mastodon publisher, and q=source then shows the status's URL in syndication.
func TestSyndicateToMastodon(t *testing.T) {
	fake := mastodontest.New()
	t.Cleanup(fake.Close)
	pub, err := mastodon.New(mastodon.Config{Server: fake.URL, Token: mastodontest.Token,
		Client: indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: true}),
		User:   syndicate.Service{Name: "owner", URL: fake.URL + "/@owner"}})
	if err != nil {
		t.Fatal(err)
	}
	const uid = "https://mastodon.example/@owner"
	srv := servertest.New(t, func(c *server.Config) {
		c.Syndication = []syndicate.Target{{UID: uid, Name: "Mastodon", Publisher: pub}}
		c.Jobs = jobs.Config{Poll: 50 * time.Millisecond, Backoff: 50 * time.Millisecond}
	})
	tok := srv.IssueToken(t, "create")
	resp, body := srv.PostForm(t, "/micropub", tok, "h=entry&content=Hello+from+indiepub&mp-syndicate-to="+url.QueryEscape(uid))
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	postURL := resp.Header.Get("Location")
	var props map[string][]any
	waitFor(t, "the copy's URL in syndication", func() bool {
		props = sourceOf(t, srv, tok, postURL)
		return len(props["syndication"]) == 1
	})
	statuses := fake.Statuses()
	if len(statuses) != 1 || !strings.Contains(statuses[0].Text, "Hello from indiepub") {
		t.Fatalf("statuses on the fake server %+v, want one with the post's text", statuses)
	}
	if got := props["syndication"][0]; got != statuses[0].URL {
		t.Errorf("syndication %v, want the status's URL %s", got, statuses[0].URL)
	}
	if c := statusOf(props)[uid]; c.Status != post.CopyPublished || c.URL != statuses[0].URL {
		t.Errorf("mp-syndication-status %+v, want published at the status's URL", c)
	}
	var keyed bool
	for _, r := range fake.Requests() {
		if r.Method == "POST" && r.Path == "/api/v1/statuses" && r.Header.Get("Idempotency-Key") != "" {
			keyed = true
		}
	}
	if !keyed {
		t.Errorf("the status was created without an Idempotency-Key")
	}
}
