package mediaendpoint_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// testImage encodes a small picture whose bytes depend on seed.
func testImage(t testing.TB, format string, seed int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 24, 16))
	for i := range img.Pix {
		img.Pix[i] = byte(i*13 + seed*7)
	}
	var buf bytes.Buffer
	var err error
	if format == "jpeg" {
		err = jpeg.Encode(&buf, img, nil)
	} else {
		err = png.Encode(&buf, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// filePart is one part of a multipart body.
type filePart struct {
	name, filename, contentType string
	body                        []byte
}

// multipartBody encodes parts; it returns the body and its Content-Type.
func multipartBody(t testing.TB, parts ...filePart) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		cd := fmt.Sprintf(`form-data; name=%q`, p.name)
		if p.filename != "" {
			cd += fmt.Sprintf(`; filename=%q`, p.filename)
		}
		h.Set("Content-Disposition", cd)
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p.body)
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// upload posts one file part named "file" to /media.
func upload(t testing.TB, srv *servertest.Server, tok, filename, contentType string, body []byte) (*http.Response, []byte) {
	t.Helper()
	b, ct := multipartBody(t, filePart{"file", filename, contentType, body})
	return srv.Do(t, http.MethodPost, "/media", tok, ct, bytes.NewReader(b))
}

// uploadOK uploads and fails the test unless the answer is 201 with matching Location
// and JSON url; it returns the URL.
func uploadOK(t testing.TB, srv *servertest.Server, tok, filename, contentType string, body []byte) string {
	t.Helper()
	resp, b := upload(t, srv, tok, filename, contentType, body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload %s: %d %s, want 201", filename, resp.StatusCode, b)
	}
	var v struct{ URL string }
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("upload %s: body %s: %v", filename, b, err)
	}
	if loc := resp.Header.Get("Location"); loc == "" || loc != v.URL {
		t.Fatalf("upload %s: Location %q, JSON url %q: want the same URL", filename, loc, v.URL)
	}
	if !strings.HasPrefix(v.URL, srv.Cfg.URL+"media/") {
		t.Fatalf("upload %s: URL %s, want it under %smedia/", filename, v.URL, srv.Cfg.URL)
	}
	return v.URL
}

// mediaFiles lists the files in the media folder (temp files included), relative.
func mediaFiles(t testing.TB, srv *servertest.Server) []string {
	t.Helper()
	dir := filepath.Join(srv.Cfg.DataDir, "media")
	var list []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			list = append(list, filepath.ToSlash(rel))
		}
		return nil
	})
	return list
}

func wantError(t testing.TB, what string, resp *http.Response, body []byte, status int) {
	t.Helper()
	var v struct {
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	if resp.StatusCode != status || json.Unmarshal(body, &v) != nil || v.Error == "" || v.ErrorDescription == "" {
		t.Errorf("%s: %d %s, want %d with a JSON error", what, resp.StatusCode, body, status)
	}
}

func TestUploadAndServe(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, "media")
	img := testImage(t, "png", 1)
	url := uploadOK(t, srv, tok, "IMG_4821.png", "image/png", img)
	if !strings.HasSuffix(url, ".png") {
		t.Errorf("URL %s: want a .png extension", url)
	}
	resp, body := srv.Get(t, url, "")
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, img) {
		t.Fatalf("GET %s: %d, same bytes %v", url, resp.StatusCode, bytes.Equal(body, img))
	}
	hash := strings.TrimSuffix(filepath.Base(url), ".png")
	for k, want := range map[string]string{
		"Content-Type":            "image/png",
		"ETag":                    `"` + hash + `"`,
		"Cache-Control":           "public, max-age=31536000, immutable",
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
		"Accept-Ranges":           "bytes",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("GET %s: %s %q, want %q", url, k, got, want)
		}
	}
}

