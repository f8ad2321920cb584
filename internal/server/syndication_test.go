package server_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
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

// fakePublisher is a syndicate.Publisher on no network: it records its calls and fails
// as told. (The Mastodon and Bluesky publishers test their wire protocols against fake
// servers of their own; this one tests the plumbing around any publisher.)
type fakePublisher struct {
	name string
	mu   sync.Mutex
	// fail, when set, answers the next calls' error; nil lets them succeed.
	fail     func(n int) error
	calls    int
	publish  []publishCall
	deleted  []string
	nextCopy int
}

type publishCall struct{ post, prev, key string }

func (f *fakePublisher) Publish(ctx context.Context, p *post.Post, prev, key string, media syndicate.MediaOpener) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail != nil {
		if err := f.fail(f.calls); err != nil {
			return "", err
		}
	}
	f.publish = append(f.publish, publishCall{p.URL, prev, key})
	if prev != "" {
		return prev, nil
	}
	f.nextCopy++
	return fmt.Sprintf("https://%s.example/@owner/%d", f.name, f.nextCopy), nil
}

func (f *fakePublisher) Delete(ctx context.Context, url string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleted = append(f.deleted, url)
	return nil
}

func (f *fakePublisher) Service() syndicate.Service {
	return syndicate.Service{Name: f.name, URL: "https://" + f.name + ".example/", Photo: "https://" + f.name + ".example/icon.png"}
}

func (f *fakePublisher) User() syndicate.Service {
	return syndicate.Service{Name: "owner", URL: "https://" + f.name + ".example/@owner"}
}

func (f *fakePublisher) calls_() ([]publishCall, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.publish), slices.Clone(f.deleted)
}

const (
	uidSocial = "https://social.example/@owner"
	uidSky    = "https://sky.example/@owner"
	uidAlways = "https://always.example/@owner"
)

// syndicationServer starts indiepub with three targets on fake publishers, the last one
// "always", and a quick job runner.
func syndicationServer(t *testing.T) (*servertest.Server, map[string]*fakePublisher) {
	t.Helper()
	fakes := map[string]*fakePublisher{uidSocial: {name: "social"}, uidSky: {name: "sky"}, uidAlways: {name: "always"}}
	srv := servertest.New(t, func(c *server.Config) {
		c.Syndication = []syndicate.Target{
			{UID: uidSocial, Name: "Social", Publisher: fakes[uidSocial]},
			{UID: uidSky, Name: "Sky", Publisher: fakes[uidSky]},
			{UID: uidAlways, Name: "Always", Always: true, Publisher: fakes[uidAlways]},
		}
		c.SyndicateSecret = webhookSecret
		c.Jobs = jobs.Config{Workers: 4, Poll: 20 * time.Millisecond, Backoff: 20 * time.Millisecond, MaxAttempts: 3}
	})
	return srv, fakes
}

// sourceOf reads the post's properties through q=source.
func sourceOf(t *testing.T, srv *servertest.Server, tok, postURL string) map[string][]any {
	t.Helper()
	resp, body := srv.Get(t, "/micropub?q=source&url="+url.QueryEscape(postURL), tok)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("q=source: %d %s", resp.StatusCode, body)
	}
	var item struct {
		Properties map[string][]any `json:"properties"`
	}
	if err := json.Unmarshal(body, &item); err != nil {
		t.Fatal(err)
	}
	return item.Properties
}

// statusOf is the post's mp-syndication-status by target uid.
func statusOf(props map[string][]any) map[string]post.Copy {
	out := map[string]post.Copy{}
	for _, v := range props["mp-syndication-status"] {
		b, _ := json.Marshal(v)
		var c post.Copy
		json.Unmarshal(b, &c)
		out[c.Target] = c
	}
	return out
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30s for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSyndicateToConfig(t *testing.T) {
	srv, _ := syndicationServer(t)
	tok := srv.IssueToken(t, "create")
	for _, q := range []string{"config", "syndicate-to"} {
		resp, body := srv.Get(t, "/micropub?q="+q, tok)
		var got struct {
			SyndicateTo []map[string]any `json:"syndicate-to"`
		}
		if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("q=%s: %d %s", q, resp.StatusCode, body)
		}
		if len(got.SyndicateTo) != 3 {
			t.Fatalf("q=%s: %d targets, want 3", q, len(got.SyndicateTo))
		}
		first := got.SyndicateTo[0]
		svc, _ := first["service"].(map[string]any)
		user, _ := first["user"].(map[string]any)
		if first["uid"] != uidSocial || first["name"] != "Social" || svc["name"] != "social" ||
			svc["url"] != "https://social.example/" || svc["photo"] != "https://social.example/icon.png" ||
			user["name"] != "owner" || user["url"] != "https://social.example/@owner" {
			t.Errorf("q=%s: first target %v, want uid, name, service{name,url,photo}, user{name,url}", q, first)
		}
	}
}

