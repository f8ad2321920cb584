package webmention_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
	"github.com/indiepub/indiepub/internal/webmention"
)

// sources serves the pages that send webmentions: testdata/sources/NAME.html at /NAME,
// unless a test has set another answer for a path.
type sources struct {
	*httptest.Server
	target string
	mu     sync.Mutex
	over   map[string]page
}

type page struct {
	status      int
	contentType string
	body        string
}

func newSources(t testing.TB, target string) *sources {
	t.Helper()
	s := &sources{target: target, over: map[string]page{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		p, ok := s.over[r.URL.Path]
		s.mu.Unlock()
		if !ok {
			b, err := os.ReadFile("testdata/sources" + r.URL.Path + ".html")
			if err != nil {
				http.NotFound(w, r)
				return
			}
			p = page{http.StatusOK, "text/html; charset=utf-8", string(b)}
		}
		w.Header().Set("Content-Type", p.contentType)
		w.WriteHeader(p.status)
		fmt.Fprint(w, strings.NewReplacer("{{base}}", s.URL, "{{target}}", s.target).Replace(p.body))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *sources) set(path string, p page) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.over[path] = p
}

// receiving is an indiepub whose job queue is a list: the tests run the jobs themselves.
type receiving struct {
	*servertest.Server
	mu    sync.Mutex
	queue []*jobs.Job
}

func newReceiving(t *testing.T, modify ...func(*server.Config)) *receiving {
	t.Helper()
	rv := &receiving{}
	rv.Server = servertest.New(t, append([]func(*server.Config){func(c *server.Config) {
		c.AllowPrivateFetch = true
		c.Enqueue = func(_ context.Context, js ...*jobs.Job) (int, error) {
			rv.mu.Lock()
			defer rv.mu.Unlock()
			rv.queue = append(rv.queue, js...)
			return len(js), nil
		}
	}}, modify...)...)
	// The tests run the jobs themselves, in order: the server's runner stays out of it.
	if err := rv.Handler.StopJobs(t.Context()); err != nil {
		t.Fatal(err)
	}
	return rv
}

// runJobs runs the queued jobs, as the queue would, and returns their errors.
func (rv *receiving) runJobs(t *testing.T) []error {
	t.Helper()
	rv.mu.Lock()
	q := rv.queue
	rv.queue = nil
	rv.mu.Unlock()
	var errs []error
	for _, j := range q {
		h := rv.Handler.JobHandlers()[j.Kind]
		if h == nil {
			t.Fatalf("no handler for job kind %q", j.Kind)
		}
		if _, err := h(t.Context(), j); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// createPost publishes a note through Micropub and returns its URL.
func (rv *receiving) createPost(t *testing.T, form string) string {
	t.Helper()
	resp, body := rv.PostForm(t, "/micropub", rv.IssueToken(t, "create"), form)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create post: %d %s", resp.StatusCode, body)
	}
	return resp.Header.Get("Location")
}

// send posts a webmention and returns the response and its JSON body.
func (rv *receiving) send(t *testing.T, source, target string) (*http.Response, map[string]string) {
	t.Helper()
	form := url.Values{"source": {source}, "target": {target}}.Encode()
	resp, body := rv.PostForm(t, "/webmention", "", form)
	var out map[string]string
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("POST /webmention %s: %d, body %q is not JSON: %v", form, resp.StatusCode, body, err)
	}
	return resp, out
}

// status reads a status URL.
func (rv *receiving) status(t *testing.T, statusURL string) map[string]any {
	t.Helper()
	resp, err := http.Get(statusURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("GET %s: %d: %v", statusURL, resp.StatusCode, err)
	}
	return out
}

// accept sends a webmention that must be accepted, runs its verification and returns
// the status URL.
func (rv *receiving) accept(t *testing.T, source, target string) string {
	t.Helper()
	resp, body := rv.send(t, source, target)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("webmention from %s: %d %v, want 202", source, resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	if loc == "" || body["location"] != loc {
		t.Fatalf("webmention from %s: Location %q, body %v", source, loc, body)
	}
	if errs := rv.runJobs(t); len(errs) > 0 {
		t.Fatalf("verification of %s: %v", source, errs)
	}
	return loc
}

// TestReceiveAdvertised: every page names the endpoint in a Link header and a <link>
// (§3.1.2, which senders follow).
func TestReceiveAdvertised(t *testing.T) {
	rv := newReceiving(t)
	postURL := rv.createPost(t, "h=entry&content=hello")
	want := rv.Cfg.URL + "webmention"
	for _, u := range []string{rv.Cfg.URL, postURL} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		ep := webmention.FindEndpoint(resp.Request.URL, resp.Header, strings.NewReader(""))
		body := new(strings.Builder)
		_, _ = io.Copy(body, resp.Body)
		resp.Body.Close()
		if ep != want {
			t.Errorf("GET %s: Link header endpoint %q, want %q", u, ep, want)
		}
		if fromHTML := webmention.FindEndpoint(resp.Request.URL, http.Header{"Content-Type": {"text/html"}},
			strings.NewReader(body.String())); fromHTML != want {
			t.Errorf("GET %s: <link> endpoint %q, want %q", u, fromHTML, want)
		}
	}
}

// TestReceiveChecks: the synchronous checks of §3.2.1 answer 400 with a JSON error; a
// webmention that passes them is 202 with a status URL that says pending.
func TestReceiveChecks(t *testing.T) {
	rv := newReceiving(t)
	postURL := rv.createPost(t, "h=entry&content=hello")
	draft := rv.createPost(t, "h=entry&content=draft&post-status=draft")
	private := rv.createPost(t, "h=entry&content=secret&visibility=private")
	deleted := rv.createPost(t, "h=entry&content=gone")
	if resp, _ := rv.PostForm(t, "/micropub", rv.IssueToken(t, "delete"), "action=delete&url="+url.QueryEscape(deleted)); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	src := "https://alice.example/reply"
	for _, tt := range []struct {
		name, source, target string
		want                 int
	}{
		{"no source", "", postURL, http.StatusBadRequest},
		{"no target", src, "", http.StatusBadRequest},
		{"source not http", "ftp://alice.example/x", postURL, http.StatusBadRequest},
		{"target not http", src, "mailto:jane@example.com", http.StatusBadRequest},
		{"same URL", postURL, postURL + "#c", http.StatusBadRequest},
		{"target elsewhere", src, "https://elsewhere.example/post", http.StatusBadRequest},
		{"target no post", src, rv.Cfg.URL + "notes/1999/01/none", http.StatusBadRequest},
		{"target a draft", src, draft, http.StatusBadRequest},
		{"target private", src, private, http.StatusBadRequest},
		{"target deleted", src, deleted, http.StatusBadRequest},
		{"a post", src, postURL, http.StatusAccepted},
		{"a post's fragment", src + "2", postURL + "#comments", http.StatusAccepted},
		{"the home page", src, rv.Cfg.URL, http.StatusAccepted},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := rv.send(t, tt.source, tt.target)
			if resp.StatusCode != tt.want {
				t.Fatalf("source %q target %q: %d %v, want %d", tt.source, tt.target, resp.StatusCode, body, tt.want)
			}
			if tt.want == http.StatusBadRequest {
				if body["error"] != "invalid_request" || body["error_description"] == "" {
					t.Errorf("400 body %v, want error and error_description", body)
				}
				return
			}
			if st := rv.status(t, resp.Header.Get("Location")); st["status"] != webmention.Pending {
				t.Errorf("status URL says %v, want pending", st)
			}
		})
	}
	if resp, _ := rv.Get(t, "/webmention/status/nonesuch", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown status URL: %d, want 404", resp.StatusCode)
	}
}

