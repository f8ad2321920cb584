package git_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	gitstore "github.com/indiepub/indiepub/internal/contentstore/git"
	"github.com/indiepub/indiepub/internal/server"
)

// pngOf is a small PNG whose bytes depend on seed.
func pngOf(t testing.TB, seed uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 2, color.RGBA{R: seed, G: 7, B: 9, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// upload sends b to the media endpoint and returns the file's URL.
func (g *gitServer) upload(t testing.TB, b []byte) string {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "photo.png")
	fw.Write(b)
	mw.Close()
	resp, out := g.Do(t, http.MethodPost, "/media", g.token, mw.FormDataContentType(), &body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", resp.StatusCode, out)
	}
	return resp.Header.Get("Location")
}

// With Config.Media (--git-media) an uploaded file is committed under the preset's media
// folder, at its path in the media store, so that the built site serves it where
// indiepub does; a file deleted from the media library is removed from the repository.
// Without it nothing but posts is committed.
func TestMediaCommittedAndRemoved(t *testing.T) {
	for _, tt := range []struct{ preset, dir string }{{"hugo", "static/media/"}, {"jekyll", "media/"}} {
		t.Run(tt.preset, func(t *testing.T) {
			remote := bareRemote(t)
			g := newGitServer(t, tt.preset, remote, func(_ *server.Config, gc *gitstore.Config) { gc.Media = true })
			kept, gone := pngOf(t, 1), pngOf(t, 2)
			keptURL, goneURL := g.upload(t, kept), g.upload(t, gone)
			g.idle(t)
			keptFile, goneFile := tt.dir+mediaPath(t, keptURL), tt.dir+mediaPath(t, goneURL)
			if got := remoteFile(t, remote, keptFile); got != string(kept) {
				t.Fatalf("%s on the remote: %d bytes, want the upload's %d; the remote holds %v", keptFile, len(got), len(kept),
					remoteFiles(t, remote, "."))
			}
			if remoteFile(t, remote, goneFile) == "" {
				t.Fatalf("no %s on the remote", goneFile)
			}

			resp, body := g.PostForm(t, "/media", g.token, "action=delete&url="+url.QueryEscape(goneURL))
			if resp.StatusCode != http.StatusNoContent {
				t.Fatalf("delete %s: %d %s", goneURL, resp.StatusCode, body)
			}
			g.idle(t)
			if remoteFile(t, remote, goneFile) != "" {
				t.Errorf("%s is still on the remote after its delete", goneFile)
			}
			if remoteFile(t, remote, keptFile) != string(kept) {
				t.Errorf("%s went with another file's delete", keptFile)
			}
			log := run(t, remote, "log", "--format=%B", "main")
			base := goneFile[strings.LastIndex(goneFile, "/")+1:]
			if !strings.Contains(log, "upload media: "+base) || !strings.Contains(log, "delete media: "+base) {
				t.Errorf("no upload and delete commits of %s:\n%s", base, log)
			}
		})
	}

	t.Run("off", func(t *testing.T) {
		remote := bareRemote(t)
		g := newGitServer(t, "hugo", remote)
		g.upload(t, pngOf(t, 3))
		g.create(t, map[string]any{"content": []any{"after the upload"}, "mp-slug": []any{"after"}})
		g.idle(t)
		if files := remoteFiles(t, remote, "."); len(files) != 1 || files[0] != "content/notes/after.md" {
			t.Errorf("the remote holds %v, want the post only", files)
		}
	})
}

// mediaPath is the path of a media URL under /media/: its path in the media store.
func mediaPath(t testing.TB, u string) string {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := strings.CutPrefix(pu.Path, "/media/")
	if !ok {
		t.Fatalf("media URL %s not under /media/", u)
	}
	return p
}