func TestDedupeAndSameName(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, "media")
	a, b := testImage(t, "jpeg", 1), testImage(t, "jpeg", 2)
	u1 := uploadOK(t, srv, tok, "photo.jpg", "image/jpeg", a)
	u2 := uploadOK(t, srv, tok, "other-name.jpg", "image/jpeg", a)
	if u1 != u2 {
		t.Errorf("same bytes under two names: %s and %s, want one URL", u1, u2)
	}
	u3 := uploadOK(t, srv, tok, "photo.jpg", "image/jpeg", b)
	if u3 == u1 {
		t.Errorf("different bytes under the same name: both %s, want two URLs", u1)
	}
	for url, want := range map[string][]byte{u1: a, u3: b} {
		if resp, body := srv.Get(t, url, ""); resp.StatusCode != 200 || !bytes.Equal(body, want) {
			t.Errorf("GET %s: %d, right bytes %v", url, resp.StatusCode, bytes.Equal(body, want))
		}
	}
	if files := mediaFiles(t, srv); len(files) != 2 {
		t.Errorf("media folder: %q, want two files", files)
	}
	_, body := srv.Get(t, "/media?q=source", tok)
	var list struct{ Items []map[string]any }
	json.Unmarshal(body, &list)
	if len(list.Items) != 2 {
		t.Errorf("q=source: %s, want two uploads", body)
	}
}

func TestConcurrentSameBytes(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, "media")
	img := append(testImage(t, "png", 5), make([]byte, 2<<20)...)
	const n = 8
	urls := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { urls[i] = uploadOK(t, srv, tok, fmt.Sprintf("copy-%d.png", i), "image/png", img) })
	}
	wg.Wait()
	for i := range n {
		if urls[i] != urls[0] {
			t.Errorf("upload %d: %s, want %s", i, urls[i], urls[0])
		}
	}
	if files := mediaFiles(t, srv); len(files) != 1 {
		t.Errorf("media folder: %q, want one file and no temp file", files)
	}
}

func TestUploadRefused(t *testing.T) {
	srv := servertest.New(t, func(c *server.Config) { c.MaxUpload = 64 << 10 })
	tok := srv.IssueToken(t, "media")
	big := append(testImage(t, "png", 1), make([]byte, 200<<10)...)
	html := []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script>")
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	tests := []struct {
		name   string
		parts  []filePart
		status int
	}{
		{"over the limit", []filePart{{"file", "big.png", "image/png", big}}, http.StatusRequestEntityTooLarge},
		{"empty file", []filePart{{"file", "empty.jpg", "image/jpeg", nil}}, http.StatusBadRequest},
		{"no file part", []filePart{{"photo", "a.png", "image/png", testImage(t, "png", 1)}}, http.StatusBadRequest},
		{"no parts", nil, http.StatusBadRequest},
		{"html", []filePart{{"file", "page.html", "text/html", html}}, http.StatusUnsupportedMediaType},
		{"html declared as jpeg", []filePart{{"file", "photo.jpg", "image/jpeg", html}}, http.StatusUnsupportedMediaType},
		{"html without a type", []filePart{{"file", "file", "", html}}, http.StatusUnsupportedMediaType},
		{"svg with script", []filePart{{"file", "x.svg", "image/svg+xml", svg}}, http.StatusUnsupportedMediaType},
		{"pdf declared as png", []filePart{{"file", "x.png", "image/png", []byte("%PDF-1.4\n%âãÏÓ\n")}}, http.StatusUnsupportedMediaType},
		{"zip", []filePart{{"file", "x.zip", "application/zip", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00")}}, http.StatusUnsupportedMediaType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, ct := multipartBody(t, tt.parts...)
			resp, body := srv.Do(t, http.MethodPost, "/media", tok, ct, bytes.NewReader(b))
			wantError(t, tt.name, resp, body, tt.status)
			if files := mediaFiles(t, srv); len(files) != 0 {
				t.Errorf("files left behind: %q", files)
			}
		})
	}
	t.Run("over the limit, chunked", func(t *testing.T) {
		b, ct := multipartBody(t, filePart{"file", "big.png", "image/png", big})
		// A reader of unknown length makes the client send a chunked body, so the limit
		// is met while streaming, not from Content-Length.
		resp, body := srv.Do(t, http.MethodPost, "/media", tok, ct, io.MultiReader(bytes.NewReader(b)))
		wantError(t, "chunked over-limit upload", resp, body, http.StatusRequestEntityTooLarge)
		if files := mediaFiles(t, srv); len(files) != 0 {
			t.Errorf("files left behind: %q", files)
		}
	})
	t.Run("not multipart", func(t *testing.T) {
		resp, body := srv.Do(t, http.MethodPost, "/media", tok, "image/png", bytes.NewReader(testImage(t, "png", 1)))
		wantError(t, "raw image body", resp, body, http.StatusBadRequest)
	})
}

func TestFilenamesIgnored(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, "media")
	for i, name := range []string{"../../etc/passwd", "file", "A52825AAB19B4C5AB14C14E27E20CE46",
		"..\\..\\indiepub.db", "x.html", ".tmp/upload-1", "/absolute.png", "1716900000000.jpg"} {
		img := testImage(t, "jpeg", 10+i)
		url := uploadOK(t, srv, tok, name, "image/jpeg", img)
		if !strings.HasSuffix(url, ".jpg") || strings.Contains(strings.TrimPrefix(url, srv.Cfg.URL), "..") {
			t.Errorf("filename %q: URL %s, want a .jpg content address", name, url)
		}
	}
	for _, f := range mediaFiles(t, srv) {
		if !strings.HasSuffix(f, ".jpg") || strings.Count(f, "/") != 2 {
			t.Errorf("media folder holds %q: want only ab/cd/<hash>.jpg files", f)
		}
	}
	if _, err := os.Stat(filepath.Join(srv.Cfg.DataDir, "etc")); err == nil {
		t.Errorf("a file name escaped the media folder")
	}
}

