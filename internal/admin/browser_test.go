package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/indiepub/indiepub/internal/browsertest"
	"github.com/indiepub/indiepub/internal/media/mediatest"
	"github.com/indiepub/indiepub/internal/servertest"
)

// TestMediaLibraryInBrowser drives the media library in headless Chromium: the owner
// signs in, uploads a photo with the file input, sees it in the grid, is refused its
// deletion while a post uses it, and deletes it once none does. Screenshots of the library at
// 1280 and 390 px wide go to $INDIEPUB_SCREENSHOT_DIR when set (as the website's
// browser test does), else to the test's temporary directory.
func TestMediaLibraryInBrowser(t *testing.T) {
	// Eight pages and two screenshots: more than New's minute on a busy machine.
	ctx := browsertest.NewFor(t, 4*time.Minute)
	srv := servertest.New(t)
	srv.OwnerClient(t) // sets the owner's password
	tok := srv.IssueToken(t, "create delete")
	photo := filepath.Join(t.TempDir(), "harbour.png")
	if err := os.WriteFile(photo, mediatest.Image(t, "png", 7), 0o600); err != nil {
		t.Fatal(err)
	}

	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/admin/media"),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), servertest.OwnerPassword),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("no-media")),
		chromedp.SetUploadFiles(chromedp.ID("media-file"), []string{photo}),
		chromedp.Click(chromedp.ID("upload")),
		chromedp.WaitVisible(chromedp.ID("done")),
	)
	if err != nil {
		t.Fatalf("sign in and upload: %v", err)
	}
	fileURL := run(t, ctx, chromedp.Value(chromedp.ID("media-url-0")))
	if !strings.HasPrefix(fileURL, srv.Cfg.URL+"media/") || !strings.HasSuffix(fileURL, ".png") {
		t.Fatalf("uploaded file's URL %q", fileURL)
	}
	if typ := run(t, ctx, chromedp.Evaluate[string](`document.querySelector('.media-item dd').textContent`)); typ != "image/png" {
		t.Errorf("the grid shows type %q, want image/png", typ)
	}

	// A post uses the file: deleting it is refused, the post named.
	resp, body := srv.PostJSON(t, "/micropub", tok, map[string]any{"type": []string{"h-entry"},
		"properties": map[string]any{"content": []string{"The harbour at dawn"}, "photo": []string{fileURL}}})
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusAccepted {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	postURL := resp.Header.Get("Location")
	dir := os.Getenv("INDIEPUB_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	for _, width := range []int64{1280, 390} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 844), chromedp.Navigate(srv.URL+"/admin/media"),
			chromedp.WaitVisible(chromedp.CSS(".media-item img"))); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)`,
			chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Errorf("%d px: the preview did not load: %v", width, err)
		}
		if sw := run(t, ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`)); sw > width {
			t.Errorf("the library is %d px wide in a %d px viewport: it scrolls sideways", sw, width)
		}
		shot := run(t, ctx, chromedp.FullScreenshot(100))
		name := filepath.Join(dir, fmt.Sprintf("media-library-%d.png", width))
		if err := os.WriteFile(name, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s", name)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.media-item form button`)),
		chromedp.WaitVisible(chromedp.ID("refused")),
	); err != nil {
		t.Fatalf("delete a file in use: %v", err)
	}
	if refused := run(t, ctx, chromedp.Text(chromedp.ID("refused"))); !strings.Contains(refused, postURL) {
		t.Errorf("the refusal does not name %s: %q", postURL, refused)
	}

	// Without the post, the file goes.
	if resp, body := srv.PostForm(t, "/micropub", tok, "action=delete&url="+url.QueryEscape(postURL)); resp.StatusCode >= 300 {
		t.Fatalf("delete post: %d %s", resp.StatusCode, body)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/admin/media"),
		chromedp.Click(chromedp.CSS(`.media-item form button`)),
		chromedp.WaitVisible(chromedp.ID("no-media")),
	); err != nil {
		t.Fatalf("delete a file no post uses: %v", err)
	}
	if resp, _ := srv.Get(t, fileURL, ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET %s after delete: %d, want 404", fileURL, resp.StatusCode)
	}
}

// TestSearchInBrowser: a visitor's search from the header's form finds a post by a word
// of it, and the search page keeps the query in its box.
func TestSearchInBrowser(t *testing.T) {
	ctx := browsertest.New(t)
	srv := servertest.New(t)
	tok := srv.IssueToken(t, "create")
	resp, body := srv.PostJSON(t, "/micropub", tok, map[string]any{"type": []string{"h-entry"},
		"properties": map[string]any{"content": []string{"Gulls over the breakwater"}}})
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusAccepted {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	found := resp.Header.Get("Location")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.SendKeys(chromedp.ID("site-search-q"), "breakwater\r"),
		chromedp.WaitVisible(chromedp.CSS(".h-feed .h-entry")),
	); err != nil {
		t.Fatalf("search: %v", err)
	}
	if got := run(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('.h-feed .h-entry a.u-uid')).map(a => a.href)`)); len(got) != 1 || got[0] != found {
		t.Errorf("search results %q, want [%s]", got, found)
	}
	if q := run(t, ctx, chromedp.Value(chromedp.ID("search-q"))); q != "breakwater" {
		t.Errorf("the search page's box holds %q, want the query", q)
	}
}

// run runs one chromedp action and returns its value.
func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
