package micropub_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/servertest"
)

// TestClientFixtures sends every Micropub request body recorded from real clients in
// testdata/clients/ (read from disk, bytes as the client writes them) and checks the
// answer the client reads (INDEX.md) and what was stored.
func TestClientFixtures(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, allScopes)

	form := func(t *testing.T, name string) mf2 {
		t.Helper()
		resp, body := srv.PostForm(t, "/micropub", tok, withToken(readFixture(t, name), tok))
		return source(t, srv, tok, wantCreated(t, srv, resp, body))
	}
	jsonCT := func(t *testing.T, name, contentType string) (string, mf2) {
		t.Helper()
		resp, body := srv.Do(t, http.MethodPost, "/micropub", tok, contentType, strings.NewReader(withToken(readFixture(t, name), tok)))
		loc := wantCreated(t, srv, resp, body)
		return loc, source(t, srv, tok, loc)
	}
	js := func(t *testing.T, name string) (string, mf2) {
		t.Helper()
		return jsonCT(t, name, "application/json")
	}

	t.Run("quill-note.form", func(t *testing.T) {
		m := form(t, "quill-note.form")
		wantProp(t, m, "content", `["Trying the new espresso bar on Alder St. Worth the wait ☕"]`)
		wantProp(t, m, "category", `["coffee","portland"]`)
		wantProp(t, m, "location", `["geo:45.52213,-122.68148;u=35"]`)
		wantNoProp(t, m, "access_token", "mp-syndicate-to", "mp-slug")
	})
	t.Run("quill-note.form slug", func(t *testing.T) {
		// The same body again: the mp-slug is taken, so the post gets -2.
		resp, body := srv.PostForm(t, "/micropub", tok, withToken(readFixture(t, "quill-note.form"), tok))
		loc := wantCreated(t, srv, resp, body)
		if !strings.HasSuffix(loc, "/espresso-on-alder-2") {
			t.Errorf("Location %s, want …/espresso-on-alder-2", loc)
		}
	})
	t.Run("quill-bookmark.form", func(t *testing.T) {
		m := form(t, "quill-bookmark.form")
		wantProp(t, m, "bookmark-of", `["https://blog.example.com/2024/05/on-owning-your-words"]`)
		wantProp(t, m, "name", `["On owning your words"]`)
		wantProp(t, m, "category", `["indieweb"]`)
	})
	t.Run("quill-like.form", func(t *testing.T) {
		m := form(t, "quill-like.form")
		wantProp(t, m, "like-of", `["https://friend.example.com/notes/2024/05/03/new-bike"]`)
	})
	t.Run("quill-repost.form", func(t *testing.T) {
		m := form(t, "quill-repost.form")
		wantProp(t, m, "repost-of", `["https://friend.example.com/2024/05/02/meetup-recap"]`)
	})
	t.Run("quill-note-alt.json", func(t *testing.T) {
		loc, m := js(t, "quill-note-alt.json")
		wantProp(t, m, "photo", `[{"value":"https://example.com/media/2024/05/3f9a1c7e.jpg","alt":"Orange sky over the river, seen from the café terrace"}]`)
		wantNoProp(t, m, "mp-slug", "mp-syndicate-to")
		if !strings.HasSuffix(loc, "/east-bank-sunset") {
			t.Errorf("Location %s, want the mp-slug east-bank-sunset", loc)
		}
	})
	t.Run("quill-editor.json", func(t *testing.T) {
		_, m := js(t, "quill-editor.json")
		c, _ := m.Properties["content"][0].(map[string]any)
		html, _ := c["html"].(string)
		if strings.Contains(html, "data:") || !strings.Contains(html, `<img src="`+srv.Cfg.URL+"media/") {
			t.Fatalf("content html %q: the data: image should be replaced by a media URL", html)
		}
		src := html[strings.Index(html, `<img src="`)+len(`<img src="`):]
		src = src[:strings.IndexByte(src, '"')]
		if got := mediaFile(t, srv, src); !bytes.HasPrefix(got, []byte("\x89PNG")) {
			t.Errorf("stored embedded image is not the PNG sent: % x", got[:min(8, len(got))])
		}
		wantProp(t, m, "post-status", `["draft"]`)
		wantProp(t, m, "published", `["2024-05-06T09:00:00-07:00"]`)
	})
	t.Run("quill-event.json", func(t *testing.T) {
		_, m := js(t, "quill-event.json")
		if m.Type[0] != "h-event" {
			t.Errorf("type %v, want h-event", m.Type)
		}
		wantProp(t, m, "content", `["Bring a laptop; we'll help you set up Micropub."]`)
		wantProp(t, m, "start", `["2024-06-12T18:30-07:00"]`)
		loc, _ := m.Properties["location"][0].(map[string]any)
		if loc["type"] == nil || loc["properties"].(map[string]any)["latitude"].([]any)[0] != 45.5191 {
			t.Errorf("location %v, want the nested h-card with its numeric latitude", loc)
		}
	})
	t.Run("quill-itinerary.json", func(t *testing.T) {
		_, m := js(t, "quill-itinerary.json")
		if len(m.Properties["itinerary"]) != 2 {
			t.Errorf("itinerary %v, want two h-leg objects", m.Properties["itinerary"])
		}
	})
	var likeURL string
	t.Run("quill-like-update.json", func(t *testing.T) {
		resp, body := srv.PostForm(t, "/micropub", tok, withToken(readFixture(t, "quill-like.form"), tok))
		likeURL = wantCreated(t, srv, resp, body)
		before := source(t, srv, tok, likeURL, "properties=like-of")
		if len(before.Type) == 0 || len(before.Properties) != 1 {
			t.Fatalf("q=source&properties=like-of: %+v, want type and only like-of", before)
		}
		upd := strings.ReplaceAll(readFixture(t, "quill-like-update.json"), `https:\/\/example.com\/likes\/2024\/05\/04\/1`, likeURL)
		resp, body = srv.PostJSON(t, "/micropub", tok, upd)
		wantStatus(t, resp, body, http.StatusNoContent)
		wantProp(t, source(t, srv, tok, likeURL), "like-of", `["https://friend.example.com/notes/2024/05/03/new-bike-v2"]`)
	})
	t.Run("ownyourswarm-checkin.json", func(t *testing.T) {
		_, m := js(t, "ownyourswarm-checkin.json")
		c, _ := m.Properties["category"][1].(map[string]any)
		if c["value"] != "https://sam.example.com/" {
			t.Errorf("person tag %v, want the h-card kept", m.Properties["category"])
		}
		wantProp(t, m, "published", `["2024-05-04T09:12:44-07:00"]`)
		if len(m.Properties["checkin"]) != 1 || len(m.Properties["location"]) != 1 {
			t.Errorf("checkin/location not kept: %v", m.Properties)
		}
		list := getJSON(t, srv, tok, "/micropub?q=source&post-type=checkin")
		if len(list["items"].([]any)) != 1 {
			t.Errorf("q=source&post-type=checkin: %v, want the checkin", list)
		}
	})
	t.Run("ownyourswarm-update.json", func(t *testing.T) {
		loc, _ := js(t, "ownyourswarm-checkin.json")
		upd := strings.ReplaceAll(readFixture(t, "ownyourswarm-update.json"), `https:\/\/example.com\/2024\/05\/04\/1\/`, loc)
		resp, body := srv.PostJSON(t, "/micropub", tok, upd)
		wantStatus(t, resp, body, http.StatusNoContent)
		wantProp(t, source(t, srv, tok, loc), "photo", `["https://photos.example.com/img/general/original/59164_Qm3vX9aLp0Zr.jpg","https://photos.example.com/img/general/original/59164_Wd8cT2kN7yHs.jpg"]`)
	})
	var micropublishURL string
	t.Run("micropublish-note.json", func(t *testing.T) {
		loc, m := jsonCT(t, "micropublish-note.json", "application/json; charset=utf-8")
		micropublishURL = loc
		wantProp(t, m, "visibility", `["unlisted"]`)
		wantProp(t, m, "post-status", `["published"]`)
		// quill-note.form took espresso-on-alder and -2 already.
		if !strings.HasSuffix(loc, "/espresso-on-alder-3") {
			t.Errorf("Location %s, want mp-slug espresso-on-alder, third of its name", loc)
		}
	})
	t.Run("micropublish-update.json", func(t *testing.T) {
		if micropublishURL == "" {
			t.Skip("needs the micropublish-note.json post")
		}
		src := source(t, srv, tok, micropublishURL, "properties[]=content", "properties[]=category")
		if len(src.Properties) != 2 {
			t.Errorf("q=source&properties[]=…: %v, want content and category", src.Properties)
		}
		upd := strings.ReplaceAll(readFixture(t, "micropublish-update.json"), "https://example.com/notes/2024/05/04/espresso-on-alder", micropublishURL)
		resp, body := srv.Do(t, http.MethodPost, "/micropub", tok, "application/json; charset=utf-8", strings.NewReader(upd))
		wantStatus(t, resp, body, http.StatusNoContent)
		m := source(t, srv, tok, micropublishURL)
		wantProp(t, m, "content", `["Trying the new espresso bar on Alder St. Even better the second time."]`)
		wantProp(t, m, "category", `["portland","espresso"]`)
		wantNoProp(t, m, "mp-syndicate-to")
	})
	t.Run("micropublish-undelete.json", func(t *testing.T) {
		if micropublishURL == "" {
			t.Skip("needs the micropublish-note.json post")
		}
		del := strings.ReplaceAll(strings.ReplaceAll(readFixture(t, "micropublish-undelete.json"), "undelete", "delete"),
			"https://example.com/notes/2024/05/04/espresso-on-alder", micropublishURL)
		resp, body := srv.Do(t, http.MethodPost, "/micropub", tok, "application/json; charset=utf-8", strings.NewReader(del))
		wantStatus(t, resp, body, http.StatusNoContent)
		undel := strings.ReplaceAll(readFixture(t, "micropublish-undelete.json"), "https://example.com/notes/2024/05/04/espresso-on-alder", micropublishURL)
		resp, body = srv.Do(t, http.MethodPost, "/micropub", tok, "application/json; charset=utf-8", strings.NewReader(undel))
		wantStatus(t, resp, body, http.StatusNoContent)
		source(t, srv, tok, micropublishURL)
		// The form variant Micropublish sends when the user chose form encoding.
		resp, body = srv.PostForm(t, "/micropub", tok, "action=undelete&url="+url.QueryEscape(micropublishURL))
		wantStatus(t, resp, body, http.StatusNoContent)
	})
	t.Run("sparkles-watch.json", func(t *testing.T) {
		loc, m := jsonCT(t, "sparkles-watch.json", "application/json; charset=utf-8")
		if !strings.HasSuffix(loc, "/quiet-harbor-rewatch") {
			t.Errorf("Location %s, want the bare-string mp-slug", loc)
		}
		wantProp(t, m, "rating", `["4.5"]`)
		wantProp(t, m, "rewatch", `[true]`)
		wantProp(t, m, "published", `["2024-05-04"]`)
		wantNoProp(t, m, "mp-slug", "mp-syndicate-to")
		cite := m.Properties["watch-of"][0].(map[string]any)["properties"].(map[string]any)
		if cite["uid"].([]any)[0] != "tmdb:482913" {
			t.Errorf("watch-of %v, want the h-cite kept", cite)
		}
	})
	t.Run("sparkles-read.json", func(t *testing.T) {
		_, m := jsonCT(t, "sparkles-read.json", "application/json; charset=utf-8")
		wantProp(t, m, "progress", `["started"]`)
		cite := m.Properties["read-of"][0].(map[string]any)["properties"].(map[string]any)
		if cite["published"].([]any)[0] != float64(1969) {
			t.Errorf("read-of published %v, want the number 1969 kept", cite["published"])
		}
	})
	t.Run("ia-writer-draft.json", func(t *testing.T) {
		_, m := js(t, "ia-writer-draft.json")
		wantProp(t, m, "post-status", `["draft"]`)
		wantProp(t, m, "name", `["Notes on slow software"]`)
		drafts := getJSON(t, srv, tok, "/micropub?q=source&post-status=draft")
		found := false
		for _, it := range drafts["items"].([]any) {
			p := it.(map[string]any)["properties"].(map[string]any)
			if p["name"] != nil && p["name"].([]any)[0] == "Notes on slow software" {
				found = true
			}
		}
		if !found {
			t.Errorf("q=source&post-status=draft does not list the draft: %v", drafts)
		}
	})
	t.Run("indiepass-note.form", func(t *testing.T) {
		m := form(t, "indiepass-note.form")
		wantProp(t, m, "published", `["2024-05-04T08:30:00+0200"]`)
		wantProp(t, m, "location", `["geo:51.0543212,3.7176543,57.19999694824219;name=Café Labath"]`)
		wantProp(t, m, "category", `["ghent","coffee"]`)
	})
	t.Run("sunlit-photo.form", func(t *testing.T) {
		m := form(t, "sunlit-photo.form")
		wantProp(t, m, "content", `["Golden hour at the pier.\nShot on the walk home, \"no filter\"."]`)
		wantProp(t, m, "photo", `[{"value":"https://example.com/micropub/media/2024/05/pier.jpg","alt":"Low sun behind the pier pilings, gulls on the rail"}]`)
		wantNoProp(t, m, "mp-photo-alt")
	})
	t.Run("sunlit-media.multipart.txt", func(t *testing.T) {
		img := tinyJPEG(t)
		resp, body := postMultipart(t, srv, tok, fillPlaceholders(readFixture(t, "sunlit-media.multipart.txt"), img))
		wantStatus(t, resp, body, http.StatusCreated)
		loc := resp.Header.Get("Location")
		if got := mediaFile(t, srv, loc); !bytes.Equal(got, img) {
			t.Errorf("stored %d bytes at %s, want the %d uploaded", len(got), loc, len(img))
		}
		var v map[string]string
		if json.Unmarshal(body, &v) != nil || v["url"] != loc {
			t.Errorf("body %s, want JSON url = Location", body)
		}
	})
	t.Run("quill-media.multipart.txt", func(t *testing.T) {
		// Sent to the Micropub endpoint, as Micropublish and Sunlit do without a media
		// endpoint; a media-only token is enough.
		media := srv.IssueToken(t, "media")
		img := tinyJPEG(t)
		resp, body := postMultipart(t, srv, media, fillPlaceholders(readFixture(t, "quill-media.multipart.txt"), img))
		wantStatus(t, resp, body, http.StatusCreated)
		if got := mediaFile(t, srv, resp.Header.Get("Location")); !bytes.Equal(got, img) {
			t.Errorf("stored %d bytes, want the %d uploaded", len(got), len(img))
		}
	})
	t.Run("quill-photo.multipart.txt", func(t *testing.T) {
		img := tinyJPEG(t)
		resp, body := postMultipart(t, srv, tok, fillPlaceholders(withToken(readFixture(t, "quill-photo.multipart.txt"), tok), img))
		m := source(t, srv, tok, wantCreated(t, srv, resp, body))
		wantProp(t, m, "category", `["garden","tomatoes"]`)
		wantNoProp(t, m, "access_token")
		if got := mediaFile(t, srv, m.Properties["photo"][0].(string)); !bytes.Equal(got, img) {
			t.Errorf("photo: stored %d bytes, want %d", len(got), len(img))
		}
	})
	t.Run("ownyourgram-photo.multipart.txt", func(t *testing.T) {
		img := tinyJPEG(t)
		resp, body := postMultipart(t, srv, tok, fillPlaceholders(withToken(readFixture(t, "ownyourgram-photo.multipart.txt"), tok), img))
		m := source(t, srv, tok, wantCreated(t, srv, resp, body))
		wantProp(t, m, "place_name", `["Portland Farmers Market"]`)
		wantProp(t, m, "published", `["2019-06-22T10:41:07-07:00"]`)
		wantProp(t, m, "category", `["farmersmarket","https://www.instagram.example.com/samcooks/"]`)
		if got := mediaFile(t, srv, m.Properties["photo"][0].(string)); !bytes.Equal(got, img) {
			t.Errorf("photo: stored %d bytes, want %d", len(got), len(img))
		}
	})
	t.Run("ownyourgram-photo.multipart.txt token in the body only", func(t *testing.T) {
		img := tinyJPEG(t)
		resp, body := postMultipart(t, srv, "", fillPlaceholders(withToken(readFixture(t, "ownyourgram-photo.multipart.txt"), tok), img))
		m := source(t, srv, tok, wantCreated(t, srv, resp, body))
		wantNoProp(t, m, "access_token")
	})
	t.Run("microblog-post.multipart.txt", func(t *testing.T) {
		resp, body := postMultipart(t, srv, tok, []byte(readFixture(t, "microblog-post.multipart.txt")))
		m := source(t, srv, tok, wantCreated(t, srv, resp, body))
		wantProp(t, m, "photo", `[{"value":"https://example.com/micropub/media/2024/05/cherry.jpg","alt":"Pink blossoms against a pale blue sky"}]`)
		wantProp(t, m, "category", `["spring"]`)
		wantNoProp(t, m, "mp-destination", "mp-syndicate-to", "mp-photo-alt")
	})
}