func TestServePDFAsAttachment(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, "media")
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\nendobj\n%%EOF\n")
	url := uploadOK(t, srv, tok, "paper.pdf", "application/pdf", pdf)
	resp, body := srv.Get(t, url, "")
	if resp.StatusCode != 200 || !bytes.Equal(body, pdf) || resp.Header.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("GET %s: %d %q %q, want the PDF as an attachment", url, resp.StatusCode,
			resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
}

func TestServeRangeAndETag(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, "media")
	img := testImage(t, "png", 3)
	url := uploadOK(t, srv, tok, "a.png", "image/png", img)

	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Range", "bytes=10-29")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, img[10:30]) ||
		resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 10-29/%d", len(img)) {
		t.Errorf("Range bytes=10-29: %d %q, %d bytes, want 206 with bytes 10-29", resp.StatusCode,
			resp.Header.Get("Content-Range"), len(body))
	}

	etag := resp.Header.Get("ETag")
	req, _ = http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("If-None-Match", etag)
	resp, err = srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match %s: %d, want 304", etag, resp.StatusCode)
	}

	req, _ = http.NewRequest(http.MethodHead, url, nil)
	resp, err = srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength != int64(len(img)) {
		t.Errorf("HEAD: %d, length %d, want 200 and %d", resp.StatusCode, resp.ContentLength, len(img))
	}
}