// TestReceiveVerifies: a reply, a like, a repost, an RSVP and a mention, from real
// microformats2 pages, are verified with their type, author, date, content and url;
// the content's script is gone.
func TestReceiveVerifies(t *testing.T) {
	rv := newReceiving(t, func(c *server.Config) { c.WebmentionModeration = webmention.ModerateAll })
	postURL := rv.createPost(t, "h=entry&content=hello")
	src := newSources(t, postURL)
	src.set("/me.jpg", page{http.StatusOK, "image/png", string(pngPhoto(t, 1))})
	src.set("/bob.png", page{http.StatusOK, "image/png", string(pngPhoto(t, 2))})
	for _, tt := range []struct {
		path, typ, rsvp, author, photo, content, url string
	}{
		{"/reply", webmention.TypeReply, "", "Alice Example", "/me.jpg", "Great post! <strong>Agreed.</strong>", "/reply"},
		{"/like", webmention.TypeLike, "", "Bob Liker", "/bob.png", "", "/like"},
		{"/repost", webmention.TypeRepost, "", "Carol Reposter", "", "", "/repost"},
		{"/rsvp", webmention.TypeRSVP, "yes", "Dan Guest", "", "<p>See you there</p>", "/rsvp"},
		{"/mention", webmention.TypeMention, "", "Erin Writer", "", `<p>Read <a href="` + postURL + `">this note</a> today.</p>`, "/mention"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			loc := rv.accept(t, src.URL+tt.path, postURL)
			st := rv.status(t, loc)
			if st["status"] != webmention.Verified || st["type"] != tt.typ || st["approved"] != true {
				t.Errorf("status %v, want verified, %s, approved", st, tt.typ)
			}
			m := mentionFrom(t, rv, src.URL+tt.path)
			// The author's photo, found on the source, is kept in the site's media.
			photo := ""
			if tt.photo != "" && strings.HasPrefix(m.AuthorPhoto, rv.Cfg.URL+"media/") {
				photo = tt.photo
			}
			if m.Type != tt.typ || m.RSVP != tt.rsvp || m.AuthorName != tt.author || photo != tt.photo ||
				m.AuthorURL != src.URL+"/" || m.URL != src.URL+tt.url {
				t.Errorf("mention %+v\nwant type %s rsvp %q author %q photo %q kept under %smedia/, url %q", m, tt.typ, tt.rsvp, tt.author, tt.photo, rv.Cfg.URL, src.URL+tt.url)
			}
			if strings.TrimSpace(m.Content) != tt.content {
				t.Errorf("content %q, want %q", m.Content, tt.content)
			}
			if tt.path == "/reply" && (m.Published.IsZero() || m.Published.UTC().Format("2006-01-02T15:04") != "2026-12-01T10:30") {
				t.Errorf("published %v, want 2026-12-01T10:30Z", m.Published)
			}
		})
	}
}

