package micropub_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// TestBadInput sends broken and hostile requests: each gets a 4xx JSON error, and none
// leaves a post behind.
func TestBadInput(t *testing.T) {
	srv := servertest.New(t, func(c *server.Config) { c.MaxBody = 4096; c.MaxUpload = 8192 })
	tok := srv.IssueToken(t, allScopes)
	resp, body := srv.PostForm(t, "/micropub", tok, "h=entry&content=existing")
	existing := wantCreated(t, srv, resp, body)
	boundary := "XyZ"
	mp := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
	big := strings.Repeat("a", 5000)
	bigImg := append(tinyJPEG(t), bytes.Repeat([]byte{0}, 9000)...)
	midImg := append(tinyJPEG(t), bytes.Repeat([]byte{0}, 2000)...) // past the 512 sniffed
	// jpegN is the nth of several distinct JPEGs: each refused request below sends bytes
	// of its own, so that no earlier one's leftovers hide its own.
	jpegN := func(n int) []byte { return append(tinyJPEG(t), bytes.Repeat([]byte{0}, 600+n)...) }
	// Bytes uploaded before the refused requests, which must keep their file and record
	// when a refused request sends them again.
	resp, body = srv.Do(t, http.MethodPost, "/media", tok, "multipart/form-data; boundary=XyZ", strings.NewReader(
		mp("--XyZ\nContent-Disposition: form-data; name=\"file\"; filename=\"p.png\"\nContent-Type: image/png\n\n")+string(tinyPNG(t))+"\r\n--XyZ--\r\n"))
	wantStatus(t, resp, body, 201)
	// photoThen is a post whose photo part, stored as it arrives, is followed by rest.
	photoThen := func(img []byte, ct, rest string) string {
		return mp("--XyZ\nContent-Disposition: form-data; name=\"h\"\n\nentry\n--XyZ\nContent-Disposition: form-data; name=\"photo\"; filename=\"a\"\nContent-Type: "+ct+"\n\n") + string(img) + mp("\n--XyZ\n"+rest)
	}
	// A 1x1 PNG, as in quill-editor.json, 21 times: the 21st is refused after 20 are saved.
	embedded := strings.Repeat(`<img src=\"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\">`, 21)
	// fileNamed is a post whose photo comes in a file part called name.
	fileNamed := func(name string) string {
		return mp("--XyZ\nContent-Disposition: form-data; name=\"h\"\n\nentry\n--XyZ\nContent-Disposition: form-data; name=\"content\"\n\nhi\n--XyZ\nContent-Disposition: form-data; name=\""+name+"\"; filename=\"a.jpg\"\nContent-Type: image/jpeg\n\n") + string(tinyJPEG(t)) + "\r\n--XyZ--\r\n"
	}

	tests := []struct {
		name, contentType, body string
		status                  int
	}{
		{"malformed JSON", "application/json", `{"type":["h-entry"],"properties":{"content":["x"]`, 400},
		{"JSON array", "application/json", `[1,2,3]`, 400},
		{"JSON null", "application/json", `null`, 400},
		{"two JSON values", "application/json", `{"type":"h-entry"} {"type":"h-entry"}`, 400},
		{"properties not an object", "application/json", `{"type":["h-entry"],"properties":["content"]}`, 400},
		{"type not a string", "application/json", `{"type":[7],"properties":{"content":["x"]}}`, 400},
		{"no properties", "application/json", `{"type":["h-entry"],"properties":{}}`, 400},
		{"type not an mf2 name", "application/json", `{"type":["<script>"],"properties":{"content":["x"]}}`, 400},
		{"type with a space", "application/json", `{"type":["h-entry h-card"],"properties":{"content":["x"]}}`, 400},
		{"form type not an mf2 name", "application/x-www-form-urlencoded", `h=%3Cscript%3E&content=x`, 400},
		{"form field of brackets only", "application/x-www-form-urlencoded", `h=entry&content=x&%5B%5D=y`, 400},
		{"multipart field of brackets only", "multipart/form-data; boundary=" + boundary, mp("--XyZ\nContent-Disposition: form-data; name=\"content\"\n\nx\n--XyZ\nContent-Disposition: form-data; name=\"[]\"\n\ny\n--XyZ--\n"), 400},
		{"file part named mp-slug", "multipart/form-data; boundary=" + boundary, fileNamed("mp-slug"), 400},
		{"file part named mp-photo-alt[]", "multipart/form-data; boundary=" + boundary, fileNamed("mp-photo-alt[]"), 400},
		{"file part named access_token", "multipart/form-data; boundary=" + boundary, fileNamed("access_token"), 400},
		{"file part named h", "multipart/form-data; boundary=" + boundary, fileNamed("h"), 400},
		{"file part named action", "multipart/form-data; boundary=" + boundary, fileNamed("action"), 400},
		{"file part named url", "multipart/form-data; boundary=" + boundary, fileNamed("url"), 400},
		{"photo, then a bad post-status", "multipart/form-data; boundary=" + boundary, photoThen(jpegN(1), "image/jpeg", "Content-Disposition: form-data; name=\"post-status\"\n\nsecret\n--XyZ--\n"), 400},
		{"photo, then a file part named mp-slug", "multipart/form-data; boundary=" + boundary, photoThen(jpegN(2), "image/jpeg", "Content-Disposition: form-data; name=\"mp-slug\"; filename=\"a.jpg\"\nContent-Type: image/jpeg\n\n") + string(jpegN(0)) + "\r\n--XyZ--\r\n", 400},
		{"photo, then a broken part", "multipart/form-data; boundary=" + boundary, photoThen(jpegN(3), "image/jpeg", "Content-Disp"), 400},
		{"photo with a delete", "multipart/form-data; boundary=" + boundary, photoThen(jpegN(4), "image/jpeg", "Content-Disposition: form-data; name=\"action\"\n\ndelete\n--XyZ\nContent-Disposition: form-data; name=\"url\"\n\n"+existing+"\n--XyZ--\n"), 400},
		{"uploaded photo again, then a bad post-status", "multipart/form-data; boundary=" + boundary, photoThen(tinyPNG(t), "image/png", "Content-Disposition: form-data; name=\"post-status\"\n\nsecret\n--XyZ--\n"), 400},
		{"more than 20 embedded images", "application/json", `{"type":["h-entry"],"properties":{"content":[{"html":"` + embedded + `"}]}}`, 400},
		{"empty form", "application/x-www-form-urlencoded", ``, 400},
		{"invalid post-status", "application/x-www-form-urlencoded", `h=entry&content=x&post-status=secret`, 400},
		{"invalid visibility", "application/json", `{"type":["h-entry"],"properties":{"content":["x"],"visibility":["everyone"]}}`, 400},
		{"unparseable published", "application/x-www-form-urlencoded", `h=entry&content=x&published=yesterday`, 400},
		{"unknown action", "application/json", `{"action":"publish","url":"` + existing + `"}`, 400},
		{"unknown form action", "application/x-www-form-urlencoded", `action=explode&url=` + url.QueryEscape(existing), 400},
		{"action not a string", "application/json", `{"action":["delete"],"url":"` + existing + `"}`, 400},
		{"delete without url", "application/json", `{"action":"delete"}`, 400},
		{"update without url", "application/json", `{"action":"update","replace":{"content":["x"]}}`, 400},
		{"update someone else's URL", "application/json", `{"action":"update","url":"https://elsewhere.example/notes/1","replace":{"content":["x"]}}`, 400},
		{"update unknown post", "application/json", `{"action":"update","url":"` + srv.Cfg.URL + `notes/1999/01/nope","replace":{"content":["x"]}}`, 400},
		{"update with nothing", "application/json", `{"action":"update","url":"` + existing + `"}`, 400},
		{"update by form", "application/x-www-form-urlencoded", `action=update&url=` + url.QueryEscape(existing) + `&replace[content]=x`, 400},
		{"update replace a list", "application/json", `{"action":"update","url":"` + existing + `","replace":["content"]}`, 400},
		{"update add a string", "application/json", `{"action":"update","url":"` + existing + `","add":"x"}`, 400},
		{"update delete a number", "application/json", `{"action":"update","url":"` + existing + `","delete":5}`, 400},
		{"update empty name", "application/json", `{"action":"update","url":"` + existing + `","replace":{"":["x"]}}`, 400},
		{"update the type", "application/json", `{"action":"update","url":"` + existing + `","replace":{"type":["h-event"]}}`, 400},
		{"update to bad post-status", "application/json", `{"action":"update","url":"` + existing + `","replace":{"post-status":["maybe"]}}`, 400},
		{"form body over the limit", "application/x-www-form-urlencoded", "h=entry&content=" + big, 413},
		{"JSON body over the limit", "application/json", `{"type":["h-entry"],"properties":{"content":["` + big + `"]}}`, 413},
		{"unsupported content type", "text/plain", "hello", 415},
		{"malformed content type", "multipart/form-data; boundary=", "x", 400},
		{"multipart without boundary", "multipart/form-data", "x", 400},
		{"broken multipart", "multipart/form-data; boundary=" + boundary, mp("--XyZ\nContent-Disposition: form-data; name=\"h\"\n\nentry\n--XyZ\nContent-Disp"), 400},
		{"multipart without end", "multipart/form-data; boundary=" + boundary, mp("--XyZ\nContent-Disposition: form-data; name=\"content\"\n\nhello"), 400},
		{"multipart text over the limit", "multipart/form-data; boundary=" + boundary, mp("--XyZ\nContent-Disposition: form-data; name=\"content\"\n\n" + big + "\n--XyZ--\n"), 413},
		{"multipart file over the limit", "multipart/form-data; boundary=" + boundary, mp("--XyZ\nContent-Disposition: form-data; name=\"h\"\n\nentry\n--XyZ\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\nContent-Type: image/jpeg\n\n") + string(bigImg) + "\r\n--XyZ--\r\n", 413},
		{"multipart HTML as photo", "multipart/form-data; boundary=" + boundary, mp("--XyZ\nContent-Disposition: form-data; name=\"h\"\n\nentry\n--XyZ\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\nContent-Type: image/jpeg\n\n<html><script>alert(1)</script></html>\n--XyZ--\n"), 400},
		{"multipart empty file", "multipart/form-data; boundary=" + boundary, mp("--XyZ\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\nContent-Type: image/jpeg\n\n\n--XyZ--\n"), 400},
	}
	refused := func(t *testing.T, contentType string, body io.Reader, status int) {
		t.Helper()
		before, media := countPosts(t, srv, tok), mediaState(t, srv, tok)
		resp, b := srv.Do(t, http.MethodPost, "/micropub", tok, contentType, body)
		wantError(t, resp, b, status, "invalid_request")
		if after := countPosts(t, srv, tok); after != before {
			t.Errorf("%d posts after a refused request, want %d", after, before)
		}
		if after := mediaState(t, srv, tok); after != media {
			t.Errorf("media after a refused request:\n%s\nwant\n%s", after, media)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refused(t, tt.contentType, strings.NewReader(tt.body), tt.status)
		})
	}
	// Sent chunked, without Content-Length, as a streaming client does: the request ends
	// cleanly and only the multipart body inside it is cut short.
	chunked := []struct {
		name, contentType, body string
		status                  int
	}{
		{"file part without end", "multipart/form-data; boundary=" + boundary, mp("--XyZ\nContent-Disposition: form-data; name=\"h\"\n\nentry\n--XyZ\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\nContent-Type: image/jpeg\n\n") + string(midImg), 400},
		{"bare file without end", "multipart/form-data; boundary=" + boundary, mp("--XyZ\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\nContent-Type: image/jpeg\n\n") + string(midImg), 400},
	}
	for _, tt := range chunked {
		t.Run(tt.name, func(t *testing.T) {
			refused(t, tt.contentType, struct{ io.Reader }{strings.NewReader(tt.body)}, tt.status)
		})
	}
	wantProp(t, source(t, srv, tok, existing), "content", `["existing"]`)

	t.Run("unknown query", func(t *testing.T) {
		resp, body := srv.Get(t, "/micropub?q=everything", tok)
		wantError(t, resp, body, 400, "invalid_request")
	})
	t.Run("source of someone else's URL", func(t *testing.T) {
		resp, body := srv.Get(t, "/micropub?q=source&url="+url.QueryEscape("https://elsewhere.example/x"), tok)
		wantError(t, resp, body, 400, "invalid_request")
	})
	t.Run("source of an unknown post", func(t *testing.T) {
		resp, body := srv.Get(t, "/micropub?q=source&url="+url.QueryEscape(srv.Cfg.URL+"notes/1999/01/nope"), tok)
		wantError(t, resp, body, 400, "invalid_request")
	})
	for _, q := range []string{"limit=0", "limit=x", "offset=-1", "post-status=secret", "after=%21%21"} {
		t.Run("list "+q, func(t *testing.T) {
			resp, body := srv.Get(t, "/micropub?q=source&"+q, tok)
			wantError(t, resp, body, 400, "invalid_request")
		})
	}
	t.Run("PUT", func(t *testing.T) {
		resp, body := srv.Do(t, http.MethodPut, "/micropub", tok, "application/json", strings.NewReader(`{}`))
		wantError(t, resp, body, 405, "invalid_request")
	})
	t.Run("photo post with only the media scope", func(t *testing.T) {
		media := mediaState(t, srv, tok)
		resp, b := srv.Do(t, http.MethodPost, "/micropub", srv.IssueToken(t, "media"), "multipart/form-data; boundary=XyZ",
			strings.NewReader(photoThen(jpegN(5), "image/jpeg", "Content-Disposition: form-data; name=\"content\"\n\nhi\n--XyZ--\n")))
		wantError(t, resp, b, 403, "insufficient_scope")
		if after := mediaState(t, srv, tok); after != media {
			t.Errorf("media after a refused request:\n%s\nwant\n%s", after, media)
		}
	})
	t.Run("two different tokens in multipart", func(t *testing.T) {
		other := srv.IssueToken(t, allScopes)
		before := countPosts(t, srv, tok)
		body := mp("--XyZ\nContent-Disposition: form-data; name=\"h\"\n\nentry\n--XyZ\nContent-Disposition: form-data; name=\"access_token\"\n\n" + other + "\n--XyZ\nContent-Disposition: form-data; name=\"content\"\n\nhi\n--XyZ--\n")
		resp, b := srv.Do(t, http.MethodPost, "/micropub", tok, "multipart/form-data; boundary=XyZ", strings.NewReader(body))
		wantError(t, resp, b, 400, "invalid_request")
		if after := countPosts(t, srv, tok); after != before {
			t.Errorf("%d posts, want %d", after, before)
		}
	})
}
