package admin_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/media/mediatest"
	"github.com/indiepub/indiepub/internal/servertest"
)

var (
	csrfRE    = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	fileURLRE = regexp.MustCompile(`readonly value="([^"]+)"`)
)

// library fetches a page of the media library as the owner and returns its body and
// the CSRF token of its forms.
func library(t testing.TB, c *http.Client, srv *servertest.Server, query string) (string, string) {
	t.Helper()
	resp, err := c.Get(srv.URL + "/admin/media" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/media%s: %d\n%s", query, resp.StatusCode, body)
	}
	m := csrfRE.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on the library page")
	}
	return string(body), string(m[1])
}

// uploadForm posts a multipart form with its fields in the order given (name, value;
// a name "file" is the file part).
func uploadForm(t testing.TB, c *http.Client, srv *servertest.Server, file []byte, fields ...string) *http.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i] == "file" {
			fw, _ := mw.CreateFormFile("file", fields[i+1])
			fw.Write(file)
			continue
		}
		mw.WriteField(fields[i], fields[i+1])
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/admin/media/upload", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "text/html")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func postForm(t *testing.T, c *http.Client, srv *servertest.Server, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestMediaLibrary uploads through the library's form, sees the file with its type, size,
// date and the posts that use it, is refused its deletion while a post uses it, and
// deletes it once none does.
func TestMediaLibrary(t *testing.T) {
	srv := servertest.New(t)
	c := srv.OwnerClient(t)
	page, csrf := library(t, c, srv, "")
	if !strings.Contains(page, `id="no-media"`) || !strings.Contains(page, `enctype="multipart/form-data"`) {
		t.Fatalf("empty library: no empty note or no upload form\n%s", page)
	}
	png := mediatest.Image(t, "png", 1)
	resp := uploadForm(t, c, srv, png, "csrf", csrf, "file", "one.png")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d, want 303", resp.StatusCode)
	}
	page, _ = library(t, c, srv, "?"+strings.SplitN(resp.Header.Get("Location"), "?", 2)[1])
	m := fileURLRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no file URL on the library page\n%s", page)
	}
	fileURL := m[1]
	for _, want := range []string{`id="done"`, "image/png", " B<", "no post", `<img src="` + fileURL + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("library after an upload lacks %q\n%s", want, page)
		}
	}
	if resp, body := srv.Get(t, fileURL, ""); resp.StatusCode != http.StatusOK || !bytes.Equal(body, png) {
		t.Errorf("GET %s: %d, the bytes uploaded: %v", fileURL, resp.StatusCode, bytes.Equal(body, png))
	}

	// A post uses the file: the library names it, and deleting is refused (409) with it listed.
	tok := srv.IssueToken(t, "create delete")
	resp, body := srv.PostJSON(t, "/micropub", tok, map[string]any{"type": []string{"h-entry"},
		"properties": map[string]any{"content": []string{"a photo"}, "photo": []string{fileURL}}})
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusAccepted {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	postURL := resp.Header.Get("Location")
	page, _ = library(t, c, srv, "")
	if !strings.Contains(page, `<a href="`+postURL+`">`) {
		t.Errorf("library does not name the post using the file %s", postURL)
	}
	resp, refused := postForm(t, c, srv, "/admin/media/delete", url.Values{"csrf": {csrf}, "url": {fileURL}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(refused, `id="refused"`) || !strings.Contains(refused, postURL) {
		t.Errorf("delete of a file in use: %d, want 409 naming %s\n%s", resp.StatusCode, postURL, refused)
	}
	if resp, _ := srv.Get(t, fileURL, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("file in use after a refused delete: %d, want 200", resp.StatusCode)
	}

	// Without the post, the file goes.
	if resp, body := srv.PostForm(t, "/micropub", tok, "action=delete&url="+url.QueryEscape(postURL)); resp.StatusCode >= 300 {
		t.Fatalf("delete post: %d %s", resp.StatusCode, body)
	}
	resp, _ = postForm(t, c, srv, "/admin/media/delete", url.Values{"csrf": {csrf}, "url": {fileURL}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete of a file no post uses: %d, want 303", resp.StatusCode)
	}
	if resp, _ := srv.Get(t, fileURL, ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET %s after delete: %d, want 404", fileURL, resp.StatusCode)
	}
	if page, _ := library(t, c, srv, ""); !strings.Contains(page, `id="no-media"`) {
		t.Errorf("library after delete still lists files")
	}
}

// TestMediaUploadRefusals: the CSRF token must come before the file, and a file the
// media service refuses gets its status; nothing is stored.
func TestMediaUploadRefusals(t *testing.T) {
	srv := servertest.New(t)
	c := srv.OwnerClient(t)
	_, csrf := library(t, c, srv, "")
	png := mediatest.Image(t, "png", 2)
	tests := []struct {
		name   string
		file   []byte
		fields []string
		want   int
	}{
		{"no token", png, []string{"file", "a.png"}, http.StatusForbidden},
		{"wrong token", png, []string{"csrf", "nope", "file", "a.png"}, http.StatusForbidden},
		{"token after the file", png, []string{"file", "a.png", "csrf", csrf}, http.StatusForbidden},
		{"no file", nil, []string{"csrf", csrf}, http.StatusBadRequest},
		{"not a media type", []byte("#!/bin/sh\necho hi\n"), []string{"csrf", csrf, "file", "a.sh"}, http.StatusUnsupportedMediaType},
		{"empty", []byte{}, []string{"csrf", csrf, "file", "a.png"}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		if resp := uploadForm(t, c, srv, tt.file, tt.fields...); resp.StatusCode != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
	}
	if page, _ := library(t, c, srv, ""); !strings.Contains(page, `id="no-media"`) {
		t.Errorf("a refused upload left a file in the library")
	}
}

// TestMediaLibraryPaging: 24 files a page, newest first, with links both ways; a page
// that is not a number is a 400.
func TestMediaLibraryPaging(t *testing.T) {
	srv := servertest.New(t)
	c := srv.OwnerClient(t)
	_, csrf := library(t, c, srv, "")
	for i := range 26 {
		if resp := uploadForm(t, c, srv, mediatest.Image(t, "png", 100+i), "csrf", csrf, "file", "f.png"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload %d: %d", i, resp.StatusCode)
		}
	}
	first, _ := library(t, c, srv, "")
	second, _ := library(t, c, srv, "?page=2")
	if n := len(fileURLRE.FindAllString(first, -1)); n != 24 || !strings.Contains(first, `href="/admin/media?page=2" rel="next"`) {
		t.Errorf("first page: %d files, want 24 and a link to page 2", n)
	}
	if n := len(fileURLRE.FindAllString(second, -1)); n != 2 || !strings.Contains(second, `href="/admin/media?page=1" rel="prev"`) {
		t.Errorf("second page: %d files, want 2 and a link to page 1", n)
	}
	for _, bad := range []string{"x", "0", "-3"} {
		resp, err := c.Get(srv.URL + "/admin/media?page=" + bad)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("page=%s: %d, want 400", bad, resp.StatusCode)
		}
	}
}