// mentionFrom returns the mention whose source is source, failing if none.
func mentionFrom(t *testing.T, rv *receiving, source string) *webmention.Mention {
	t.Helper()
	ms, err := rv.DB.Mentions(t.Context(), webmention.MentionQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Source == source {
			return m
		}
	}
	t.Fatalf("no mention from %s", source)
	return nil
}

// TestReceiveRejects: a source that does not link to the target (a link in a comment is
// none), is missing, is too large or is on a private address is rejected, with the
// reason on the status URL.
func TestReceiveRejects(t *testing.T) {
	rv := newReceiving(t)
	postURL := rv.createPost(t, "h=entry&content=hello")
	src := newSources(t, postURL)
	src.set("/huge", page{http.StatusOK, "text/html", `<a href="{{target}}">x</a>` + strings.Repeat("x", 2<<20)})
	src.set("/text", page{http.StatusOK, "text/plain", "no link at all"})
	for _, tt := range []struct{ path, reason string }{
		{"/nolink", "source does not link to target"},
		{"/text", "source does not link to target"},
		{"/missing", "source answered 404"},
		{"/huge", "source is too large"},
	} {
		loc := rv.accept(t, src.URL+tt.path, postURL)
		st := rv.status(t, loc)
		if st["status"] != webmention.Rejected || !strings.Contains(fmt.Sprint(st["reason"]), tt.reason) {
			t.Errorf("%s: status %v, want rejected because %q", tt.path, st, tt.reason)
		}
	}

	guarded := newReceiving(t, func(c *server.Config) { c.AllowPrivateFetch = false })
	postURL = guarded.createPost(t, "h=entry&content=hello")
	loc := guarded.accept(t, src.URL+"/reply", postURL)
	if st := guarded.status(t, loc); st["status"] != webmention.Rejected || st["reason"] != "source is at a non-public address" {
		t.Errorf("private source: status %v, want rejected for its address", st)
	}
}

// TestReceiveUpdateAndDelete: the same source sent again updates its mention (same status
// URL); a source now answering 410, or no longer linking, deletes it.
func TestReceiveUpdateAndDelete(t *testing.T) {
	rv := newReceiving(t, func(c *server.Config) { c.WebmentionModeration = webmention.ModerateAll })
	postURL := rv.createPost(t, "h=entry&content=hello")
	src := newSources(t, postURL)
	loc := rv.accept(t, src.URL+"/reply", postURL)
	b, _ := os.ReadFile("testdata/sources/reply.html")
	src.set("/reply", page{http.StatusOK, "text/html", strings.Replace(string(b), "Great post!", "Edited: great post!", 1)})
	if again := rv.accept(t, src.URL+"/reply", postURL); again != loc {
		t.Errorf("the same source again: status URL %s, want %s", again, loc)
	}
	if m := mentionFrom(t, rv, src.URL+"/reply"); !strings.HasPrefix(m.Content, "Edited: great post!") || m.Status != webmention.Verified {
		t.Errorf("after an update: %+v, want the edited content, verified", m)
	}

	src.set("/reply", page{http.StatusGone, "text/html", "gone"})
	rv.accept(t, src.URL+"/reply", postURL)
	if st := rv.status(t, loc); st["status"] != webmention.Deleted {
		t.Errorf("after a 410: status %v, want deleted", st)
	}

	loc = rv.accept(t, src.URL+"/like", postURL)
	src.set("/like", page{http.StatusOK, "text/html", `<div class="h-entry">I changed my mind.</div>`})
	rv.accept(t, src.URL+"/like", postURL)
	if st := rv.status(t, loc); st["status"] != webmention.Deleted || st["reason"] != "source no longer links to target" {
		t.Errorf("after the link went: status %v, want deleted", st)
	}
	if ms, _ := rv.DB.Mentions(t.Context(), webmention.MentionQuery{Shown: true}); len(ms) != 0 {
		t.Errorf("%d mentions shown after both were deleted", len(ms))
	}
}

// TestReceiveRateLimit: one source host gets its limit, then 429 with Retry-After;
// another host is not held back.
func TestReceiveRateLimit(t *testing.T) {
	rv := newReceiving(t)
	postURL := rv.createPost(t, "h=entry&content=hello")
	for i := range 30 {
		if resp, body := rv.send(t, fmt.Sprintf("https://busy.example/%d", i), postURL); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("webmention %d: %d %v", i, resp.StatusCode, body)
		}
	}
	resp, body := rv.send(t, "https://busy.example/31", postURL)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || body["error"] == "" {
		t.Errorf("31st webmention from one host: %d %v Retry-After %q, want 429 with Retry-After", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	if resp, _ := rv.send(t, "https://calm.example/1", postURL); resp.StatusCode != http.StatusAccepted {
		t.Errorf("another host: %d, want 202", resp.StatusCode)
	}
}
