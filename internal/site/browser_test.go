package site_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/indiepub/indiepub/internal/browsertest"
	"github.com/indiepub/indiepub/internal/site"
)

// photoServer stands in for the media host: it serves large PNG photos, so the pages are
// judged with real images in them.
func photoServer(t *testing.T) *httptest.Server {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 1600, 1000))
	for y := 0; y < 1000; y++ {
		for x := 0; x < 1600; x++ {
			img.Set(x, y, color.RGBA{uint8(200 - y/8), uint8(90 + x/16), 60, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(buf.Bytes())
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestPagesInBrowser renders the home page and a photo post in headless Chromium at a
// phone and a desktop width: nothing may overflow sideways, every image needs alt text
// and the owner's h-card and the photos must be visible. Screenshots go to
// $INDIEPUB_SCREENSHOT_DIR when set, else to the test's temporary directory.
func TestPagesInBrowser(t *testing.T) {
	ctx := browsertest.New(t)
	photos := photoServer(t)
	ts := newSite(t, func(c *site.Config) { c.Photo = photos.URL + "/jane.png" })
	base := time.Date(2024, 5, 4, 9, 0, 0, 0, time.UTC)
	ts.createPost(t, item(t, readFixture(t, "quill-editor.json")), set("post-status", "published"), at(base))
	// The fixtures' pictures come from the local photo server instead of example.com.
	local := strings.NewReplacer("https://photos.example.com", photos.URL, "https://images.example.com", photos.URL)
	ts.createPost(t, item(t, local.Replace(readFixture(t, "ownyourswarm-checkin.json"))), at(base.Add(time.Hour)))
	ts.createPost(t, item(t, local.Replace(readFixture(t, "sparkles-watch.json"))), at(base.Add(2*time.Hour)))
	ts.createPost(t, note("A long link that must wrap on a phone: https://example.com/a/very/long/path/that/goes/on/and/on/without/any/spaces/at/all/to/break/it"), at(base.Add(3*time.Hour)))
	gallery := ts.createPost(t, map[string]any{"type": []any{"h-entry"}, "properties": map[string]any{
		"content":  []any{"Sunset from the east bank, three ways."},
		"category": []any{"photo", "Portland"},
		"photo": []any{
			map[string]any{"value": photos.URL + "/1.png", "alt": "Orange sky over the river"},
			map[string]any{"value": photos.URL + "/2.png", "alt": "The bridge in silhouette"},
			map[string]any{"value": photos.URL + "/3.png", "alt": "Gulls on the rail"},
		}}}, at(base.Add(4*time.Hour)))

	dir := os.Getenv("INDIEPUB_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	pages := []struct{ name, url, visible string }{
		{"home", ts.Cfg.URL, ".h-card.owner"},
		{"photo", gallery.URL, ".h-entry .u-photo"},
	}
	for _, pg := range pages {
		for _, width := range []int64{390, 1280} {
			t.Run(fmt.Sprintf("%s-%d", pg.name, width), func(t *testing.T) {
				if err := chromedp.Do(ctx,
					chromedp.EmulateViewport(width, 844),
					chromedp.Navigate(pg.url),
					chromedp.WaitVisible(chromedp.CSS("main")),
				); err != nil {
					t.Fatal(err)
				}
				// Load lazy images too: the screenshot shows the whole page.
				eval[bool](t, ctx, `(() => { document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager'); return true; })()`)
				if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`Array.from(document.images).every(i => i.complete)`,
					chromedp.WithPollingTimeout(10*time.Second))); err != nil {
					t.Fatalf("images did not load: %v", err)
				}
				scrollWidth := eval[int64](t, ctx, `document.documentElement.scrollWidth`)
				innerWidth := eval[int64](t, ctx, `window.innerWidth`)
				missingAlt := eval[[]string](t, ctx, `Array.from(document.images).filter(i => !i.hasAttribute('alt')).map(i => i.src)`)
				visible := eval[bool](t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false;
					const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
					return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none' &&
						r.left >= 0 && r.right <= window.innerWidth && e.naturalWidth !== 0; })()`, pg.visible))
				shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatal(err)
				}
				if innerWidth != width {
					t.Errorf("viewport %d, want %d", innerWidth, width)
				}
				if scrollWidth > width {
					t.Errorf("page is %dpx wide in a %dpx viewport: it scrolls sideways", scrollWidth, width)
				}
				if len(missingAlt) > 0 {
					t.Errorf("images without alt: %q", missingAlt)
				}
				if !visible {
					t.Errorf("%s is not visible within the viewport", pg.visible)
				}
				name := filepath.Join(dir, fmt.Sprintf("%s-%d.png", pg.name, width))
				if err := os.WriteFile(name, shot, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("screenshot %s", name)
			})
		}
	}
}

// eval runs a JavaScript expression in the page and returns its value.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}
