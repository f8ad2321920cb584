package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// studioForm is a form to post to an owner's page: fields, and files by field name.
type studioForm struct {
	fields url.Values
	files  map[string][]byte
}

// postStudio posts f as multipart/form-data with c (nil: a visitor) and returns the
// response and its body.
func postStudio(t *testing.T, s *servertest.Server, c *http.Client, path string, f studioForm) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range f.fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for name, b := range f.files {
		fw, err := mw.CreateFormFile(name, name+".png")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(b)
	}
	mw.Close()
	if c == nil {
		c = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "text/html")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	return resp, body.String()
}

// studioCSRF reads the CSRF token of the owner's page at path.
func studioCSRF(t *testing.T, s *servertest.Server, c *http.Client, path string) (string, string) {
	t.Helper()
	resp, page := get(t, s, c, path)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("GET %s: %d, no CSRF field:\n%s", path, resp.StatusCode, page)
	}
	return m[1], page
}

// source is the post's q=source properties, without its url.
func source(t *testing.T, s *servertest.Server, tok, postURL string) map[string]any {
	t.Helper()
	resp, body := s.Get(t, "/micropub?q=source&url="+url.QueryEscape(postURL), tok)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("q=source %s: %d %s", postURL, resp.StatusCode, body)
	}
	var item struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(body, &item); err != nil {
		t.Fatal(err)
	}
	delete(item.Properties, "url")
	return item.Properties
}