func TestServeNoTraversal(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, "media")
	url := uploadOK(t, srv, tok, "a.png", "image/png", testImage(t, "png", 4))
	path := strings.TrimPrefix(url, srv.URL)
	for _, p := range []string{
		"/media/../indiepub.db", "/media/%2e%2e/indiepub.db", "/media/..%2findiepub.db",
		"/media/.tmp/", "/media/" + strings.Repeat("../", 5) + "etc/passwd",
		path + "/", path + "%00", strings.TrimSuffix(path, ".png") + ".html",
		strings.TrimSuffix(path, ".png"), "/media/ab/cd/",
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
		req.URL.RawPath, req.URL.Path = p, p // sent as written, not cleaned by the client
		req.URL.Opaque = p
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && resp.Header.Get("Content-Type") != "text/html; charset=utf-8" ||
			bytes.Contains(body, []byte("SQLite format")) || bytes.Contains(body, []byte("root:")) {
			t.Errorf("GET %s: %d %s, want no file", p, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}

func TestAuth(t *testing.T) {
	srv := servertest.New(t)
	img := testImage(t, "png", 6)
	resp, body := upload(t, srv, "", "a.png", "image/png", img)
	wantError(t, "upload without a token", resp, body, http.StatusUnauthorized)
	resp, body = upload(t, srv, srv.IssueToken(t, "update"), "a.png", "image/png", img)
	wantError(t, "upload with scope update", resp, body, http.StatusForbidden)
	resp, body = upload(t, srv, "not-a-token", "a.png", "image/png", img)
	wantError(t, "upload with an unknown token", resp, body, http.StatusForbidden)
	uploadOK(t, srv, srv.IssueToken(t, "create"), "a.png", "image/png", img) // older clients ask for create only
	resp, body = srv.Get(t, "/media?q=last", "")
	wantError(t, "q=last without a token", resp, body, http.StatusUnauthorized)
	if files := mediaFiles(t, srv); len(files) != 1 {
		t.Errorf("media folder: %q, want the one authorised upload", files)
	}
}

type item struct {
	URL, Type, Published string
	Size                 int64
}

func TestQueries(t *testing.T) {
	now := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	srv := servertest.New(t, func(c *server.Config) {
		c.Now = func() time.Time { now = now.Add(time.Minute); return now }
	})
	tok := srv.IssueToken(t, "media")
	resp, body := srv.Get(t, "/media?q=last", tok)
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "{}" {
		t.Errorf("q=last with no uploads: %d %s, want 200 {}", resp.StatusCode, body)
	}
	var urls []string
	for i := range 3 {
		urls = append(urls, uploadOK(t, srv, tok, "p.png", "image/png", testImage(t, "png", 20+i)))
	}
	var last item
	_, body = srv.Get(t, "/media?q=last", tok)
	if json.Unmarshal(body, &last); last.URL != urls[2] || last.Type != "image/png" {
		t.Errorf("q=last: %s, want %s", body, urls[2])
	}
	if ts, err := time.Parse(time.RFC3339, last.Published); err != nil || !ts.After(time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("q=last published %q: want RFC 3339 from the server clock (%v)", last.Published, err)
	}

	// Quill's "last photo": q=source&limit=1, items[0].url and items[0].published.
	var list struct{ Items []item }
	_, body = srv.Get(t, "/media?q=source&limit=1", tok)
	if json.Unmarshal(body, &list); len(list.Items) != 1 || list.Items[0].URL != urls[2] || list.Items[0].Published == "" {
		t.Errorf("q=source&limit=1: %s, want the newest upload", body)
	}
	list.Items = nil
	_, body = srv.Get(t, "/media?q=source&limit=2&offset=1", tok)
	if json.Unmarshal(body, &list); len(list.Items) != 2 || list.Items[0].URL != urls[1] || list.Items[1].URL != urls[0] {
		t.Errorf("q=source&limit=2&offset=1: %s, want the two older uploads, newest first", body)
	}
	var one item
	_, body = srv.Get(t, "/media?q=source&url="+urls[0], tok)
	if json.Unmarshal(body, &one); one.URL != urls[0] || one.Size <= 0 {
		t.Errorf("q=source&url=: %s, want %s with its size", body, urls[0])
	}
	// Uploading the same bytes again makes them the latest upload.
	uploadOK(t, srv, tok, "again.png", "image/png", testImage(t, "png", 20))
	_, body = srv.Get(t, "/media?q=last", tok)
	if json.Unmarshal(body, &last); last.URL != urls[0] {
		t.Errorf("q=last after re-uploading the first file: %s, want %s", body, urls[0])
	}
	for _, q := range []string{"/media", "/media?q=nope", "/media?q=source&limit=x", "/media?q=source&url=" + srv.URL + "/media/00/00/none.png"} {
		resp, body := srv.Get(t, q, tok)
		wantError(t, "GET "+q, resp, body, http.StatusBadRequest)
	}
}

func TestDelete(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, "media delete")
	url := uploadOK(t, srv, tok, "a.png", "image/png", testImage(t, "png", 7))
	resp, body := srv.PostForm(t, "/media", srv.IssueToken(t, "media"), "action=delete&url="+url)
	wantError(t, "delete without the delete scope", resp, body, http.StatusForbidden)
	resp, body = srv.PostForm(t, "/media", tok, "action=delete")
	wantError(t, "delete without url", resp, body, http.StatusBadRequest)
	resp, body = srv.PostForm(t, "/media", tok, "action=delete&url="+url+"x")
	wantError(t, "delete of an unknown URL", resp, body, http.StatusBadRequest)
	resp, body = srv.PostForm(t, "/media", tok, "action=explode&url="+url)
	wantError(t, "unknown action", resp, body, http.StatusBadRequest)

	resp, body = srv.PostForm(t, "/media", tok, "action=delete&url="+url)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d %s, want 204", resp.StatusCode, body)
	}
	if resp, _ := srv.Get(t, url, ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET after delete: %d, want 404", resp.StatusCode)
	}
	if files := mediaFiles(t, srv); len(files) != 0 {
		t.Errorf("media folder after delete: %q", files)
	}
	_, body = srv.Get(t, "/media?q=source", tok)
	if strings.Contains(string(body), url) {
		t.Errorf("q=source after delete: %s still lists %s", body, url)
	}
}

