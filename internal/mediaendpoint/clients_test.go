package mediaendpoint_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/fixture"

	"github.com/indiepub/indiepub/internal/servertest"
)

// placeholder matches the <<...>> stand-ins for binary content in the fixtures.
var placeholder = regexp.MustCompile(`<<[^>]*>>`)

// fixture reads a client's multipart body, puts content in place of its placeholders and
// returns the body with its Content-Type.
func clientBody(t testing.TB, name string, content []byte) ([]byte, string) {
	t.Helper()
	b := fixture.Read(t, name)
	boundary := strings.TrimPrefix(string(b[:bytes.IndexAny(b, "\r\n")]), "--")
	b = placeholder.ReplaceAllLiteral(b, content)
	return b, "multipart/form-data; boundary=" + boundary
}

func TestClientUploads(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, "create media")
	for i, name := range []string{"quill-media.multipart.txt", "sunlit-media.multipart.txt"} {
		t.Run(name, func(t *testing.T) {
			img := testImage(t, "jpeg", 40+i)
			body, ct := clientBody(t, name, img)
			resp, b := srv.Do(t, http.MethodPost, "/media", tok, ct, bytes.NewReader(body))
			if resp.StatusCode != http.StatusCreated || resp.Header.Get("Location") == "" {
				t.Fatalf("POST %s: %d %s, want 201 with Location", name, resp.StatusCode, b)
			}
			loc := resp.Header.Get("Location")
			if got, file := srv.Get(t, loc, ""); got.StatusCode != 200 || !bytes.Equal(file, img) {
				t.Errorf("GET %s: %d, want the uploaded JPEG", loc, got.StatusCode)
			}
		})
	}
}

// TestDisconnectMidUpload sends half a body over a raw connection and hangs up: the
// server must leave neither the file nor its temp file.
func TestDisconnectMidUpload(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, "media")
	img := append(testImage(t, "png", 8), bytes.Repeat([]byte{1, 2, 3, 4}, 1<<20)...)
	body, ct := multipartBody(t, filePart{"file", "big.png", "image/png", img})
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /media HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		srv.Listener.Addr(), tok, ct, len(body))
	if _, err := conn.Write(body[:len(body)/2]); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(srv.Cfg.DataDir, "media", ".tmp")
	waitFor(t, "a temp file while the upload is under way", func() bool {
		entries, _ := os.ReadDir(tmp)
		return len(entries) == 1
	})
	conn.Close()
	waitFor(t, "no file after the client hung up", func() bool { return len(mediaFiles(t, srv)) == 0 })
	// And the server still works.
	uploadOK(t, srv, tok, "small.png", "image/png", testImage(t, "png", 9))
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMicropubUploads checks that files sent to the Micropub endpoint land in the media
// store under the URL the media endpoint gives the same bytes, and that posts reference
// uploads by URL, alt text included, which keeps those uploads from being deleted.
func TestMicropubUploads(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, "create update delete media")

	// Quill without a media endpoint: the photo is a part of the Micropub request.
	img := testImage(t, "jpeg", 50)
	body, ct := clientBody(t, "quill-photo.multipart.txt", img)
	// Quill repeats the token in the body; it must be the same as the header's.
	body = bytes.Replace(body, []byte("q7Lm2Zs9Xv4Rk1Tw8Bn3Yc6Hd0Fj5Gp"), []byte(tok), 1)
	resp, b := srv.Do(t, http.MethodPost, "/micropub", tok, ct, bytes.NewReader(body))
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusAccepted {
		t.Fatalf("Micropub multipart photo: %d %s, want 201", resp.StatusCode, b)
	}
	postURL := resp.Header.Get("Location")
	direct := uploadOK(t, srv, tok, "IMG_4821.jpg", "image/jpeg", img)
	_, b = srv.Get(t, "/micropub?q=source&url="+postURL, tok)
	if !strings.Contains(string(b), direct) {
		t.Errorf("post %s: %s, want its photo at %s, the media endpoint's URL for the same bytes", postURL, b, direct)
	}
	if files := mediaFiles(t, srv); len(files) != 1 {
		t.Errorf("media folder: %q, want the one photo stored once", files)
	}

	// Quill with a media endpoint: upload first, then a JSON post with alt text.
	photo := uploadOK(t, srv, tok, "file", "image/png", testImage(t, "png", 51))
	resp, b = srv.PostJSON(t, "/micropub", tok, map[string]any{
		"type": []string{"h-entry"},
		"properties": map[string]any{
			"content": []string{"First tomatoes"},
			"photo":   []any{map[string]string{"value": photo, "alt": "Three red tomatoes on a plate"}},
		},
	})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("Micropub JSON post with photo and alt: %d %s, want 201", resp.StatusCode, b)
	}
	altPost := resp.Header.Get("Location")
	_, b = srv.Get(t, "/micropub?q=source&url="+altPost, tok)
	var src struct {
		Properties struct {
			Photo []struct{ Value, Alt string }
		}
	}
	if err := json.Unmarshal(b, &src); err != nil || len(src.Properties.Photo) != 1 ||
		src.Properties.Photo[0].Value != photo || src.Properties.Photo[0].Alt == "" {
		t.Errorf("q=source %s: %s, want photo %s with its alt text", altPost, b, photo)
	}

	// A live post keeps its photo; once deleted, the photo may go.
	resp, b = srv.PostForm(t, "/media", tok, "action=delete&url="+photo)
	var conflict struct{ Posts []string }
	json.Unmarshal(b, &conflict)
	if resp.StatusCode != http.StatusConflict || len(conflict.Posts) != 1 || conflict.Posts[0] != altPost ||
		!strings.Contains(string(b), altPost) {
		t.Errorf("delete of a photo in use: %d %s, want 409 naming %s", resp.StatusCode, b, altPost)
	}
	if resp, b := srv.PostForm(t, "/micropub", tok, "action=delete&url="+altPost); resp.StatusCode >= 300 {
		t.Fatalf("Micropub delete: %d %s", resp.StatusCode, b)
	}
	if resp, b := srv.PostForm(t, "/media", tok, "action=delete&url="+photo); resp.StatusCode != http.StatusNoContent {
		t.Errorf("delete of a photo whose post is deleted: %d %s, want 204", resp.StatusCode, b)
	}
}
