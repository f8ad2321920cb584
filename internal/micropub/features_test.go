package micropub_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/servertest"
)

// TestScopes checks each action against the scope it needs, and the draft and legacy
// post scopes.
func TestScopes(t *testing.T) {
	srv := servertest.New(t)
	all := srv.IssueToken(t, allScopes)
	resp, body := srv.PostForm(t, "/micropub", all, "h=entry&content=scoped")
	loc := wantCreated(t, srv, resp, body)
	jpeg := tinyJPEG(t)
	upload := "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" + string(jpeg) + "\r\n--B--\r\n"

	tests := []struct {
		name, scope, contentType, body string
		status                         int
		missing                        string // the scope named in a 403
	}{
		{"create needs create", "update delete", "application/x-www-form-urlencoded", "h=entry&content=x", 403, "create"},
		{"update needs update", "create delete", "application/json", `{"action":"update","url":"` + loc + `","add":{"category":["x"]}}`, 403, "update"},
		{"delete needs delete", "create update", "application/x-www-form-urlencoded", "action=delete&url=" + url.QueryEscape(loc), 403, "delete"},
		{"undelete needs undelete", "create delete", "application/json", `{"action":"undelete","url":"` + loc + `"}`, 403, "undelete"},
		{"legacy post creates", "post", "application/x-www-form-urlencoded", "h=entry&content=legacy", 201, ""},
		{"legacy post updates", "post", "application/json", `{"action":"update","url":"` + loc + `","add":{"category":["legacy"]}}`, 204, ""},
		{"legacy post does not delete", "post", "application/json", `{"action":"delete","url":"` + loc + `"}`, 403, "delete"},
		{"media uploads a bare file", "media", "multipart/form-data; boundary=B", upload, 201, ""},
		{"create uploads a bare file", "create", "multipart/form-data; boundary=B", upload, 201, ""},
		{"bare file needs media", "update", "multipart/form-data; boundary=B", upload, 403, "media"},
		{"media alone does not create posts", "media", "application/json", `{"type":["h-entry"],"properties":{"content":["x"]}}`, 403, "create"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := srv.IssueToken(t, tt.scope)
			resp, body := srv.Do(t, http.MethodPost, "/micropub", tok, tt.contentType, strings.NewReader(tt.body))
			if tt.missing == "" {
				wantStatus(t, resp, body, tt.status)
				return
			}
			e := wantError(t, resp, body, tt.status, "insufficient_scope")
			if e["scope"] != tt.missing {
				t.Errorf("scope %v in the error, want %s", e["scope"], tt.missing)
			}
		})
	}
	t.Run("draft scope creates drafts only", func(t *testing.T) {
		tok := srv.IssueToken(t, "draft")
		resp, body := srv.PostForm(t, "/micropub", tok, "h=entry&content=not+yet&post-status=published")
		m := source(t, srv, all, wantCreated(t, srv, resp, body))
		wantProp(t, m, "post-status", `["draft"]`)
		resp, body = srv.PostJSON(t, "/micropub", tok, `{"action":"update","url":"`+loc+`","replace":{"post-status":["published"]}}`)
		wantError(t, resp, body, 403, "insufficient_scope")
	})
	t.Run("queries need only a valid token", func(t *testing.T) {
		tok := srv.IssueToken(t, "profile")
		getJSON(t, srv, tok, "/micropub?q=config")
		source(t, srv, tok, loc)
	})
	t.Run("no token", func(t *testing.T) {
		resp, body := srv.Get(t, "/micropub?q=config", "")
		wantError(t, resp, body, 401, "unauthorized")
	})
}