// TestDeleteWhileUploading races deletes of a file against uploads of the same bytes: at
// the end the file is listed exactly when it is served, never recorded without its bytes.
func TestDeleteWhileUploading(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, "media delete")
	img := testImage(t, "png", 60)
	url := uploadOK(t, srv, tok, "a.png", "image/png", img)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if resp, b := upload(t, srv, tok, "a.png", "image/png", img); resp.StatusCode != http.StatusCreated {
				t.Errorf("upload: %d %s", resp.StatusCode, b)
			}
		})
		wg.Go(func() {
			resp, b := srv.PostForm(t, "/media", tok, "action=delete&url="+url)
			if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusBadRequest {
				t.Errorf("delete: %d %s, want 204 or 400 (already gone)", resp.StatusCode, b)
			}
		})
	}
	wg.Wait()
	listed, _ := srv.Get(t, "/media?q=source&url="+url, tok)
	served, _ := srv.Get(t, url, "")
	if (listed.StatusCode == http.StatusOK) != (served.StatusCode == http.StatusOK) {
		t.Errorf("after the race: q=source %d, GET %d: want both found or both gone", listed.StatusCode, served.StatusCode)
	}
	if tmp, _ := os.ReadDir(filepath.Join(srv.Cfg.DataDir, "media", ".tmp")); len(tmp) != 0 {
		t.Errorf("%d temp files left", len(tmp))
	}
}

// TestStartupSweepsTempFiles starts a server on a data directory where an earlier process
// died mid-upload: its temp file is gone once the server is up, and uploads work.
func TestStartupSweepsTempFiles(t *testing.T) {
	var stale string
	srv := servertest.New(t, func(c *server.Config) {
		tmp := filepath.Join(c.DataDir, "media", ".tmp")
		if err := os.MkdirAll(tmp, 0o755); err != nil {
			t.Fatal(err)
		}
		stale = filepath.Join(tmp, "upload-4242")
		if err := os.WriteFile(stale, []byte("half of a photo"), 0o600); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temp file after startup: %v, want it removed", err)
	}
	uploadOK(t, srv, srv.IssueToken(t, "media"), "a.png", "image/png", testImage(t, "png", 70))
}

// TestChunkedUpload sends the body without a length, as streaming clients do.
func TestChunkedUpload(t *testing.T) {
	srv := servertest.New(t)
	img := testImage(t, "jpeg", 71)
	b, ct := multipartBody(t, filePart{"mp-destination", "", "", []byte("https://example.com/")},
		filePart{"file", "IMG.jpg", "image/jpeg", img})
	resp, body := srv.Do(t, http.MethodPost, "/media", srv.IssueToken(t, "media"), ct, io.MultiReader(bytes.NewReader(b)))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("chunked upload: %d %s, want 201", resp.StatusCode, body)
	}
	if got, file := srv.Get(t, resp.Header.Get("Location"), ""); got.StatusCode != 200 || !bytes.Equal(file, img) {
		t.Errorf("GET %s: %d, want the uploaded bytes", resp.Header.Get("Location"), got.StatusCode)
	}
}