// TestSyndicateCreateUpdateDelete follows one post through its copies: created with
// mp-syndicate-to (plus the "always" target), its copies' URLs land in syndication (q=source
// and the page's u-syndication); an update adding a target publishes there, an edit edits
// the copies and never posts them again; a delete deletes them.
func TestSyndicateCreateUpdateDelete(t *testing.T) {
	srv, fakes := syndicationServer(t)
	tok := srv.IssueToken(t, "create update delete")
	resp, body := srv.PostForm(t, "/micropub", tok, "h=entry&content=Hello+fediverse&mp-syndicate-to[]="+url.QueryEscape(uidSocial))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	postURL := resp.Header.Get("Location")
	var props map[string][]any
	waitFor(t, "two copies", func() bool {
		props = sourceOf(t, srv, tok, postURL)
		return len(props["syndication"]) == 2
	})
	st := statusOf(props)
	if c := st[uidSocial]; c.Status != post.CopyPublished || c.URL != "https://social.example/@owner/1" {
		t.Errorf("social copy %+v, want published at its URL", c)
	}
	if c := st[uidAlways]; c.Status != post.CopyPublished {
		t.Errorf("always copy %+v, want published though the client did not name it", c)
	}
	if _, ok := st[uidSky]; ok {
		t.Errorf("sky has a copy, but was neither asked for nor always")
	}
	calls, _ := fakes[uidSocial].calls_()
	if len(calls) != 1 || calls[0].post != postURL || calls[0].prev != "" || !strings.Contains(calls[0].key, uidSocial) {
		t.Fatalf("social publish calls %+v, want one new copy of %s with a key naming the target", calls, postURL)
	}
	_, page := srv.Get(t, strings.TrimPrefix(postURL, srv.URL), "")
	if !strings.Contains(string(page), `class="u-syndication" rel="syndication" href="https://social.example/@owner/1"`) {
		t.Errorf("the post's page has no u-syndication link to the copy")
	}

	// An update asks for a second target (JSON, as Micropublish sends it).
	resp, body = srv.PostJSON(t, "/micropub", tok, map[string]any{"action": "update", "url": postURL,
		"add": map[string]any{"category": []string{"posse"}}, "mp-syndicate-to": []string{uidSky}})
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("update: %d %s", resp.StatusCode, body)
	}
	waitFor(t, "the sky copy and the edits", func() bool {
		props = sourceOf(t, srv, tok, postURL)
		social, _ := fakes[uidSocial].calls_()
		return len(props["syndication"]) == 3 && len(social) == 2
	})
	calls, _ = fakes[uidSocial].calls_()
	if calls[1].prev != "https://social.example/@owner/1" || calls[1].key == calls[0].key {
		t.Errorf("the update's call %+v: want an edit of the copy under a new key", calls[1])
	}
	if props := sourceOf(t, srv, tok, postURL); len(props["syndication"]) != 3 {
		t.Errorf("syndication %v after edits, want three copies, none twice", props["syndication"])
	}

	resp, _ = srv.PostForm(t, "/micropub", tok, "action=delete&url="+url.QueryEscape(postURL))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	waitFor(t, "every copy deleted", func() bool {
		p, err := srv.DB.PostByURL(context.Background(), postURL)
		if err != nil {
			t.Fatal(err)
		}
		return !slices.ContainsFunc(p.Copies, func(c post.Copy) bool { return c.Status != post.CopyDeleted || c.URL != "" })
	})
	for uid, f := range fakes {
		if _, deleted := f.calls_(); len(deleted) != 1 {
			t.Errorf("copies deleted on %s: %q, want its one copy", uid, deleted)
		}
	}
}

