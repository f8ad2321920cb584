package admin_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/indiepub/indiepub/internal/browsertest"
	"github.com/indiepub/indiepub/internal/media/mediatest"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// studio is one browser session of the owner in the studio, with a token to read back
// what each step stored (q=source over HTTP).
type studio struct {
	t   *testing.T
	ctx context.Context
	srv *servertest.Server
	tok string
}

// do runs chromedp actions, failing the test with what step failed.
func (s *studio) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	if err := chromedp.Do(s.ctx, actions...); err != nil {
		s.t.Fatalf("%s: %v", step, err)
	}
}

// void makes a step of an action, its value dropped: a Poll waits until its expression is true.
func void[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := a(ctx, t)
		return err
	})
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](s *studio, expr string) T {
	s.t.Helper()
	return run(s.t, s.ctx, chromedp.Evaluate[T](expr))
}

// source returns the Micropub q=source properties of the post at u.
func (s *studio) source(u string) map[string]any {
	s.t.Helper()
	resp, body := s.srv.Get(s.t, "/micropub?q=source&url="+url.QueryEscape(u), s.tok)
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("q=source %s: %d %s", u, resp.StatusCode, body)
	}
	var item struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(body, &item); err != nil {
		s.t.Fatal(err)
	}
	return item.Properties
}

// wantProp checks one property of a post's q=source.
func (s *studio) wantProp(props map[string]any, name string, want ...any) {
	s.t.Helper()
	if got := props[name]; !reflect.DeepEqual(got, any(want)) {
		s.t.Errorf("q=source %s = %#v, want %#v", name, got, want)
	}
}

// wantResponse checks the URL a response is about, in its q=source: the URL as written
// or, once the reply-context job has read the page, the h-cite of it with that url.
func (s *studio) wantResponse(props map[string]any, name, want string) {
	s.t.Helper()
	vs, _ := props[name].([]any)
	if len(vs) != 1 {
		s.t.Errorf("q=source %s = %#v, want %s", name, props[name], want)
		return
	}
	got, _ := vs[0].(string)
	if cite, ok := vs[0].(map[string]any); ok {
		cp, _ := cite["properties"].(map[string]any)
		urls, _ := cp["url"].([]any)
		if len(urls) == 1 {
			got, _ = urls[0].(string)
		}
	}
	if got != want {
		s.t.Errorf("q=source %s = %#v, want %s", name, vs[0], want)
	}
}

// publish clicks Publish (or Save) and waits for the post's page; it returns its URL.
func (s *studio) publish(step string) string {
	s.t.Helper()
	s.do(step+": publish", chromedp.Click(chromedp.ID("publish")), chromedp.WaitVisible(chromedp.CSS("article.h-entry")))
	return eval[string](s, `location.href`)
}

// write opens the write form for kind.
func (s *studio) write(step, kind string) {
	s.t.Helper()
	s.do(step+": open the form", chromedp.Navigate(s.srv.URL+"/admin/write?kind="+kind), chromedp.WaitVisible(chromedp.ID("write-form")),
		// The script is loaded (the drop zone is its) before anything is typed.
		chromedp.WaitVisible(chromedp.ID("drop-zone")))
}

