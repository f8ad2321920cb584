package webmention_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/webmention"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// ownerPost submits one of the admin page's forms as the signed-in owner, with the CSRF
// token of the page.
func ownerPost(t *testing.T, rv *receiving, c *http.Client, path string, form url.Values) {
	t.Helper()
	page := ownerGet(t, rv, c, "/admin/mentions")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF field on /admin/mentions")
	}
	form.Set("csrf", m[1])
	resp, err := c.PostForm(rv.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST %s %v: %d %s, want 303", path, form, resp.StatusCode, body)
	}
}

func ownerGet(t *testing.T, rv *receiving, c *http.Client, path string) string {
	t.Helper()
	resp, err := c.Get(rv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return string(b)
}

// TestModerationKnown: under the default setting a webmention from a host the owner has
// not approved waits; approving it on the admin page shows it and lets that host's next
// one through; a forged form (no CSRF token) changes nothing; blocking the host rejects
// what it sent and what it sends next.
func TestModerationKnown(t *testing.T) {
	rv := newReceiving(t)
	postURL := rv.createPost(t, "h=entry&content=hello")
	src := newSources(t, postURL)
	loc := rv.accept(t, src.URL+"/reply", postURL)
	if st := rv.status(t, loc); st["status"] != webmention.Verified || st["approved"] != false {
		t.Fatalf("first webmention from a host: %v, want verified and waiting", st)
	}
	reply := mentionFrom(t, rv, src.URL+"/reply")
	owner := rv.OwnerClient(t)
	if page := ownerGet(t, rv, owner, "/admin/mentions"); !strings.Contains(page, fmt.Sprintf(`id="held-%d"`, reply.ID)) {
		t.Errorf("the admin page does not list the held webmention %d", reply.ID)
	}
	forged, err := owner.PostForm(rv.URL+"/admin/mentions/approve", url.Values{"id": {fmt.Sprint(reply.ID)}})
	if err != nil {
		t.Fatal(err)
	}
	forged.Body.Close()
	if forged.StatusCode != http.StatusForbidden || mentionFrom(t, rv, src.URL+"/reply").Approved {
		t.Errorf("approve without CSRF: %d, want 403 and nothing approved", forged.StatusCode)
	}
	ownerPost(t, rv, owner, "/admin/mentions/approve", url.Values{"id": {fmt.Sprint(reply.ID)}})
	if m := mentionFrom(t, rv, src.URL+"/reply"); !m.Shown() {
		t.Errorf("after approval: %+v, want shown", m)
	}
	loc = rv.accept(t, src.URL+"/like", postURL)
	if st := rv.status(t, loc); st["approved"] != true {
		t.Errorf("a known host's next webmention: %v, want approved at once", st)
	}

	ownerPost(t, rv, owner, "/admin/mentions/block", url.Values{"domain": {webmention.SourceHost(src.URL)}})
	for _, path := range []string{"/reply", "/like"} {
		if m := mentionFrom(t, rv, src.URL+path); m.Status != webmention.Rejected || m.Shown() {
			t.Errorf("%s after the block: %+v, want rejected", path, m)
		}
	}
	loc = rv.accept(t, src.URL+"/repost", postURL)
	if st := rv.status(t, loc); st["status"] != webmention.Rejected || st["reason"] != "the source's domain is blocked" {
		t.Errorf("a blocked host's next webmention: %v, want rejected for the block", st)
	}
}

// TestModerationHoldAndDelete: under hold, even a known host's webmentions wait; the
// owner's delete takes one off the site and its status URL says deleted.
func TestModerationHoldAndDelete(t *testing.T) {
	rv := newReceiving(t, func(c *server.Config) { c.WebmentionModeration = webmention.ModerateHold })
	postURL := rv.createPost(t, "h=entry&content=hello")
	src := newSources(t, postURL)
	if err := rv.DB.SetDomainStanding(t.Context(), webmention.SourceHost(src.URL), webmention.DomainKnown); err != nil {
		t.Fatal(err)
	}
	loc := rv.accept(t, src.URL+"/reply", postURL)
	if st := rv.status(t, loc); st["status"] != webmention.Verified || st["approved"] != false {
		t.Fatalf("under hold: %v, want verified and waiting", st)
	}
	m := mentionFrom(t, rv, src.URL+"/reply")
	owner := rv.OwnerClient(t)
	ownerPost(t, rv, owner, "/admin/mentions/approve", url.Values{"id": {fmt.Sprint(m.ID)}})
	ownerPost(t, rv, owner, "/admin/mentions/delete", url.Values{"id": {fmt.Sprint(m.ID)}})
	if st := rv.status(t, loc); st["status"] != webmention.Deleted {
		t.Errorf("after the owner's delete: %v, want deleted", st)
	}
}