// TestSyndicationFailuresVisible: a target that fails is retried, and the post's
// mp-syndication-status says so with the error; a permanent failure says failed.
func TestSyndicationFailuresVisible(t *testing.T) {
	srv, fakes := syndicationServer(t)
	tok := srv.IssueToken(t, "create")
	release := make(chan struct{})
	fakes[uidSocial].fail = func(n int) error {
		if n == 1 {
			return &jobs.RetryError{After: 200 * time.Millisecond, Err: errors.New("429 too many requests")}
		}
		<-release
		return nil
	}
	fakes[uidSky].fail = func(int) error { return jobs.Permanent(errors.New("401 the access token is invalid")) }
	resp, _ := srv.PostJSON(t, "/micropub", tok, map[string]any{"type": []string{"h-entry"},
		"properties": map[string]any{"content": []string{"hi"}, "mp-syndicate-to": []string{uidSocial, uidSky}}})
	postURL := resp.Header.Get("Location")
	waitFor(t, "social retrying, sky failed", func() bool {
		st := statusOf(sourceOf(t, srv, tok, postURL))
		return st[uidSocial].Status == post.CopyRetrying && st[uidSky].Status == post.CopyFailed
	})
	st := statusOf(sourceOf(t, srv, tok, postURL))
	if !strings.Contains(st[uidSocial].Error, "429") || !strings.Contains(st[uidSky].Error, "401") {
		t.Errorf("statuses %+v, want each target's last error", st)
	}
	close(release)
	waitFor(t, "social published after its retry", func() bool {
		return statusOf(sourceOf(t, srv, tok, postURL))[uidSocial].Status == post.CopyPublished
	})
	failed, err := srv.DB.Jobs(context.Background(), []jobs.State{jobs.Failed}, 10)
	if err != nil || len(failed) != 1 || failed[0].Kind != syndicate.Kind || !strings.Contains(failed[0].LastError, "401") {
		t.Errorf("failed jobs %+v (%v), want the sky job with its error", failed, err)
	}
}

const webhookSecret = "deploy-hook-secret"

func sign(body string) string {
	mac := hmac.New(sha256.New, []byte(webhookSecret))
	mac.Write([]byte(body))
	return hex.EncodeToString(mac.Sum(nil))
}

// TestSyndicateWebhook: POST /syndicate enqueues the posts still waiting for a target,
// signed with the deploy hook's secret or with a create token; a missing or wrong
// signature is 401 or 403 and enqueues nothing.
func TestSyndicateWebhook(t *testing.T) {
	srv, fakes := syndicationServer(t)
	tok := srv.IssueToken(t, "create")
	// A post stored waiting for a target that was down for good: its job failed.
	fakes[uidSky].fail = func(n int) error {
		if n == 1 {
			return jobs.Permanent(errors.New("503 down for maintenance"))
		}
		return nil
	}
	resp, _ := srv.PostForm(t, "/micropub", tok, "h=entry&content=deployed&mp-syndicate-to="+url.QueryEscape(uidSky))
	postURL := resp.Header.Get("Location")
	waitFor(t, "the sky copy failed", func() bool {
		return statusOf(sourceOf(t, srv, tok, postURL))[uidSky].Status == post.CopyFailed
	})
	countJobs := func() int {
		all, _ := srv.DB.Jobs(context.Background(), []jobs.State{jobs.Pending, jobs.Running, jobs.Done, jobs.Failed}, 10000)
		return len(slices.DeleteFunc(all, func(j *jobs.Job) bool { return j.Kind != syndicate.Kind }))
	}
	before := countJobs()
	body := `{"deploy":"done"}`
	call := func(sig, token string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/syndicate", bytes.NewBufferString(body))
		req.Header.Set("Content-Type", "application/json")
		if sig != "" {
			req.Header.Set("X-Webhook-Signature", sig)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp, b.Bytes()
	}
	refusals := []struct {
		name, sig, token string
		want             int
	}{
		{"no signature, no token", "", "", http.StatusUnauthorized},
		{"wrong signature", sign(body + " "), "", http.StatusForbidden},
		{"signature not hex", "not-hex", "", http.StatusForbidden},
		{"token without create", "", srv.IssueToken(t, "media"), http.StatusForbidden},
	}
	for _, tt := range refusals {
		resp, b := call(tt.sig, tt.token)
		if resp.StatusCode != tt.want || !strings.Contains(string(b), `"error"`) {
			t.Errorf("%s: %d %s, want %d with a JSON error", tt.name, resp.StatusCode, b, tt.want)
		}
	}
	if n := countJobs(); n != before {
		t.Fatalf("%d jobs after refused calls, was %d: a refused call enqueued", n, before)
	}
	resp, b := call(sign(body), "")
	var got struct{ Enqueued []syndicate.Enqueued }
	if err := json.Unmarshal(b, &got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("signed call: %d %s", resp.StatusCode, b)
	}
	if len(got.Enqueued) != 1 || got.Enqueued[0].URL != postURL || got.Enqueued[0].Target != uidSky {
		t.Errorf("enqueued %+v, want the waiting post's sky target", got.Enqueued)
	}
	waitFor(t, "the sky copy published once the target is back", func() bool {
		return statusOf(sourceOf(t, srv, tok, postURL))[uidSky].Status == post.CopyPublished
	})
	// Nothing waits any more: a call with a token enqueues nothing.
	resp, b = call("", tok)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"enqueued":[]`) {
		t.Errorf("call with a token and nothing waiting: %d %s, want 200 and an empty list", resp.StatusCode, b)
	}
}