// TestQueries covers the GET side: config and its relatives, q=source in its forms and
// the post listing with its filters and paging.
func TestQueries(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, allScopes)
	create := func(form string) string {
		resp, body := srv.PostForm(t, "/micropub", tok, form)
		return wantCreated(t, srv, resp, body)
	}
	var urls []string // oldest first
	for i := 1; i <= 5; i++ {
		urls = append(urls, create(fmt.Sprintf("h=entry&content=post+%d&published=2024-05-0%dT10:00:00%%2B02:00&category[]=Coffee", i, i)))
	}
	like := create("h=entry&like-of=https%3A%2F%2Ffriend.example%2F1&published=2024-05-09T10:00:00Z&category[]=cooking")
	draft := create("h=entry&content=draft&post-status=draft&published=2024-04-01T00:00:00Z&visibility=private")
	create("h=entry&content=travel&published=2024-03-01T00:00:00Z&category[]=travel")

	t.Run("bare GET is the config", func(t *testing.T) {
		resp, body := srv.Get(t, "/micropub", tok)
		wantStatus(t, resp, body, 200)
		if !strings.Contains(string(body), `"media-endpoint"`) {
			t.Errorf("bare GET: %s, want the config", body)
		}
		if link := resp.Header.Get("Link"); link != "<"+srv.Cfg.URL+`micropub>; rel="micropub"` {
			t.Errorf("Link %q, want the micropub endpoint", link)
		}
	})
	t.Run("GET with a JSON content type and no body", func(t *testing.T) {
		resp, body := srv.Do(t, http.MethodGet, "/micropub?q=config", tok, "application/json", nil)
		wantStatus(t, resp, body, 200)
	})
	t.Run("config", func(t *testing.T) {
		c := getJSON(t, srv, tok, "/micropub?q=config")
		vis, _ := c["visibility"].([]any)
		if len(vis) == 0 || vis[0] != "public" {
			t.Errorf("visibility %v, want public first", c["visibility"])
		}
		var types []string
		for _, pt := range c["post-types"].([]any) {
			m := pt.(map[string]any)
			if m["name"] == nil {
				t.Errorf("post type %v has no name", m)
			}
			types = append(types, m["type"].(string))
		}
		for _, want := range []string{"note", "article", "photo", "reply", "like", "repost", "bookmark", "event", "itinerary", "rsvp", "watch", "read", "listen",
			// Quill's review and weight editors and Sparkles' game tile appear only when listed.
			"review", "weight", "game", "quotation", "checkin", "video", "audio"} {
			if !slices.Contains(types, want) {
				t.Errorf("post-types %v lack %s", types, want)
			}
		}
		qs := fmt.Sprint(c["q"])
		for _, want := range []string{"config", "source", "syndicate-to", "category", "post-types"} {
			if !strings.Contains(qs, want) {
				t.Errorf("q %s lacks %s", qs, want)
			}
		}
	})
	for q, key := range map[string]string{
		"syndicate-to":                      "syndicate-to",
		"syndicate-to&post-type=note":       "syndicate-to",
		"syndicate-to&mp-destination=x":     "syndicate-to",
		"post-types":                        "post-types",
		"channel":                           "channels",
		"contact":                           "contacts",
		"category&mp-destination=x":         "categories",
		"source&post-type=rsvp":             "items",
		"source&category=nothing-like-this": "items",
	} {
		t.Run("q="+q, func(t *testing.T) {
			m := getJSON(t, srv, tok, "/micropub?q="+q)
			if _, ok := m[key].([]any); !ok {
				t.Errorf("q=%s: %v, want a %s list (empty is fine, missing is not)", q, m, key)
			}
		})
	}
	t.Run("category filter", func(t *testing.T) {
		m := getJSON(t, srv, tok, "/micropub?q=category&filter=co")
		if got := fmt.Sprint(m["categories"]); got != "[Coffee cooking]" {
			t.Errorf("categories %s, want [Coffee cooking]", got)
		}
	})
	t.Run("source shows status and visibility", func(t *testing.T) {
		m := source(t, srv, tok, draft)
		wantProp(t, m, "post-status", `["draft"]`)
		wantProp(t, m, "visibility", `["private"]`)
		m = source(t, srv, tok, urls[0])
		wantProp(t, m, "post-status", `["published"]`)
		wantProp(t, m, "visibility", `["public"]`)
		wantProp(t, m, "published", `["2024-05-01T10:00:00+02:00"]`)
	})
	t.Run("properties forms", func(t *testing.T) {
		for _, q := range []string{"properties=content", "properties[]=content", "properties[0]=content"} {
			m := source(t, srv, tok, urls[0], q)
			if len(m.Properties) != 1 || m.Properties["content"] == nil {
				t.Errorf("%s: %v, want only content", q, m.Properties)
			}
		}
		m := source(t, srv, tok, urls[0], "properties[0]=content", "properties[1]=category")
		if len(m.Properties) != 2 {
			t.Errorf("properties[0]&properties[1]: %v, want content and category", m.Properties)
		}
	})
	listURLs := func(q string) ([]string, string) {
		m := getJSON(t, srv, tok, "/micropub?q=source&"+q)
		var out []string
		for _, it := range m["items"].([]any) {
			out = append(out, it.(map[string]any)["properties"].(map[string]any)["url"].([]any)[0].(string))
		}
		after := ""
		if p, ok := m["paging"].(map[string]any); ok {
			after, _ = p["after"].(string)
		}
		return out, after
	}
	t.Run("list newest first with limit and offset", func(t *testing.T) {
		got, _ := listURLs("limit=3")
		want := []string{like, urls[4], urls[3]}
		if !slices.Equal(got, want) {
			t.Errorf("limit=3: %v, want %v", got, want)
		}
		got, _ = listURLs("limit=2&offset=3")
		if want := []string{urls[2], urls[1]}; !slices.Equal(got, want) {
			t.Errorf("limit=2&offset=3: %v, want %v", got, want)
		}
	})
	t.Run("list pages with after", func(t *testing.T) {
		first, after := listURLs("limit=2")
		if after == "" {
			t.Fatal("no paging.after on a full page")
		}
		// A post created between the pages must not shift the second one.
		create("h=entry&content=newest&published=2024-06-01T00:00:00Z")
		second, _ := listURLs("limit=2&after=" + url.QueryEscape(after))
		if want := []string{urls[3], urls[2]}; !slices.Equal(second, want) {
			t.Errorf("page after %v: %v, want %v", first, second, want)
		}
	})
	t.Run("list filters", func(t *testing.T) {
		if got, _ := listURLs("post-type=like"); !slices.Equal(got, []string{like}) {
			t.Errorf("post-type=like: %v, want %v", got, []string{like})
		}
		if got, _ := listURLs("post-status=draft"); !slices.Equal(got, []string{draft}) {
			t.Errorf("post-status=draft: %v, want %v", got, []string{draft})
		}
		if got, _ := listURLs("category=coffee&limit=10"); len(got) != 5 {
			t.Errorf("category=coffee: %d posts, want 5 (case-insensitive)", len(got))
		}
	})
}