// tinyPNG is a small PNG of one colour.
func tinyPNG(t *testing.T, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	for x := range 4 {
		for y := range 3 {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestWriteLikeAnApp writes posts with the studio's form and checks that each is the
// post an app sends with the same fields: q=source is the same, apart from the URL.
// Tags are trimmed, empty ones dropped, and one that exists in another case takes the
// existing spelling; photos come through the file inputs with their alt text.
func TestWriteLikeAnApp(t *testing.T) {
	s := servertest.New(t)
	tok := s.IssueToken(t, "create update")
	if resp, body := s.PostForm(t, "/micropub", tok, "h=entry&content=First&category=coffee"); resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	c := s.OwnerClient(t)
	csrf, page := studioCSRF(t, s, c, "/admin/write")
	for _, want := range []string{`<label for="content">`, `<datalist id="known-tags"><option value="coffee">`,
		`enctype="multipart/form-data"`, `href="` + s.URL + `/admin/write">Write</a>`} {
		if !strings.Contains(page, want) {
			t.Errorf("write form lacks %s", want)
		}
	}
	red, blue := tinyPNG(t, color.RGBA{255, 0, 0, 255}), tinyPNG(t, color.RGBA{0, 0, 255, 255})

	tests := []struct {
		name  string
		form  url.Values
		files map[string][]byte
		// app is what an app sends for the same post; {photo1} and {photo2} stand for
		// the URLs the studio's uploads got.
		app string
	}{
		{"note with tags", url.Values{"kind": {"note"}, "content": {"Hello *there*"}, "tags": {" Coffee , ghent,, Tea "},
			"slug": {"studio-note"}, "published": {"2026-01-02T10:00"}},
			nil, "h=entry&content=Hello+*there*&category[]=coffee&category[]=ghent&category[]=Tea&mp-slug=app-note&published=2026-01-02T10:00:00Z"},
		{"article", url.Values{"kind": {"article"}, "name": {"A title"}, "content": {"# Head\n\nBody"}, "visibility": {"unlisted"},
			"published": {"2026-01-03T10:00"}},
			nil, "h=entry&name=A+title&content=%23+Head%0A%0ABody&visibility=unlisted&published=2026-01-03T10:00:00Z"},
		{"photos", url.Values{"kind": {"photo"}, "content": {"Two colours"}, "alt-1": {"A red square"}, "alt-2": {"A blue square"},
			"published": {"2026-01-04T10:00"}},
			map[string][]byte{"photo-1": red, "photo-2": blue},
			"h=entry&content=Two+colours&photo[]={photo1}&photo[]={photo2}&mp-photo-alt[]=A+red+square&mp-photo-alt[]=A+blue+square&published=2026-01-04T10:00:00Z"},
		{"reply", url.Values{"kind": {"reply"}, "target": {"https://elsewhere.example/post/1"}, "content": {"Indeed"},
			"published": {"2026-01-05T10:00"}, "draft": {"1"}},
			nil, "h=entry&in-reply-to=https://elsewhere.example/post/1&content=Indeed&published=2026-01-05T10:00:00Z&post-status=draft"},
		{"like", url.Values{"kind": {"like"}, "target": {"https://elsewhere.example/post/2"}, "published": {"2026-01-06T10:00"}},
			nil, "h=entry&like-of=https://elsewhere.example/post/2&published=2026-01-06T10:00:00Z"},
		{"repost", url.Values{"kind": {"repost"}, "target": {"https://elsewhere.example/post/3"}, "published": {"2026-01-07T10:00"},
			"visibility": {"private"}},
			nil, "h=entry&repost-of=https://elsewhere.example/post/3&published=2026-01-07T10:00:00Z&visibility=private"},
		{"bookmark", url.Values{"kind": {"bookmark"}, "target": {"https://elsewhere.example/post/4"}, "name": {"Worth reading"},
			"content": {"Later"}, "published": {"2026-01-08T10:00"}},
			nil, "h=entry&bookmark-of=https://elsewhere.example/post/4&name=Worth+reading&content=Later&published=2026-01-08T10:00:00Z"},
		{"limited to an audience", url.Values{"kind": {"note"}, "content": {"For you two"},
			"audience": {"https://friend.example/\r\n https://other.example/jo, "}, "published": {"2026-01-09T10:00"}},
			nil, "h=entry&content=For+you+two&audience[]=https://friend.example/&audience[]=https://other.example/jo&published=2026-01-09T10:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set("csrf", csrf)
			tt.form.Set("do", "publish")
			resp, body := postStudio(t, s, c, "/admin/write", studioForm{tt.form, tt.files})
			loc := resp.Header.Get("Location")
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, s.URL+"/") {
				t.Fatalf("write: %d, Location %q, want 303 to the post:\n%s", resp.StatusCode, loc, body)
			}
			studio := source(t, s, tok, loc)
			app := tt.app
			if photos, ok := studio["photo"].([]any); ok {
				for i, p := range photos {
					u, _ := p.(map[string]any)["value"].(string)
					app = strings.ReplaceAll(app, fmt.Sprintf("{photo%d}", i+1), url.QueryEscape(u))
				}
			}
			resp2, body2 := s.PostForm(t, "/micropub", tok, app)
			if resp2.StatusCode != http.StatusCreated {
				t.Fatalf("app's create %s: %d %s", app, resp2.StatusCode, body2)
			}
			fromApp := source(t, s, tok, resp2.Header.Get("Location"))
			// What the jobs record after the create (a webmention's delivery) comes to
			// each post in its own time: the posts as written are what must match.
			for _, p := range []map[string]any{studio, fromApp} {
				delete(p, "mp-webmention-status")
			}
			if !reflect.DeepEqual(studio, fromApp) {
				t.Errorf("studio's post\n%v\nan app's\n%v", studio, fromApp)
			}
		})
	}
	// The photos' alt text and the tags' spelling, spelled out.
	if src := fmt.Sprint(source(t, s, tok, s.URL+"/notes/2026/01/studio-note")["category"]); src != "[coffee ghent Tea]" {
		t.Errorf("tags %s, want [coffee ghent Tea]", src)
	}
}

// TestWritePreview previews a reply without a script: the replied-to page's title,
// author and summary, fetched through the guarded client, and the content as the site
// will render it, with nothing stored; a wrong field is answered 400 with its error next
// to it.
func TestWritePreview(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>Other</title><article class="h-entry"><h1 class="p-name">A fine post</h1>
<a class="p-author h-card" href="/">Alice Example</a><div class="e-content">Some thoughts about gardens.</div></article>`)
	}))
	defer other.Close()
	s := servertest.New(t, func(c *server.Config) { c.AllowPrivateFetch = true })
	c := s.OwnerClient(t)
	csrf, _ := studioCSRF(t, s, c, "/admin/write?kind=reply")
	resp, page := postStudio(t, s, c, "/admin/write", studioForm{fields: url.Values{"csrf": {csrf}, "do": {"preview"},
		"kind": {"reply"}, "target": {other.URL + "/post"}, "content": {"I agree <b>entirely</b>"}}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d\n%s", resp.StatusCode, page)
	}
	for _, want := range []string{`<strong id="context-name">A fine post</strong>`, `<span id="context-author">Alice Example</span>`,
		`Some thoughts about gardens.`, `I agree &lt;b&gt;entirely&lt;/b&gt;`, `value="` + other.URL + `/post"`} {
		if !strings.Contains(page, want) {
			t.Errorf("preview lacks %s:\n%s", want, page)
		}
	}
	posts, err := s.DB.ListPosts(t.Context(), postQueryAll())
	if err != nil || len(posts) != 0 {
		t.Errorf("after a preview: %d posts (%v), want none", len(posts), err)
	}

	resp, page = postStudio(t, s, c, "/admin/write", studioForm{fields: url.Values{"csrf": {csrf}, "do": {"publish"},
		"kind": {"article"}, "content": {"No title"}, "published": {"yesterday"}}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `<p class="field-error" id="name-error">`) ||
		!strings.Contains(page, `id="published-error"`) || !strings.Contains(page, `aria-describedby="name-error"`) {
		t.Errorf("article without a title: %d, want 400 with the errors next to the fields:\n%s", resp.StatusCode, page)
	}
	if posts, _ := s.DB.ListPosts(t.Context(), postQueryAll()); len(posts) != 0 {
		t.Errorf("after a refused write: %d posts, want none", len(posts))
	}
}

// TestWriteRefused checks that the write form is the owner's: a visitor is sent to sign
// in, and a post without the CSRF token gets the themed page, with nothing stored.
func TestWriteRefused(t *testing.T) {
	s := servertest.New(t)
	c := s.OwnerClient(t)
	visitor := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, _ := get(t, s, visitor, "/admin/write"); resp.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
		t.Errorf("visitor's GET /admin/write: %d to %q, want 303 to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
	fields := url.Values{"kind": {"note"}, "content": {"sneaky"}, "do": {"publish"}}
	resp, body := postStudio(t, s, c, "/admin/write", studioForm{fields: fields})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "CSRF") || !strings.Contains(body, "style.css") {
		t.Errorf("write without CSRF: %d, want 403 with the themed page:\n%s", resp.StatusCode, body)
	}
	csrf, _ := studioCSRF(t, s, c, "/admin/write")
	fields.Set("csrf", csrf)
	if resp, _ := postStudio(t, s, nil, "/admin/write", studioForm{fields: fields}); resp.StatusCode != http.StatusSeeOther ||
		!strings.HasSuffix(resp.Header.Get("Location"), "/login") {
		t.Errorf("visitor's write: %d to %q, want 303 to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
	if posts, _ := s.DB.ListPosts(t.Context(), postQueryAll()); len(posts) != 0 {
		t.Errorf("after refused writes: %d posts, want none", len(posts))
	}
}

// postQueryAll selects every post, drafts, private and deleted ones included.
func postQueryAll() post.Query { return post.Query{Limit: 1000, Deleted: true} }