// TestStudioInBrowser runs the owner's whole day in headless Chromium, with the studio's
// script on: sign in from the footer's link, write a note, an article with a title and
// Markdown (its live preview), a photo post with two photos chosen in the file inputs
// with alt text (each upload's progress bar), a reply (the replied-to page's title and
// author shown by Preview), a like, a repost and a bookmark, three tags one of which the
// site has in another case, schedule a post a few seconds ahead and see it appear, edit a
// post, delete and undelete it, and sign out. Each step checks the page it lands on and the
// post's Micropub q=source. It also takes the screenshots of the write form, the posts
// list and the media library at 1280, 390 and 360 px (to $INDIEPUB_SCREENSHOT_DIR when set,
// else the test's temporary directory) and checks that at 390 and 360 px none scrolls sideways.
func TestStudioInBrowser(t *testing.T) {
	ctx := browsertest.NewFor(t, 6*time.Minute)
	// The page replied to, served on the loopback address the guarded client may reach
	// in this test.
	replied := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>Harbour notes</title><article class="h-entry"><h1 class="p-name">Harbour notes</h1>
<a class="p-author h-card" href="/">Mary Seacole</a><div class="e-content">The tide came in early today.</div></article>`)
	}))
	t.Cleanup(replied.Close)
	srv := servertest.New(t, func(c *server.Config) { c.AllowPrivateFetch = true })
	srv.OwnerClient(t) // sets the owner's password
	s := &studio{t: t, ctx: ctx, srv: srv, tok: srv.IssueToken(t, "create update delete")}
	// A tag the site has already, in another case than the owner will type it.
	if resp, body := srv.PostForm(t, "/micropub", s.tok, "h=entry&content=older&category=Coffee"); resp.StatusCode != http.StatusCreated {
		t.Fatalf("create the tagged post: %d %s", resp.StatusCode, body)
	}

	// Sign in from the footer.
	s.do("sign in",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.Click(chromedp.CSS("a.signin")),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), servertest.OwnerPassword),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.CSS("nav.owner-bar")))
	if links := eval[[]string](s, `Array.from(document.querySelectorAll('nav.owner-bar a')).map(a => a.textContent)`); !strings.Contains(strings.Join(links, ","), "Settings") {
		t.Errorf("the owner's bar after signing in: %q, want the studio's links with Settings", links)
	}

	// A note, with three tags: " coffee " takes the site's "Coffee", the empty one goes.
	s.write("note", "note")
	s.do("note: fill", chromedp.SendKeys(chromedp.ID("content"), "First light over the water."),
		chromedp.SendKeys(chromedp.ID("tags"), " coffee , Harbour,, early mornings "))
	note := s.publish("note")
	if text := eval[string](s, `document.querySelector('article.h-entry .e-content').textContent`); !strings.Contains(text, "First light over the water.") {
		t.Errorf("the note's page shows %q", text)
	}
	props := s.source(note)
	s.wantProp(props, "content", "First light over the water.")
	s.wantProp(props, "category", "Coffee", "Harbour", "early mornings")
	if _, ok := props["name"]; ok {
		t.Errorf("a note got a name: %v", props["name"])
	}

	// An article: a title and Markdown, with the live preview rendered by the server.
	s.write("article", "article")
	s.do("article: fill", chromedp.SendKeys(chromedp.ID("name"), "On tides"),
		chromedp.SendKeys(chromedp.ID("content"), "The *moon* pulls the sea."))
	s.do("article: live preview", void(chromedp.Poll[bool](`(function () { const em = document.querySelector('#preview-content em');
		return !!em && em.textContent === 'moon'; })()`, chromedp.WithPollingTimeout(20*time.Second))))
	article := s.publish("article")
	if h := eval[string](s, `document.querySelector('article.h-entry .p-name').textContent`); !strings.Contains(h, "On tides") {
		t.Errorf("the article's title on its page: %q", h)
	}
	props = s.source(article)
	s.wantProp(props, "name", "On tides")
	s.wantProp(props, "content", "The *moon* pulls the sea.")

	// A photo post: two photos chosen in the file inputs, each uploaded at once with its
	// progress bar, and their alt text.
	dir := t.TempDir()
	var files []string
	for i, name := range []string{"gull.png", "pier.png"} {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, mediatest.Image(t, "png", 20+i), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	s.write("photo", "photo")
	s.do("photo: choose the files",
		chromedp.SetUploadFiles(chromedp.ID("photo-1"), files[:1]),
		chromedp.SetUploadFiles(chromedp.ID("photo-2"), files[1:]),
		chromedp.SendKeys(chromedp.ID("alt-1"), "A gull on a post"),
		chromedp.SendKeys(chromedp.ID("alt-2"), "The pier at low tide"),
		void(chromedp.Poll[bool](`document.querySelectorAll('.photo.kept[data-done]').length === 2`, chromedp.WithPollingTimeout(30*time.Second))))
	if bars := eval[[]float64](s, `Array.from(document.querySelectorAll('.upload-progress')).map(p => p.value)`); len(bars) != 2 || bars[0] != 100 || bars[1] != 100 {
		t.Errorf("upload progress bars %v, want two at 100", bars)
	}
	s.do("photo: caption", chromedp.SendKeys(chromedp.ID("content"), "Two from the harbour."))
	photoPost := s.publish("photo")
	if n := eval[int](s, `document.querySelectorAll('article.h-entry img.u-photo').length`); n != 2 {
		t.Errorf("the photo post's page shows %d photos, want 2", n)
	}
	props = s.source(photoPost)
	photos, _ := props["photo"].([]any)
	if len(photos) != 2 {
		t.Fatalf("q=source photo = %#v, want two", props["photo"])
	}
	for i, want := range []string{"A gull on a post", "The pier at low tide"} {
		p, _ := photos[i].(map[string]any)
		if v, _ := p["value"].(string); p["alt"] != want || !strings.HasPrefix(v, srv.Cfg.URL+"media/") {
			t.Errorf("photo %d: %#v, want a file of the media store with alt %q", i+1, photos[i], want)
		}
	}

	// A reply: Preview shows the page replied to, fetched by the server.
	s.write("reply", "reply")
	s.do("reply: fill and preview", chromedp.SendKeys(chromedp.ID("target"), replied.URL+"/harbour"),
		chromedp.SendKeys(chromedp.ID("content"), "It did here too."),
		chromedp.Click(chromedp.ID("preview")), chromedp.WaitVisible(chromedp.ID("context-preview")))
	if name := eval[string](s, `(document.getElementById('context-name') || {}).textContent || document.getElementById('context-preview').textContent`); name != "Harbour notes" {
		t.Errorf("the reply's preview names %q, want the page's title", name)
	}
	if author := eval[string](s, `(document.getElementById('context-author') || {}).textContent || ''`); author != "Mary Seacole" {
		t.Errorf("the reply's preview names the author %q", author)
	}
	reply := s.publish("reply")
	props = s.source(reply)
	s.wantResponse(props, "in-reply-to", replied.URL+"/harbour")
	s.wantProp(props, "content", "It did here too.")

	// A like, a repost and a bookmark: the URL alone (the bookmark with a title).
	for _, r := range []struct{ kind, prop string }{{"like", "like-of"}, {"repost", "repost-of"}, {"bookmark", "bookmark-of"}} {
		target := replied.URL + "/" + r.kind
		s.write(r.kind, r.kind)
		s.do(r.kind+": fill", chromedp.SendKeys(chromedp.ID("target"), target))
		if r.kind == "bookmark" {
			s.do("bookmark: title", chromedp.SendKeys(chromedp.ID("name"), "Tide tables"))
		}
		u := s.publish(r.kind)
		if link := eval[string](s, fmt.Sprintf(`(document.querySelector('article.h-entry a[href=%q]') || {}).href || ''`, target)); link != target {
			t.Errorf("the %s's page does not link %s", r.kind, target)
		}
		s.wantResponse(s.source(u), r.prop, target)
	}

	// A post scheduled a few seconds ahead: the owner sees it marked, visitors get 404
	// until its time, then find it on the home page.
	due := time.Now().UTC().Add(8 * time.Second).Truncate(time.Second)
	s.write("scheduled", "note")
	s.do("scheduled: fill", chromedp.SendKeys(chromedp.ID("content"), "Written ahead of the tide."),
		// A datetime-local input takes no typing in a fixed format; its value does.
		void(chromedp.Evaluate[string](fmt.Sprintf(`document.getElementById('published').value = %q`, due.Format("2006-01-02T15:04:05")))))
	scheduled := s.publish("scheduled")
	if text := eval[string](s, `document.body.textContent`); !strings.Contains(text, "Scheduled") {
		t.Errorf("the owner's view of a scheduled post is not marked Scheduled")
	}
	s.wantProp(s.source(scheduled), "published", due.Format(time.RFC3339))
	if resp, _ := srv.Get(t, scheduled, ""); resp.StatusCode != http.StatusNotFound && time.Now().Before(due) {
		t.Errorf("a visitor's GET of the scheduled post before its time: %d, want 404", resp.StatusCode)
	}
	time.Sleep(time.Until(due) + 500*time.Millisecond)
	if resp, body := srv.Get(t, scheduled, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("a visitor's GET of the scheduled post after its time: %d", resp.StatusCode)
	} else if !strings.Contains(string(body), "Written ahead of the tide.") {
		t.Errorf("the scheduled post's page after its time lacks its text")
	}
	if _, home := srv.Get(t, "/", ""); !strings.Contains(string(home), scheduled) {
		t.Errorf("the home page after the scheduled time does not list %s", scheduled)
	}
	s.do("posts list: published", chromedp.Navigate(srv.URL+"/admin/posts"), chromedp.WaitVisible(chromedp.ID("posts")))
	if st := eval[string](s, fmt.Sprintf(`Array.from(document.querySelectorAll('tr.post-row')).find(r => r.querySelector('a').href === %q).querySelector('.badge').textContent`, scheduled)); st != "published" {
		t.Errorf("the posts list says the post whose time came is %q", st)
	}

	// Edit the note: the form shows its values, Save sends the change.
	s.do("edit", chromedp.Navigate(srv.URL+"/admin/posts/edit?url="+url.QueryEscape(note)), chromedp.WaitVisible(chromedp.ID("write-form")))
	if v := eval[string](s, `document.getElementById('content').value`); v != "First light over the water." {
		t.Errorf("the edit form holds %q", v)
	}
	s.do("edit: change", chromedp.SetValue(chromedp.ID("content"), "First light over the still water."),
		chromedp.Click(chromedp.ID("publish")), chromedp.WaitVisible(chromedp.ID("done")))
	if done := eval[string](s, `document.getElementById('done').textContent`); !strings.Contains(done, "Saved") {
		t.Errorf("after saving the edit: %q", done)
	}
	s.wantProp(s.source(note), "content", "First light over the still water.")

	// Delete and undelete it.
	s.do("delete", chromedp.Navigate(srv.URL+"/admin/posts/delete?url="+url.QueryEscape(note)),
		chromedp.Click(chromedp.ID("delete")), chromedp.WaitVisible(chromedp.ID("undelete")))
	if done := eval[string](s, `document.getElementById('done').textContent`); !strings.Contains(done, "deleted") {
		t.Errorf("after deleting: %q", done)
	}
	if resp, _ := srv.Get(t, note, ""); resp.StatusCode != http.StatusGone {
		t.Errorf("the deleted note answers %d, want 410", resp.StatusCode)
	}
	s.do("undelete", chromedp.Click(chromedp.ID("undelete")), chromedp.WaitVisible(chromedp.ID("delete")))
	if done := eval[string](s, `document.getElementById('done').textContent`); !strings.Contains(done, "back") {
		t.Errorf("after undeleting: %q", done)
	}
	s.wantProp(s.source(note), "content", "First light over the still water.")

	screenshots(s, map[string]string{"write-form": "/admin/write?kind=photo", "posts-list": "/admin/posts", "media-library": "/admin/media"})

	// Sign out from the bar: the site again as a visitor sees it, and the studio asks for
	// the password.
	s.do("sign out", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(srv.URL+"/"),
		chromedp.Click(chromedp.CSS(`nav.owner-bar button`)), chromedp.WaitVisible(chromedp.CSS("a.signin")))
	if n := eval[int](s, `document.querySelectorAll('nav.owner-bar').length`); n != 0 {
		t.Errorf("after signing out the page still shows the owner's bar")
	}
	s.do("studio after signing out", chromedp.Navigate(srv.URL+"/admin/write"), chromedp.WaitVisible(chromedp.ID("password")))
}

// screenshots takes each page at 1280 and 390 px wide (and at 360, the narrowest width
// the studio is to be usable at), checks that the narrow ones do not scroll sideways, and
// keeps the PNGs.
func screenshots(s *studio, pages map[string]string) {
	s.t.Helper()
	dir := os.Getenv("INDIEPUB_SCREENSHOT_DIR")
	if dir == "" {
		dir = s.t.TempDir()
	}
	for name, path := range pages {
		for _, width := range []int64{1280, 390, 360} {
			s.do(fmt.Sprintf("%s at %d px", name, width), chromedp.EmulateViewport(width, 844),
				chromedp.Navigate(s.srv.URL+path), chromedp.WaitVisible(chromedp.CSS("main")),
				void(chromedp.Poll[bool](`Array.from(document.images).every(i => i.complete)`, chromedp.WithPollingTimeout(10*time.Second))))
			if sw := eval[int64](s, `document.documentElement.scrollWidth`); sw > width {
				s.t.Errorf("%s is %d px wide in a %d px viewport: it scrolls sideways", path, sw, width)
			}
			shot := run(s.t, s.ctx, chromedp.FullScreenshot(100))
			if len(shot) < 8 || string(shot[:8]) != "\x89PNG\r\n\x1a\n" {
				s.t.Errorf("%s at %d px: the screenshot is not a PNG (%d bytes)", path, width, len(shot))
			}
			file := filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, width))
			if err := os.WriteFile(file, shot, 0o644); err != nil {
				s.t.Fatal(err)
			}
			s.t.Logf("screenshot %s", file)
		}
	}
}

// TestStudioScriptInBrowser drives the script's own paths: a photo dropped on the form
// (a drop event carrying a file, as a drag from the desktop makes) is uploaded with its
// progress bar reaching the end and becomes a kept photo of the form, which Publish
// sends with its alt text; the live preview follows the text; and the page's policy lets
// only the studio's script run.
func TestStudioScriptInBrowser(t *testing.T) {
	ctx := browsertest.NewFor(t, 2*time.Minute)
	srv := servertest.New(t)
	owner := srv.OwnerClient(t)
	s := &studio{t: t, ctx: ctx, srv: srv, tok: srv.IssueToken(t, "create update")}
	resp, err := owner.Get(srv.URL + "/admin/write")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src "+srv.URL+"/admin/studio.js;") || strings.Contains(csp, "unsafe-inline'; img") && strings.Contains(csp, "script-src 'unsafe") {
		t.Errorf("the write page's policy %q: want script-src naming only the studio's script", csp)
	}
	png := base64.StdEncoding.EncodeToString(mediatest.Image(t, "png", 31))

	s.do("sign in", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(srv.URL+"/admin/write?kind=photo"),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), servertest.OwnerPassword),
		chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("drop-zone")))
	// An inline script is refused by the policy: the page has none of its own to run.
	if ran := eval[bool](s, `(function () { const el = document.createElement('script'); el.textContent = 'window.inlineRan = true';
		document.body.appendChild(el); return !!window.inlineRan; })()`); ran {
		t.Errorf("an inline script ran on the write page")
	}
	s.do("drop a photo", void(chromedp.Evaluate[bool](fmt.Sprintf(`(function () {
		const bytes = Uint8Array.from(atob(%q), c => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], 'dropped.png', {type: 'image/png'}));
		document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
		return true; })()`, png))),
		void(chromedp.Poll[bool](`!!document.querySelector('.photo.kept[data-done] input[name=kept-photo]')`, chromedp.WithPollingTimeout(30*time.Second))))
	if v := eval[float64](s, `document.querySelector('.upload-progress').value`); v != 100 {
		t.Errorf("the progress bar stopped at %v", v)
	}
	fileURL := eval[string](s, `document.querySelector('input[name=kept-photo]').value`)
	if !strings.HasPrefix(fileURL, srv.Cfg.URL+"media/") {
		t.Fatalf("the dropped photo's URL %q", fileURL)
	}
	if resp, _ := srv.Get(t, fileURL, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("GET the dropped photo: %d", resp.StatusCode)
	}
	s.do("alt and text", chromedp.SendKeys(chromedp.CSS(`input[name=kept-alt]`), "Dropped in"),
		chromedp.SendKeys(chromedp.ID("content"), "Look: https://example.com/tide"),
		void(chromedp.Poll[bool](`!!document.querySelector('#preview-content a[href="https://example.com/tide"]')`, chromedp.WithPollingTimeout(20*time.Second))))
	previews := eval[string](s, `document.getElementById('preview-pane').dataset.previews`)
	s.do("more text", chromedp.SendKeys(chromedp.ID("content"), " and more"),
		void(chromedp.Poll[bool](`document.getElementById('preview-content').textContent.includes('and more')`, chromedp.WithPollingTimeout(20*time.Second))))
	if again := eval[string](s, `document.getElementById('preview-pane').dataset.previews`); again == previews {
		t.Errorf("the preview did not update (still #%s)", again)
	}
	u := s.publish("dropped photo")
	props := s.source(u)
	s.wantProp(props, "photo", map[string]any{"value": fileURL, "alt": "Dropped in"})
}
