package micropub_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/servertest"
)

// TestMicropubRocks runs the requests of the micropub.rocks server suite
// (https://micropub.rocks/, aaronpk/micropub.rocks views/server-tests/*.php), one subtest
// per test number, and checks what each test checks plus what got stored.
func TestMicropubRocks(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, allScopes)

	createForm := func(t *testing.T, form string) (string, mf2) {
		t.Helper()
		resp, body := srv.PostForm(t, "/micropub", tok, form)
		loc := wantCreated(t, srv, resp, body)
		return loc, source(t, srv, tok, loc)
	}
	createJSON := func(t *testing.T, js string) (string, mf2) {
		t.Helper()
		resp, body := srv.PostJSON(t, "/micropub", tok, js)
		loc := wantCreated(t, srv, resp, body)
		return loc, source(t, srv, tok, loc)
	}

	// Creating posts, form-encoded.
	t.Run("100", func(t *testing.T) {
		_, m := createForm(t, "h=entry&content=Hello+World")
		wantProp(t, m, "content", `["Hello World"]`)
		if len(m.Type) != 1 || m.Type[0] != "h-entry" {
			t.Errorf("type %v, want [h-entry]", m.Type)
		}
	})
	t.Run("101", func(t *testing.T) {
		_, m := createForm(t, "h=entry&content=Hello+World&category%5B%5D=foo&category%5B%5D=bar")
		wantProp(t, m, "category", `["foo","bar"]`)
	})
	t.Run("104", func(t *testing.T) {
		_, m := createForm(t, "h=entry&content=Hello+World&photo=https%3A%2F%2Fmicropub.rocks%2Fmedia%2Fsunset.jpg")
		wantProp(t, m, "photo", `["https://micropub.rocks/media/sunset.jpg"]`)
	})
	t.Run("107", func(t *testing.T) {
		_, m := createForm(t, "h=entry&content=Hello+World&category=foo")
		wantProp(t, m, "category", `["foo"]`)
	})

	// Creating posts, JSON.
	t.Run("200", func(t *testing.T) {
		_, m := createJSON(t, `{"type":["h-entry"],"properties":{"content":["Hello World"]}}`)
		wantProp(t, m, "content", `["Hello World"]`)
	})
	t.Run("201", func(t *testing.T) {
		_, m := createJSON(t, `{"type":["h-entry"],"properties":{"content":["Hello World"],"category":["foo","bar"]}}`)
		wantProp(t, m, "category", `["foo","bar"]`)
	})
	t.Run("202", func(t *testing.T) {
		_, m := createJSON(t, `{"type":["h-entry"],"properties":{"content":[{"html":"<p>This post has <b>bold</b> and <i>italic</i> text.</p>"}]}}`)
		wantProp(t, m, "content", `[{"html":"<p>This post has <b>bold</b> and <i>italic</i> text.</p>"}]`)
	})
	t.Run("203", func(t *testing.T) {
		_, m := createJSON(t, `{"type":["h-entry"],"properties":{"content":["Hello"],"photo":["https://micropub.rocks/media/sunset.jpg"]}}`)
		wantProp(t, m, "photo", `["https://micropub.rocks/media/sunset.jpg"]`)
	})
	t.Run("204", func(t *testing.T) {
		_, m := createJSON(t, `{"type":["h-entry"],"properties":{"summary":["Weighed 70.64 kg"],"x-weight":[{"type":["h-measure"],"properties":{"num":["70.64"],"unit":["kg"]}}]}}`)
		wantProp(t, m, "x-weight", `[{"type":["h-measure"],"properties":{"num":["70.64"],"unit":["kg"]}}]`)
	})
	t.Run("205", func(t *testing.T) {
		_, m := createJSON(t, `{"type":["h-entry"],"properties":{"content":["Hello"],"photo":[{"value":"https://micropub.rocks/media/sunset.jpg","alt":"Photo of a sunset"}]}}`)
		wantProp(t, m, "photo", `[{"value":"https://micropub.rocks/media/sunset.jpg","alt":"Photo of a sunset"}]`)
	})
	t.Run("206", func(t *testing.T) {
		_, m := createJSON(t, `{"type":["h-entry"],"properties":{"content":["Hello"],"photo":["https://micropub.rocks/media/sunset.jpg","https://micropub.rocks/media/city-at-night.jpg"]}}`)
		wantProp(t, m, "photo", `["https://micropub.rocks/media/sunset.jpg","https://micropub.rocks/media/city-at-night.jpg"]`)
	})

	// Multipart.
	multipartPost := func(t *testing.T, photos ...[]byte) mf2 {
		t.Helper()
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("h", "entry")
		mw.WriteField("content", "Nice sunset tonight")
		for i, p := range photos {
			field := "photo"
			if len(photos) > 1 {
				field = "photo[]"
			}
			hdr := textproto.MIMEHeader{}
			hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename="p%d.jpg"`, field, i))
			hdr.Set("Content-Type", "image/jpeg")
			pw, _ := mw.CreatePart(hdr)
			pw.Write(p)
		}
		mw.Close()
		resp, body := srv.Do(t, http.MethodPost, "/micropub", tok, mw.FormDataContentType(), &buf)
		loc := wantCreated(t, srv, resp, body)
		m := source(t, srv, tok, loc)
		if got := len(m.Properties["photo"]); got != len(photos) {
			t.Fatalf("%d photos stored, want %d: %v", got, len(photos), m.Properties)
		}
		for i, p := range photos {
			u, _ := m.Properties["photo"][i].(string)
			if got := mediaFile(t, srv, u); !bytes.Equal(got, p) {
				t.Errorf("photo %d: stored %d bytes, want the %d uploaded", i, len(got), len(p))
			}
		}
		return m
	}
	t.Run("300", func(t *testing.T) { multipartPost(t, tinyJPEG(t)) })
	t.Run("301", func(t *testing.T) {
		second := append(tinyJPEG(t), 0) // different bytes, so a different stored file
		multipartPost(t, tinyJPEG(t), second)
	})

	// Updates.
	update := func(t *testing.T, js string) {
		t.Helper()
		resp, body := srv.PostJSON(t, "/micropub", tok, js)
		if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
			t.Fatalf("update: status %d, want 200, 201 or 204; body %s", resp.StatusCode, body)
		}
	}
	t.Run("400", func(t *testing.T) {
		loc, _ := createJSON(t, `{"type":["h-entry"],"properties":{"content":["Micropub update test."]}}`)
		update(t, `{"action":"update","url":"`+loc+`","replace":{"content":["This is the updated text. If you can see this you passed the test!"]}}`)
		wantProp(t, source(t, srv, tok, loc), "content", `["This is the updated text. If you can see this you passed the test!"]`)
	})
	t.Run("401", func(t *testing.T) {
		loc, _ := createJSON(t, `{"type":["h-entry"],"properties":{"content":["Micropub update test for adding a category."],"category":["test1"]}}`)
		update(t, `{"action":"update","url":"`+loc+`","add":{"category":["test2"]}}`)
		wantProp(t, source(t, srv, tok, loc), "category", `["test1","test2"]`)
	})
	t.Run("402", func(t *testing.T) {
		loc, _ := createJSON(t, `{"type":["h-entry"],"properties":{"content":["Micropub update test for adding a category."]}}`)
		update(t, `{"action":"update","url":"`+loc+`","add":{"category":["test1"]}}`)
		wantProp(t, source(t, srv, tok, loc), "category", `["test1"]`)
	})
	t.Run("403", func(t *testing.T) {
		loc, _ := createJSON(t, `{"type":["h-entry"],"properties":{"content":["Micropub update test for removing a category."],"category":["test1","test2"]}}`)
		update(t, `{"action":"update","url":"`+loc+`","delete":{"category":["test2"]}}`)
		wantProp(t, source(t, srv, tok, loc), "category", `["test1"]`)
	})
	t.Run("404", func(t *testing.T) {
		loc, _ := createJSON(t, `{"type":["h-entry"],"properties":{"content":["Micropub update test for removing a property."],"category":["test1","test2"]}}`)
		update(t, `{"action":"update","url":"`+loc+`","delete":["category"]}`)
		wantNoProp(t, source(t, srv, tok, loc), "category")
	})
	t.Run("405", func(t *testing.T) {
		loc, _ := createJSON(t, `{"type":["h-entry"],"properties":{"content":["Micropub update test #405."]}}`)
		resp, body := srv.PostJSON(t, "/micropub", tok, `{"action":"update","url":"`+loc+`","replace":"This is not a valid update request."}`)
		wantError(t, resp, body, http.StatusBadRequest, "invalid_request")
		wantProp(t, source(t, srv, tok, loc), "content", `["Micropub update test #405."]`)
	})

	// Deletes.
	deleted := func(t *testing.T, loc string) bool {
		t.Helper()
		resp, _ := srv.Get(t, "/micropub?q=source&url="+url.QueryEscape(loc), tok)
		return resp.StatusCode != http.StatusOK
	}
	act := func(t *testing.T, asJSON bool, action, loc string) {
		t.Helper()
		var resp *http.Response
		var body []byte
		if asJSON {
			resp, body = srv.PostJSON(t, "/micropub", tok, map[string]string{"action": action, "url": loc})
		} else {
			resp, body = srv.PostForm(t, "/micropub", tok, "action="+action+"&url="+url.QueryEscape(loc))
		}
		if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d, want 200 or 204; body %s", action, resp.StatusCode, body)
		}
	}
	for _, tc := range []struct {
		num    string
		asJSON bool
	}{{"500", false}, {"501", true}} {
		t.Run(tc.num, func(t *testing.T) {
			loc, _ := createForm(t, "h=entry&content=This+post+will+be+deleted")
			act(t, tc.asJSON, "delete", loc)
			if !deleted(t, loc) {
				t.Errorf("q=source still shows %s after delete", loc)
			}
		})
	}
	for _, tc := range []struct {
		num    string
		asJSON bool
	}{{"502", false}, {"503", true}} {
		t.Run(tc.num, func(t *testing.T) {
			loc, _ := createForm(t, "h=entry&content=This+post+will+be+deleted+and+undeleted")
			act(t, tc.asJSON, "delete", loc)
			act(t, tc.asJSON, "undelete", loc)
			if deleted(t, loc) {
				t.Fatalf("%s is still deleted after undelete", loc)
			}
			wantProp(t, source(t, srv, tok, loc), "content", `["This post will be deleted and undeleted"]`)
		})
	}

	// Queries.
	t.Run("600", func(t *testing.T) {
		c := getJSON(t, srv, tok, "/micropub?q=config")
		if c["media-endpoint"] != srv.Cfg.URL+"media" {
			t.Errorf("media-endpoint %v, want %smedia", c["media-endpoint"], srv.Cfg.URL)
		}
		for _, k := range []string{"syndicate-to", "post-types", "q"} {
			if _, ok := c[k].([]any); !ok {
				t.Errorf("q=config %s = %v, want a list", k, c[k])
			}
		}
	})
	t.Run("601", func(t *testing.T) {
		c := getJSON(t, srv, tok, "/micropub?q=syndicate-to")
		if _, ok := c["syndicate-to"].([]any); !ok {
			t.Errorf("q=syndicate-to: %v, want a syndicate-to list", c)
		}
	})
	t.Run("602", func(t *testing.T) {
		loc, _ := createJSON(t, `{"type":["h-entry"],"properties":{"content":["Test of querying the endpoint for the source content"],"category":["micropub","test"]}}`)
		m := source(t, srv, tok, loc)
		if len(m.Type) != 1 || m.Type[0] != "h-entry" {
			t.Errorf("type %v, want [h-entry]", m.Type)
		}
		wantProp(t, m, "content", `["Test of querying the endpoint for the source content"]`)
		wantProp(t, m, "category", `["micropub","test"]`)
	})
	t.Run("603", func(t *testing.T) {
		loc, _ := createJSON(t, `{"type":["h-entry"],"properties":{"content":["Test of querying the endpoint for the source content"],"category":["micropub","test"]}}`)
		m := source(t, srv, tok, loc, "properties[]=content")
		wantProp(t, m, "content", `["Test of querying the endpoint for the source content"]`)
		if len(m.Properties) != 1 {
			t.Errorf("properties %v, want only content", m.Properties)
		}
		m = source(t, srv, tok, loc, "properties[]=content", "properties[]=category")
		if len(m.Properties) != 2 || m.Properties["category"] == nil {
			t.Errorf("properties %v, want content and category", m.Properties)
		}
	})

	// Authentication.
	t.Run("800", func(t *testing.T) {
		resp, body := srv.Do(t, http.MethodPost, "/micropub", tok, "application/x-www-form-urlencoded",
			strings.NewReader("h=entry&content=Testing+accepting+access+token+in+HTTP+Authorization+header"))
		wantCreated(t, srv, resp, body)
	})
	t.Run("801", func(t *testing.T) {
		resp, body := srv.PostForm(t, "/micropub", "", "h=entry&content=Testing+accepting+access+token+in+post+body&access_token="+tok)
		wantCreated(t, srv, resp, body)
	})
	t.Run("802", func(t *testing.T) {
		resp, body := srv.PostForm(t, "/micropub", "", "h=entry&content=Testing+access+token+not+stored&access_token="+tok)
		loc := wantCreated(t, srv, resp, body)
		wantNoProp(t, source(t, srv, tok, loc), "access_token")
	})
	t.Run("803", func(t *testing.T) {
		before := countPosts(t, srv, tok)
		resp, body := srv.PostForm(t, "/micropub", "", "h=entry&content=Testing+unauthenticated+request.+This+should+not+create+a+post")
		wantError(t, resp, body, http.StatusUnauthorized, "unauthorized")
		if after := countPosts(t, srv, tok); after != before {
			t.Errorf("%d posts after a refused create, want %d", after, before)
		}
	})
	t.Run("804", func(t *testing.T) {
		weak := srv.IssueToken(t, "update")
		resp, body := srv.PostForm(t, "/micropub", weak, "h=entry&content=Testing+a+request+with+an+unauthorized+access+token.+This+should+not+create+a+post")
		e := wantError(t, resp, body, http.StatusForbidden, "insufficient_scope")
		if e["scope"] != "create" {
			t.Errorf("scope %v in the error, want create", e["scope"])
		}
	})
	t.Run("805", func(t *testing.T) {
		other := srv.IssueToken(t, allScopes)
		before := countPosts(t, srv, tok)
		resp, body := srv.PostForm(t, "/micropub", tok, "h=entry&content=Testing+accepting+access+token+in+HTTP+Authorization+header+and+POST+body.+This+should+not+create+a+post&access_token="+other)
		wantError(t, resp, body, http.StatusBadRequest, "invalid_request")
		if after := countPosts(t, srv, tok); after != before {
			t.Errorf("%d posts after two different tokens, want %d", after, before)
		}
		// The same token twice is what Quill sends; it is accepted.
		resp, body = srv.PostForm(t, "/micropub", tok, "h=entry&content=Same+token+twice&access_token="+tok)
		wantCreated(t, srv, resp, body)
	})
}
