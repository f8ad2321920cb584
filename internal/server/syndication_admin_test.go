package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/secret"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
	"github.com/indiepub/indiepub/internal/syndicate"
	"github.com/indiepub/indiepub/internal/syndicate/bluesky/blueskytest"
	"github.com/indiepub/indiepub/internal/syndicate/mastodon/mastodontest"
)

const (
	uidStoredMasto = "https://mastodon.example/@alice"
	uidStoredSky   = "https://bsky.app/profile/alice.test"
)

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// newBox is a secret.Box under a fresh random key.
func newBox(t *testing.T) *secret.Box {
	t.Helper()
	key := make([]byte, secret.KeySize)
	rand.Read(key)
	box, err := secret.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// ownerForm posts form to path as the owner, with the CSRF token of the owner's
// syndication page unless form sets csrf itself, asking for HTML.
func ownerForm(t *testing.T, s *servertest.Server, c *http.Client, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	if _, ok := form["csrf"]; !ok {
		_, page := get(t, s, c, "/admin/syndication")
		m := csrfInput.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no CSRF field on /admin/syndication:\n%s", page)
		}
		form.Set("csrf", m[1])
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp, b.String()
}

// storedTargetsServer starts indiepub with a secret key, one target given by flag (a
// fake publisher) and quick jobs, and the local Mastodon and Bluesky servers.
func storedTargetsServer(t *testing.T) (*servertest.Server, *mastodontest.Server, *blueskytest.Server) {
	t.Helper()
	masto, sky := mastodontest.New(), blueskytest.New()
	t.Cleanup(masto.Close)
	t.Cleanup(sky.Close)
	srv := servertest.New(t, func(c *server.Config) {
		c.Secrets = newBox(t)
		c.AllowPrivateFetch = true
		c.Syndication = []syndicate.Target{{UID: uidSocial, Name: "Social", Publisher: &fakePublisher{name: "social"}}}
		c.Jobs = jobs.Config{Workers: 2, Poll: 20 * time.Millisecond, Backoff: 20 * time.Millisecond, MaxAttempts: 3}
	})
	return srv, masto, sky
}

func addStoredTargets(t *testing.T, srv *servertest.Server, c *http.Client, masto *mastodontest.Server, sky *blueskytest.Server) {
	t.Helper()
	for _, form := range []url.Values{
		{"service": {"mastodon"}, "uid": {uidStoredMasto}, "name": {"Mastodon"}, "server": {masto.URL},
			"credential": {mastodontest.Token}, "always": {"1"}},
		{"service": {"bluesky"}, "uid": {uidStoredSky}, "name": {"Bluesky"}, "server": {sky.URL},
			"handle": {blueskytest.Handle}, "credential": {blueskytest.AppPassword}, "always": {"1"}},
	} {
		if resp, body := ownerForm(t, srv, c, "/admin/syndication/add", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add %s: %d, want 303\n%s", form.Get("uid"), resp.StatusCode, body)
		}
	}
}

// TestStoredTargetsEncrypted adds a Mastodon and a Bluesky target in the owner's pages:
// Micropub clients are offered them beside the flag's target, a new post is copied to
// both local servers, and neither credential is anywhere in the database's files.
func TestStoredTargetsEncrypted(t *testing.T) {
	srv, masto, sky := storedTargetsServer(t)
	c := srv.OwnerClient(t)
	addStoredTargets(t, srv, c, masto, sky)

	tok := srv.IssueToken(t, "create")
	_, cfg := srv.Get(t, "/micropub?q=syndicate-to", tok)
	for _, uid := range []string{uidSocial, uidStoredMasto, uidStoredSky} {
		if !strings.Contains(string(cfg), `"uid":"`+uid+`"`) {
			t.Errorf("q=syndicate-to lacks %s: %s", uid, cfg)
		}
	}
	resp, body := srv.PostForm(t, "/micropub", tok, "h=entry&content=Hello+stored+targets")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	postURL := resp.Header.Get("Location")
	waitFor(t, "copies on both stored targets", func() bool {
		return len(sourceOf(t, srv, tok, postURL)["syndication"]) == 2
	})
	if n := len(masto.Statuses()); n != 1 {
		t.Errorf("%d statuses on the Mastodon server, want 1", n)
	}
	if n := len(sky.Records("app.bsky.feed.post")); n != 1 {
		t.Errorf("%d posts on the PDS, want 1", n)
	}

	// The database, its WAL included, holds the targets but neither credential.
	var files []byte
	for _, name := range []string{"indiepub.db", "indiepub.db-wal"} {
		b, err := os.ReadFile(filepath.Join(srv.Cfg.DataDir, name))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		files = append(files, b...)
	}
	if !bytes.Contains(files, []byte(uidStoredMasto)) {
		t.Fatalf("the database files do not hold the target %s: wrong files read", uidStoredMasto)
	}
	for _, cred := range []string{mastodontest.Token, blueskytest.AppPassword} {
		if bytes.Contains(files, []byte(cred)) {
			t.Errorf("the database files hold the credential %q in clear", cred)
		}
	}
}

// TestStoredTargetWrongKey: a server started on the database with another secret key
// refuses to start, naming the target whose credential does not open.
func TestStoredTargetWrongKey(t *testing.T) {
	srv, masto, sky := storedTargetsServer(t)
	addStoredTargets(t, srv, srv.OwnerClient(t), masto, sky)
	cfg := srv.Cfg
	cfg.Secrets = newBox(t)
	cfg.Jobs.Workers = 1
	h, err := server.New(t.Context(), cfg, srv.DB)
	if err == nil {
		h.StopJobs(context.Background())
		t.Fatal("server.New with another secret key: no error")
	}
	if !strings.Contains(err.Error(), uidStoredMasto) || !strings.Contains(err.Error(), "key") {
		t.Errorf("server.New with another secret key: %v, want the target's uid and the key named", err)
	}
}

// TestSyndicationPage goes through the owner's syndication page: owner only, CSRF on
// every form, the flag's and the stored targets listed, Test against the local servers
// in plain words, edit, remove, and a failed copy's Retry.
func TestSyndicationPage(t *testing.T) {
	srv, masto, sky := storedTargetsServer(t)

	visitor := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, _ := get(t, srv, visitor, "/admin/syndication")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("visitor: %d to %q, want 303 to the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}
	c := srv.OwnerClient(t)
	resp, body := ownerForm(t, srv, c, "/admin/syndication/add", url.Values{"csrf": {""}, "service": {"mastodon"},
		"uid": {uidStoredMasto}, "server": {masto.URL}, "credential": {"x"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "<html") || !strings.Contains(body, "CSRF") {
		t.Errorf("add without CSRF: %d, want 403 and the themed error page:\n%s", resp.StatusCode, body)
	}
	resp, body = ownerForm(t, srv, visitor, "/admin/syndication/remove", url.Values{"csrf": {"x"}, "uid": {uidStoredMasto}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "/login") {
		t.Errorf("remove by a visitor: %d to %q, want 303 to /login (TestOwnerRoutesRefuse)\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	addStoredTargets(t, srv, c, masto, sky)

	_, page := get(t, srv, c, "/admin/syndication")
	for _, want := range []string{`<a href="` + srv.URL + `/admin/syndication">Syndication</a>`,
		`data-uid="` + uidSocial + `"`, "by flag", `data-uid="` + uidStoredMasto + `"`, `data-uid="` + uidStoredSky + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
	resp, body = ownerForm(t, srv, c, "/admin/syndication/add", url.Values{"service": {"mastodon"},
		"uid": {uidStoredMasto}, "server": {masto.URL}, "credential": {"x"}})
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("add a uid taken: %d, want 409\n%s", resp.StatusCode, body)
	}
	resp, body = ownerForm(t, srv, c, "/admin/syndication/add", url.Values{"service": {"bluesky"},
		"uid": {"https://bsky.app/profile/x"}, "credential": {"x"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "handle") {
		t.Errorf("add a Bluesky target without handle: %d, want 400 saying so\n%s", resp.StatusCode, body)
	}

	// Test: both stored targets sign in; a wrong token is the service's refusal.
	for uid, want := range map[string]string{uidStoredMasto: "It works: signed in as " + masto.URL + "/@alice",
		uidStoredSky: "It works: signed in as " + blueskytest.Handle} {
		resp, body = ownerForm(t, srv, c, "/admin/syndication/test", url.Values{"uid": {uid}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("test %s: %d, want %q\n%s", uid, resp.StatusCode, want, body)
		}
	}
	resp, body = ownerForm(t, srv, c, "/admin/syndication/edit", url.Values{"service": {"mastodon"},
		"uid": {uidStoredMasto}, "name": {"Alice on Mastodon"}, "server": {masto.URL}, "credential": {"wrong-token"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", resp.StatusCode, body)
	}
	_, body = ownerForm(t, srv, c, "/admin/syndication/test", url.Values{"uid": {uidStoredMasto}})
	if !strings.Contains(body, "The service refused") || !strings.Contains(body, "401") || strings.Contains(body, "wrong-token") {
		t.Errorf("test with a wrong token: want the 401 in plain words, without the token\n%s", body)
	}
	_, page = get(t, srv, c, "/admin/syndication?edit="+url.QueryEscape(uidStoredMasto))
	if !strings.Contains(page, `value="Alice on Mastodon"`) || strings.Contains(page, "wrong-token") {
		t.Errorf("edit form: want the new name and no credential\n%s", page)
	}
	// An edit without a credential keeps the stored one.
	ownerForm(t, srv, c, "/admin/syndication/edit", url.Values{"service": {"mastodon"}, "uid": {uidStoredMasto},
		"name": {"Mastodon"}, "server": {masto.URL}, "credential": {mastodontest.Token}, "always": {"1"}})
	ownerForm(t, srv, c, "/admin/syndication/edit", url.Values{"service": {"mastodon"}, "uid": {uidStoredMasto},
		"name": {"Mastodon"}, "server": {masto.URL}, "always": {"1"}})
	if _, body = ownerForm(t, srv, c, "/admin/syndication/test", url.Values{"uid": {uidStoredMasto}}); !strings.Contains(body, "It works") {
		t.Errorf("test after an edit without credential: want the stored token kept\n%s", body)
	}

	// A copy refused by Mastodon fails for good; Retry sends it again.
	masto.FailNext(1, http.StatusUnprocessableEntity, "")
	tok := srv.IssueToken(t, "create")
	resp, created := srv.PostForm(t, "/micropub", tok, "h=entry&name=Retry+me&content=Words")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, created)
	}
	postURL := resp.Header.Get("Location")
	waitFor(t, "the Mastodon copy failed", func() bool {
		return statusOf(sourceOf(t, srv, tok, postURL))[uidStoredMasto].Status == post.CopyFailed
	})
	_, page = get(t, srv, c, "/admin/syndication")
	if !strings.Contains(page, "Retry me") || !strings.Contains(page, "422") || !strings.Contains(page, `action="/admin/syndication/retry"`) {
		t.Errorf("the page does not show the failed copy with its error and Retry:\n%s", page)
	}
	resp, body = ownerForm(t, srv, c, "/admin/syndication/retry", url.Values{"url": {postURL}, "uid": {uidStoredMasto}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry: %d\n%s", resp.StatusCode, body)
	}
	waitFor(t, "the Mastodon copy published after Retry", func() bool {
		return statusOf(sourceOf(t, srv, tok, postURL))[uidStoredMasto].Status == post.CopyPublished
	})
	resp, _ = ownerForm(t, srv, c, "/admin/syndication/retry", url.Values{"url": {postURL}, "uid": {uidStoredMasto}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("retry of a copy made: %d, want 400", resp.StatusCode)
	}

	// Remove: gone from the page and from q=syndicate-to.
	if resp, body = ownerForm(t, srv, c, "/admin/syndication/remove", url.Values{"uid": {uidStoredSky}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d\n%s", resp.StatusCode, body)
	}
	_, cfg := srv.Get(t, "/micropub?q=syndicate-to", tok)
	if strings.Contains(string(cfg), uidStoredSky) {
		t.Errorf("q=syndicate-to still offers the removed target: %s", cfg)
	}
	if resp, _ = ownerForm(t, srv, c, "/admin/syndication/remove", url.Values{"uid": {uidStoredSky}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("remove again: %d, want 404", resp.StatusCode)
	}
}

// TestFlagTargetWinsOverStored: a stored target with the uid of a flag's target is
// listed as unused, q=syndicate-to offers the flag's alone, and the page refuses to add a
// flag's uid.
func TestFlagTargetWinsOverStored(t *testing.T) {
	srv, masto, _ := storedTargetsServer(t)
	err := srv.DB.AddSyndicationTarget(context.Background(), &syndicate.StoredTarget{UID: uidSocial, Name: "Stored twin",
		Service: syndicate.ServiceMastodon, Server: masto.URL,
		Secret: srv.Cfg.Secrets.Seal([]byte(mastodontest.Token), syndicate.SecretContext(uidSocial))})
	if err != nil {
		t.Fatal(err)
	}
	c := srv.OwnerClient(t)
	_, page := get(t, srv, c, "/admin/syndication")
	if !strings.Contains(page, "stored, unused: a flag's target has this uid and wins") {
		t.Errorf("the page does not mark the stored twin unused:\n%s", page)
	}
	tok := srv.IssueToken(t, "create")
	_, cfg := srv.Get(t, "/micropub?q=syndicate-to", tok)
	if n := strings.Count(string(cfg), `"uid":"`+uidSocial+`"`); n != 1 || strings.Contains(string(cfg), "Stored twin") {
		t.Errorf("q=syndicate-to offers %s %d times (want once, the flag's): %s", uidSocial, n, cfg)
	}
	resp, body := ownerForm(t, srv, c, "/admin/syndication/add", url.Values{"service": {"mastodon"},
		"uid": {uidSocial}, "server": {masto.URL}, "credential": {"x"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "given by flag") {
		t.Errorf("add a flag's uid: %d, want 409 saying so\n%s", resp.StatusCode, body)
	}
}
