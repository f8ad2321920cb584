package webmention_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/server"
)

// TestReplyContexts: a like of a page with an h-entry, and of one with only OpenGraph,
// gets the page's name, author and summary kept on the post as a nested h-cite (q=source)
// and shown on its page; a page that is down leaves the post as published, its bare URL
// in place, and the job to be retried.
func TestReplyContexts(t *testing.T) {
	rv := newReceiving(t)
	src := newSources(t, "https://elsewhere.example/")
	src.set("/entry", page{http.StatusOK, "text/html", `<html><head><title>Site title</title></head><body>
		<article class="h-entry"><h1 class="p-name">A fine article</h1>
		<a class="p-author h-card" href="/">Frank Author</a>
		<time class="dt-published" datetime="2026-11-30T08:00:00Z">30 Nov</time>
		<p class="p-summary">What the article says, in short.</p></article></body></html>`})
	src.set("/og", page{http.StatusOK, "text/html", `<html><head><title>Plain title</title>
		<meta property="og:title" content="Open Graph title">
		<meta name="description" content="A description from the meta tag."></head><body><p>text</p></body></html>`})
	src.set("/down", page{http.StatusBadGateway, "text/html", "down"})
	tok := rv.IssueToken(t, "create update")
	for _, tt := range []struct {
		path, name, author, content string
	}{
		{"/entry", "A fine article", "Frank Author", "What the article says, in short."},
		{"/og", "Open Graph title", "", "A description from the meta tag."},
		{"/down", "", "", ""},
	} {
		t.Run(tt.path, func(t *testing.T) {
			liked := src.URL + tt.path
			resp, _ := rv.PostForm(t, "/micropub", tok, "h=entry&like-of="+url.QueryEscape(liked))
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("create: %d", resp.StatusCode)
			}
			postURL := resp.Header.Get("Location")
			rv.changed(t, postURL, "create")
			errs := rv.runJobs(t)
			if tt.name == "" {
				// Its context job and its webmention both fail, to be retried.
				if !strings.Contains(fmt.Sprint(errs), "reply context") {
					t.Errorf("context of a page that is down: errors %v, want the context's, to retry", errs)
				}
			} else if len(errs) != 0 {
				t.Fatalf("jobs: %v", errs)
			}
			_, body := rv.Get(t, "/micropub?q=source&properties[]=like-of&url="+url.QueryEscape(postURL), tok)
			var item struct {
				Properties map[string][]json.RawMessage `json:"properties"`
			}
			if err := json.Unmarshal(body, &item); err != nil || len(item.Properties["like-of"]) != 1 {
				t.Fatalf("q=source: %s", body)
			}
			likeOf := item.Properties["like-of"][0]
			if tt.name == "" {
				if string(likeOf) != `"`+liked+`"` {
					t.Errorf("like-of after a failed fetch: %s, want the bare URL", likeOf)
				}
				get(t, postURL) // still published
				return
			}
			var cite struct {
				Type       []string                     `json:"type"`
				Properties map[string][]json.RawMessage `json:"properties"`
			}
			if err := json.Unmarshal(likeOf, &cite); err != nil {
				t.Fatalf("like-of %s: %v", likeOf, err)
			}
			p := cite.Properties
			if cite.Type[0] != "h-cite" || firstRaw(p["url"]) != liked || firstRaw(p["name"]) != tt.name ||
				firstRaw(p["author"]) != tt.author || firstRaw(p["content"]) != tt.content {
				t.Errorf("like-of = %s, want an h-cite of %s named %q by %q: %q", likeOf, liked, tt.name, tt.author, tt.content)
			}
			if page := get(t, postURL); !strings.Contains(page, tt.name) {
				t.Errorf("the post's page does not show %q", tt.name)
			}
			// The context's own update asks for no more contexts.
			rv.changed(t, postURL, "update")
			rv.mu.Lock()
			for _, j := range rv.queue {
				if j.Kind == "webmention.context" {
					t.Errorf("a second context job after the context was kept: %s", j.Key)
				}
			}
			rv.queue = []*jobs.Job(nil)
			rv.mu.Unlock()
		})
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// firstRaw is a property's first value as text: a string, or a nested item's value (an
// author's h-card: its name).
func firstRaw(vs []json.RawMessage) string {
	if len(vs) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(vs[0], &s) == nil {
		return s
	}
	var item struct {
		Value string `json:"value"`
	}
	json.Unmarshal(vs[0], &item)
	return item.Value
}

// TestReplyContextRefresh: an update that sets a response property again fetches its
// context again, and so does any later change once the kept context is over a day old;
// a change within the day fetches nothing.
func TestReplyContextRefresh(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	rv := newReceiving(t, func(c *server.Config) { c.Now = clock })
	src := newSources(t, "https://elsewhere.example/")
	title := func(name string) page {
		return page{http.StatusOK, "text/html", `<html><body><article class="h-entry"><h1 class="p-name">` + name +
			`</h1><p class="p-summary">Text of ` + name + `.</p></article></body></html>`}
	}
	src.set("/a", title("First title"))
	src.set("/b", title("Page B"))
	tok := rv.IssueToken(t, "create update")
	resp, _ := rv.PostForm(t, "/micropub", tok, "h=entry&content=nice&like-of="+url.QueryEscape(src.URL+"/a"))
	postURL := resp.Header.Get("Location")

	var keys []string
	step := func(name, action, wantName string, wantJob bool) {
		t.Helper()
		rv.changed(t, postURL, action)
		rv.mu.Lock()
		n := 0
		for _, j := range rv.queue {
			if j.Kind == "webmention.context" {
				n++
				keys = append(keys, j.Key)
			}
		}
		rv.mu.Unlock()
		if (n > 0) != wantJob {
			t.Errorf("%s: %d context jobs, want them: %v", name, n, wantJob)
		}
		if errs := rv.runJobs(t); len(errs) != 0 {
			t.Fatalf("%s: jobs: %v", name, errs)
		}
		_, body := rv.Get(t, "/micropub?q=source&properties[]=like-of&url="+url.QueryEscape(postURL), tok)
		var item struct {
			Properties map[string][]json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(body, &item); err != nil || len(item.Properties["like-of"]) != 1 {
			t.Fatalf("%s: q=source: %s", name, body)
		}
		var cite struct {
			Properties map[string][]json.RawMessage `json:"properties"`
		}
		json.Unmarshal(item.Properties["like-of"][0], &cite)
		if got := firstRaw(cite.Properties["name"]); got != wantName {
			t.Errorf("%s: the context's name is %q, want %q (like-of %s)", name, got, wantName, item.Properties["like-of"][0])
		}
	}
	update := func(prop, value string) {
		t.Helper()
		req := map[string]any{"action": "update", "url": postURL, "replace": map[string]any{prop: []string{value}}}
		if resp, body := rv.PostJSON(t, "/micropub", tok, req); resp.StatusCode/100 != 2 {
			t.Fatalf("update %s: %d %s", prop, resp.StatusCode, body)
		}
	}
	step("create", "create", "First title", true)

	src.set("/a", title("Second title"))
	advance(time.Hour)
	update("content", "nicer")
	step("a plain update within the day", "update", "First title", false)

	update("like-of", src.URL+"/a")
	step("like-of set again", "update", "Second title", true)

	update("like-of", src.URL+"/b")
	step("like-of changed", "update", "Page B", true)

	src.set("/b", title("Page B, renamed"))
	advance(25 * time.Hour)
	update("content", "nicest")
	step("a plain update a day later", "update", "Page B, renamed", true)

	if len(keys) != len(slices.Compact(slices.Sorted(slices.Values(keys)))) {
		t.Errorf("context job keys repeat, so the queue would run only the first: %q", keys)
	}
}