// TestCreate covers what a create does beyond storing the properties: URLs from the
// configuration only, slugs, commands and loose client input.
func TestCreate(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, allScopes)
	create := func(t *testing.T, form string) string {
		t.Helper()
		resp, body := srv.PostForm(t, "/micropub", tok, form)
		return wantCreated(t, srv, resp, body)
	}
	t.Run("Location ignores Host and X-Forwarded headers", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/micropub", strings.NewReader("h=entry&content=host"))
		req.Host = "evil.example"
		req.Header.Set("X-Forwarded-Host", "evil.example")
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		wantCreated(t, srv, resp, nil)
	})
	t.Run("slug collisions", func(t *testing.T) {
		a := create(t, "h=entry&content=x&mp-slug=same&published=2024-05-01T00:00:00Z")
		b := create(t, "h=entry&content=y&mp-slug=same&published=2024-05-02T00:00:00Z")
		c := create(t, "h=entry&content=z&mp-slug=same&published=2024-05-03T00:00:00Z")
		for i, want := range []string{"notes/2024/05/same", "notes/2024/05/same-2", "notes/2024/05/same-3"} {
			if got := []string{a, b, c}[i]; got != srv.Cfg.URL+want {
				t.Errorf("post %d at %s, want %s%s", i+1, got, srv.Cfg.URL, want)
			}
		}
	})
	t.Run("slugs count past nine", func(t *testing.T) {
		var last string
		for i := 1; i <= 12; i++ {
			last = create(t, fmt.Sprintf("h=entry&content=%d&mp-slug=daily&published=2024-07-%02dT00:00:00Z", i, i))
			want := srv.Cfg.URL + "notes/2024/07/daily"
			if i > 1 {
				want += fmt.Sprintf("-%d", i)
			}
			if last != want {
				t.Fatalf("post %d at %s, want %s", i, last, want)
			}
		}
		// A deleted post keeps its URL: the 13th goes after it.
		resp, body := srv.PostForm(t, "/micropub", tok, "action=delete&url="+url.QueryEscape(last))
		wantStatus(t, resp, body, 204)
		if got, want := create(t, "h=entry&content=13&mp-slug=daily&published=2024-07-13T00:00:00Z"), srv.Cfg.URL+"notes/2024/07/daily-13"; got != want {
			t.Errorf("13th post at %s, want %s", got, want)
		}
	})
	t.Run("url is the server's", func(t *testing.T) {
		loc := create(t, "h=entry&content=mine&url=https%3A%2F%2Felsewhere.example%2Fphish")
		wantProp(t, source(t, srv, tok, loc), "url", `["`+loc+`"]`)
		resp, body := srv.PostJSON(t, "/micropub", tok, `{"type":["h-entry"],"properties":{"content":["json"],"url":["https://elsewhere.example/phish"]}}`)
		loc = wantCreated(t, srv, resp, body)
		wantProp(t, source(t, srv, tok, loc), "url", `["`+loc+`"]`)
		for _, op := range []string{
			`"replace":{"url":["https://elsewhere.example/phish"]}`,
			`"add":{"url":["https://elsewhere.example/phish"]}`,
			`"replace":{"content":["edited"],"url":["` + loc + `"]}`,
			`"delete":["url"]`,
		} {
			resp, body := srv.PostJSON(t, "/micropub", tok, `{"action":"update","url":"`+loc+`",`+op+`}`)
			wantStatus(t, resp, body, 204)
			m := source(t, srv, tok, loc)
			wantProp(t, m, "url", `["`+loc+`"]`)
			p, _ := srv.DB.PostByURL(context.Background(), loc)
			if v, ok := p.Item.Properties["url"]; ok {
				t.Errorf("after %s: url %v stored", op, v)
			}
		}
		wantProp(t, source(t, srv, tok, loc), "content", `["edited"]`)
	})
	t.Run("mp-slug cannot leave its path", func(t *testing.T) {
		loc := create(t, "h=entry&content=x&mp-slug=..%2F..%2Fadmin%2Ftokens")
		if strings.Contains(strings.TrimPrefix(loc, srv.Cfg.URL), "..") || !strings.HasSuffix(loc, "/admin-tokens") {
			t.Errorf("Location %s, want a sanitized slug admin-tokens", loc)
		}
	})
	t.Run("legacy slug and syndicate-to", func(t *testing.T) {
		loc := create(t, "h=entry&content=old+quill&slug=legacy-name&syndicate-to=https%3A%2F%2Fsocial.example%2F")
		if !strings.HasSuffix(loc, "/legacy-name") {
			t.Errorf("Location %s, want the legacy slug", loc)
		}
		wantNoProp(t, source(t, srv, tok, loc), "slug", "syndicate-to", "mp-syndicate-to")
		p, err := srv.DB.PostByURL(context.Background(), loc)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.SyndicateTo, []string{"https://social.example/"}) {
			t.Errorf("syndicate-to kept as %v, want the legacy target", p.SyndicateTo)
		}
	})
	t.Run("empty mp-syndicate-to means none", func(t *testing.T) {
		loc := create(t, "h=entry&content=none&mp-syndicate-to%5B%5D=")
		p, _ := srv.DB.PostByURL(context.Background(), loc)
		if len(p.SyndicateTo) != 0 {
			t.Errorf("syndicate-to %v, want none", p.SyndicateTo)
		}
	})
	t.Run("Quill editor form mode", func(t *testing.T) {
		loc := create(t, "h=entry&name%5B%5D=&content%5B%5D=%3Cp%3EHello+%3Cb%3Eworld%3C%2Fb%3E%3C%2Fp%3E&")
		m := source(t, srv, tok, loc)
		wantNoProp(t, m, "name")
		wantProp(t, m, "content", `["<p>Hello <b>world</b></p>"]`)
		if !strings.Contains(loc, "/notes/") || !strings.HasSuffix(loc, "/hello-world") {
			t.Errorf("Location %s, want a note slugged from the text", loc)
		}
	})
	t.Run("comma-joined category", func(t *testing.T) {
		wantProp(t, source(t, srv, tok, create(t, "h=entry&content=x&category=a,b")), "category", `["a","b"]`)
	})
	t.Run("h=event", func(t *testing.T) {
		m := source(t, srv, tok, create(t, "h=event&name=Meetup&start=2024-06-12T18:30-07:00"))
		if m.Type[0] != "h-event" {
			t.Errorf("type %v, want h-event", m.Type)
		}
	})
	t.Run("JSON bare values and type string", func(t *testing.T) {
		resp, body := srv.PostJSON(t, "/micropub", tok, `{"type":"h-entry","properties":{"content":"bare","category":"one"},"mp-destination":"https://example.com","access_token":"`+tok+`"}`)
		m := source(t, srv, tok, wantCreated(t, srv, resp, body))
		wantProp(t, m, "content", `["bare"]`)
		wantProp(t, m, "category", `["one"]`)
		wantNoProp(t, m, "mp-destination", "access_token")
	})
	t.Run("content as value and html", func(t *testing.T) {
		resp, body := srv.PostJSON(t, "/micropub", tok, `{"type":["h-entry"],"properties":{"content":[{"value":"hi","html":"<b>hi</b>"}]}}`)
		wantProp(t, source(t, srv, tok, wantCreated(t, srv, resp, body)), "content", `[{"value":"hi","html":"<b>hi</b>"}]`)
	})
	t.Run("form photo alt pairs by position", func(t *testing.T) {
		loc := create(t, "h=entry&photo[]=https%3A%2F%2Fa.example%2F1.jpg&photo[]=https%3A%2F%2Fa.example%2F2.jpg&mp-photo-alt[]=&mp-photo-alt[]=second")
		wantProp(t, source(t, srv, tok, loc), "photo", `["https://a.example/1.jpg",{"value":"https://a.example/2.jpg","alt":"second"}]`)
	})
	t.Run("update commands and delete forms", func(t *testing.T) {
		loc := create(t, "h=entry&content=u&category[]=a&category[]=b&category[]=c&location=geo%3A1%2C2")
		resp, body := srv.PostJSON(t, "/micropub", tok, `{"action":"update","url":"`+loc+`","replace":[],"delete":{"category":["b"]},"mp-syndicate-to":["https://social.example/"]}`)
		wantStatus(t, resp, body, 204)
		resp, body = srv.PostJSON(t, "/micropub", tok, `{"action":"update","url":"`+loc+`","delete":["location"],"add":{"mp-slug":["ignored"]}}`)
		wantStatus(t, resp, body, 204)
		m := source(t, srv, tok, loc)
		wantProp(t, m, "category", `["a","c"]`)
		wantNoProp(t, m, "location", "mp-slug", "mp-syndicate-to")
		p, _ := srv.DB.PostByURL(context.Background(), loc)
		if !slices.Equal(p.SyndicateTo, []string{"https://social.example/"}) || p.Updated.IsZero() {
			t.Errorf("after update: syndicate-to %v, updated %v", p.SyndicateTo, p.Updated)
		}
	})
	t.Run("delete twice, update a deleted post", func(t *testing.T) {
		loc := create(t, "h=entry&content=gone")
		for range 2 {
			resp, body := srv.PostForm(t, "/micropub", tok, "action=delete&url="+url.QueryEscape(loc))
			wantStatus(t, resp, body, 204)
		}
		resp, body := srv.PostJSON(t, "/micropub", tok, `{"action":"update","url":"`+loc+`","replace":{"content":["back?"]}}`)
		wantError(t, resp, body, 400, "invalid_request")
		resp, body = srv.PostForm(t, "/micropub", tok, "action=undelete&url="+url.QueryEscape(loc))
		wantStatus(t, resp, body, 204)
		wantProp(t, source(t, srv, tok, loc), "content", `["gone"]`)
	})
}
