package webmention_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/webmention"
)

// TestReceiveBodyLimit: a request body over the endpoint's 16 KiB is refused with 413 and
// a JSON error, and nothing is recorded.
func TestReceiveBodyLimit(t *testing.T) {
	rv := newReceiving(t)
	postURL := rv.createPost(t, "h=entry&content=hello")
	form := url.Values{"source": {"https://alice.example/reply?pad=" + strings.Repeat("x", 17<<10)}, "target": {postURL}}.Encode()
	resp, body := rv.PostForm(t, "/webmention", "", form)
	var out map[string]string
	if resp.StatusCode != http.StatusRequestEntityTooLarge || json.Unmarshal(body, &out) != nil || out["error"] == "" || out["error_description"] == "" {
		t.Errorf("a %d-byte body: %d %s, want 413 with a JSON error", len(form), resp.StatusCode, body)
	}
	if ms, err := rv.DB.Mentions(t.Context(), webmention.MentionQuery{}); err != nil || len(ms) != 0 {
		t.Errorf("mentions after a refused body: %d, %v; want none", len(ms), err)
	}
}

// TestAuthorByURL: an entry whose author is given only as a URL (u-author) takes the name
// and photo of the page's h-card with that URL (the authorship algorithm).
func TestAuthorByURL(t *testing.T) {
	rv := newReceiving(t, func(c *server.Config) { c.WebmentionModeration = webmention.ModerateAll })
	postURL := rv.createPost(t, "h=entry&content=hello")
	src := newSources(t, postURL)
	src.set("/face.png", page{http.StatusOK, "image/png", string(pngPhoto(t, 5))})
	src.set("/by-url", page{http.StatusOK, "text/html", `<html><body>
		<div class="h-card"><a class="u-url p-name" href="{{base}}/">Fay Profile</a><img class="u-photo" src="{{base}}/face.png" alt=""></div>
		<article class="h-entry"><a class="u-author" href="{{base}}/"></a>
		<p>In reply to <a class="u-in-reply-to" href="{{target}}">this</a>: yes.</p>
		<a class="u-url" href="{{base}}/by-url">link</a></article></body></html>`})
	rv.accept(t, src.URL+"/by-url", postURL)
	m := mentionFrom(t, rv, src.URL+"/by-url")
	if m.AuthorName != "Fay Profile" || m.AuthorURL != src.URL+"/" || !strings.HasPrefix(m.AuthorPhoto, rv.Cfg.URL+"media/") {
		t.Errorf("author %q %q %q, want Fay Profile, %s/ and her photo kept under %smedia/", m.AuthorName, m.AuthorURL, m.AuthorPhoto, src.URL, rv.Cfg.URL)
	}
}

// TestTestsMakeNoLookups: under servertest, a job's fetch of a named host (example.org)
// is refused before any DNS lookup.
func TestTestsMakeNoLookups(t *testing.T) {
	rv := newReceiving(t)
	postURL := rv.createPost(t, "h=entry&content="+url.QueryEscape("See https://example.org/page"))
	rv.changed(t, postURL, "create")
	rv.runJobs(t)
	sent, err := rv.DB.WebmentionsSent(t.Context(), postURL)
	if err != nil || len(sent) != 1 || !strings.Contains(sent[0].Detail, "servertest: no fetch of example.org") {
		t.Errorf("sent %+v, %v; want the fetch of example.org refused by servertest", sent, err)
	}
}
