package server_test

import (
	"bytes"
	"encoding/json"
	"image/color"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/servertest"
)

// TestStudioScriptRoutes covers over HTTP what the studio's script calls: the script
// itself (owner's only, the exact URL the pages' policy names), the live preview (the
// server's rendering of an article's Markdown, JSON) and an upload answered with the
// file's URL as JSON, which then serves the file.
func TestStudioScriptRoutes(t *testing.T) {
	s := servertest.New(t)
	owner := s.OwnerClient(t)
	csrf, _ := studioCSRF(t, s, owner, "/admin/write")

	resp, err := owner.Get(s.URL + "/admin/write")
	if err != nil {
		t.Fatal(err)
	}
	page := readBody(t, resp)
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src "+s.URL+"/admin/studio.js;") || !strings.Contains(page, `<script src="/admin/studio.js" defer></script>`) {
		t.Errorf("write page: policy %q, want script-src naming the studio's script, and the page loading it", csp)
	}
	if strings.Count(page, "<script") != 1 {
		t.Errorf("write page has %d scripts, want the one file", strings.Count(page, "<script"))
	}
	resp, err = owner.Get(s.URL + "/admin/studio.js")
	if err != nil {
		t.Fatal(err)
	}
	js := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") ||
		!strings.Contains(js, "XMLHttpRequest") {
		t.Errorf("GET /admin/studio.js: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	form := url.Values{"csrf": {csrf}, "kind": {"article"}, "name": {"Tides"}, "content": {"The *moon* pulls <script>x</script>"}}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/admin/preview", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err = owner.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ HTML string }
	body := readBody(t, resp)
	if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(got.HTML, "<em>moon</em>") || strings.Contains(got.HTML, "<script") {
		t.Errorf("preview of Markdown: %q, want the article's rendering, sanitized", got.HTML)
	}

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", csrf)
	fw, _ := mw.CreateFormFile("file", "red.png")
	fw.Write(tinyPNG(t, color.RGBA{R: 255, A: 255}))
	mw.Close()
	req, _ = http.NewRequest(http.MethodPost, s.URL+"/admin/media/upload", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	resp, err = owner.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var up struct{ URL string }
	body = readBody(t, resp)
	if err := json.Unmarshal([]byte(body), &up); err != nil || resp.StatusCode != http.StatusCreated || !strings.HasPrefix(up.URL, s.Cfg.URL+"media/") {
		t.Fatalf("upload for the script: %d %s, want 201 with the file's URL", resp.StatusCode, body)
	}
	if resp, _ := s.Get(t, up.URL, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %d", up.URL, resp.StatusCode)
	}
}
