package webmention_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/webmention"
)

// pngPhoto is a small real PNG, different for each seed.
func pngPhoto(t testing.TB, seed uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = seed + uint8(i)
	}
	img.Set(0, 0, color.RGBA{seed, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// replyBy is a source page replying to target, by an author with a photo at photo.
func replyBy(name, photo, self string) page {
	return page{http.StatusOK, "text/html", `<!doctype html><html><body><article class="h-entry">
		<a class="p-author h-card" href="{{base}}/"><img class="u-photo" src="` + photo + `" alt=""> ` + name + `</a>
		<p>In reply to <a class="u-in-reply-to" href="{{target}}">a note</a></p>
		<div class="e-content">Reply from ` + name + `</div>
		<a class="u-url" href="{{base}}` + self + `">link</a></article></body></html>`}
}

// avatars returns the src of every avatar <img> in a page.
var avatarRE = regexp.MustCompile(`<img class="u-photo avatar" src="([^"]*)"`)

func avatars(page string) []string {
	var out []string
	for _, m := range avatarRE.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

// mediaFiles counts the files in the data directory's media store.
func mediaFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	root := filepath.Join(dir, "media")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".tmp" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAuthorPhotos: a webmention's author photo is fetched once, at verification, kept in
// the site's media store and shown from there (the page's <img src> is on the site, its
// bytes the photo's); an oversized photo, one that is not an image and one that is not
// there leave the reply shown without a photo and nothing stored.
func TestAuthorPhotos(t *testing.T) {
	rv := newReceiving(t, func(c *server.Config) { c.WebmentionModeration = webmention.ModerateAll })
	postURL := rv.createPost(t, "h=entry&content=hello")
	src := newSources(t, postURL)
	photo := pngPhoto(t, 7)
	src.set("/good.png", page{http.StatusOK, "image/png", string(photo)})
	big := append(pngPhoto(t, 9), make([]byte, webmention.DefaultMaxPhoto)...)
	src.set("/big.png", page{http.StatusOK, "image/png", string(big)})
	src.set("/page.png", page{http.StatusOK, "image/png", "<!doctype html><html><body>not an image</body></html>"})
	src.set("/r1", replyBy("Good Photo", "{{base}}/good.png", "/r1"))
	src.set("/r2", replyBy("Big Photo", "{{base}}/big.png", "/r2"))
	src.set("/r3", replyBy("Html Photo", "{{base}}/page.png", "/r3"))
	src.set("/r4", replyBy("Gone Photo", "{{base}}/missing.png", "/r4"))
	for _, p := range []string{"/r1", "/r2", "/r3", "/r4"} {
		rv.accept(t, src.URL+p, postURL)
	}

	page := get(t, postURL)
	for _, name := range []string{"Good Photo", "Big Photo", "Html Photo", "Gone Photo"} {
		if !strings.Contains(page, "Reply from "+name) {
			t.Errorf("the reply by %s is not shown", name)
		}
	}
	srcs := avatars(page)
	if len(srcs) != 1 {
		t.Fatalf("avatars on the page: %q, want the one good photo", srcs)
	}
	if !strings.HasPrefix(srcs[0], rv.Cfg.URL+"media/") {
		t.Errorf("the author's photo is at %s, want the site's media URL %smedia/…", srcs[0], rv.Cfg.URL)
	}
	if strings.Contains(page, src.URL+"/good.png") || strings.Contains(page, `src="`+src.URL) {
		t.Errorf("the page names or loads the photo from the author's site")
	}
	resp, body := rv.Get(t, srcs[0], "")
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, photo) {
		t.Errorf("GET %s: %d, %d bytes, want the photo's %d bytes", srcs[0], resp.StatusCode, len(body), len(photo))
	}
	if n := mediaFiles(t, rv.Cfg.DataDir); n != 1 {
		t.Errorf("%d files in the media store, want only the good photo", n)
	}
}

// TestReplyContextAuthorPhoto: a reply context's author keeps her name, url and photo as
// an h-card, the photo kept in the site's media store, and the post's page shows it from
// there.
func TestReplyContextAuthorPhoto(t *testing.T) {
	rv := newReceiving(t)
	src := newSources(t, "https://elsewhere.example/")
	photo := pngPhoto(t, 42)
	src.set("/face.png", page{http.StatusOK, "image/png", string(photo)})
	src.set("/entry", page{http.StatusOK, "text/html", `<html><body><article class="h-entry">
		<h1 class="p-name">A fine article</h1>
		<span class="p-author h-card"><img class="u-photo" src="{{base}}/face.png" alt=""><a class="p-name u-url" href="{{base}}/">Frank Author</a></span>
		<p class="p-summary">What it says.</p></article></body></html>`})
	tok := rv.IssueToken(t, "create")
	liked := src.URL + "/entry"
	resp, _ := rv.PostForm(t, "/micropub", tok, "h=entry&like-of="+url.QueryEscape(liked))
	postURL := resp.Header.Get("Location")
	rv.changed(t, postURL, "create")
	if errs := rv.runJobs(t); len(errs) != 0 {
		t.Fatalf("jobs: %v", errs)
	}
	_, body := rv.Get(t, "/micropub?q=source&properties[]=like-of&url="+url.QueryEscape(postURL), tok)
	var item struct {
		Properties struct {
			LikeOf []struct {
				Properties struct {
					Author []struct {
						Type       []string            `json:"type"`
						Properties map[string][]string `json:"properties"`
					} `json:"author"`
				} `json:"properties"`
			} `json:"like-of"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(body, &item); err != nil || len(item.Properties.LikeOf) != 1 || len(item.Properties.LikeOf[0].Properties.Author) != 1 {
		t.Fatalf("q=source: %s (%v)", body, err)
	}
	author := item.Properties.LikeOf[0].Properties.Author[0]
	kept := first(author.Properties["photo"])
	if author.Type[0] != "h-card" || first(author.Properties["name"]) != "Frank Author" ||
		first(author.Properties["url"]) != src.URL+"/" || !strings.HasPrefix(kept, rv.Cfg.URL+"media/") {
		t.Errorf("the context's author %+v, want an h-card of Frank Author, %s/, a photo under %smedia/", author, src.URL, rv.Cfg.URL)
	}
	page := get(t, postURL)
	if srcs := avatars(page); len(srcs) != 1 || srcs[0] != kept {
		t.Errorf("avatars on the post's page %q, want [%s]", srcs, kept)
	}
	if strings.Contains(page, src.URL+"/face.png") {
		t.Errorf("the page names the photo on the author's site")
	}
	if resp, b := rv.Get(t, kept, ""); resp.StatusCode != http.StatusOK || !bytes.Equal(b, photo) {
		t.Errorf("GET %s: %d, %d bytes, want the photo", kept, resp.StatusCode, len(b))
	}
}
