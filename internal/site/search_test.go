package site_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/servertest"
)

// searchURLs are the u-url of each h-entry in a page's h-feed.
func searchURLs(t testing.TB, body []byte) []string {
	t.Helper()
	var out []string
	for _, feed := range findMF2(parseMF2(t, body), "h-feed") {
		for _, e := range findMF2(feed.Children, "h-entry") {
			out = append(out, e.get("url"))
		}
	}
	return out
}

// TestSearch publishes through Micropub on the whole server and searches as a visitor
// and as the owner: the results are an h-feed of the posts holding every word, never a
// post a visitor may not see, and hostile queries are words like any other.
func TestSearch(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, "create update delete undelete")
	create := func(props map[string]any) string {
		t.Helper()
		resp, body := srv.PostJSON(t, "/micropub", tok, map[string]any{"type": []string{"h-entry"}, "properties": props})
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusAccepted {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
		return resp.Header.Get("Location")
	}
	article := create(map[string]any{"name": []string{"Roasting at home"}, "content": []string{"A pan and some green beans."}})
	tagged := create(map[string]any{"content": []string{"Morning walk"}, "category": []string{"Espresso"}})
	html := create(map[string]any{"content": []any{map[string]any{"html": "<p>A <b>cortado</b> in Porto</p>"}}})
	draft := create(map[string]any{"content": []string{"cortado draft"}, "post-status": []string{"draft"}})
	private := create(map[string]any{"content": []string{"cortado private"}, "visibility": []string{"private"}})
	unlisted := create(map[string]any{"content": []string{"cortado unlisted"}, "visibility": []string{"unlisted"}})
	deleted := create(map[string]any{"content": []string{"cortado deleted"}})
	if resp, body := srv.PostForm(t, "/micropub", tok, "action=delete&url="+url.QueryEscape(deleted)); resp.StatusCode >= 300 {
		t.Fatalf("delete: %d %s", resp.StatusCode, body)
	}

	tests := []struct {
		q    string
		want []string
	}{
		{"roasting", []string{article}},
		{"GREEN beans", []string{article}},
		{"espresso", []string{tagged}},
		{"cortado", []string{html}},
		{"cortado porto", []string{html}},
		{"cortado kenya", nil},
		{`"`, nil},
		{`cortado*`, []string{html}},
		{`"cortado`, []string{html}},
		{`NEAR(cortado porto)`, nil},
		{`-porto`, []string{html}},
		{`content:cortado`, nil},
		{strings.Repeat("cortado ", 5000), []string{html}},
		{strings.Repeat(`"(*`, 3000), nil},
	}
	for _, tt := range tests {
		resp, body := srv.Get(t, "/search?q="+url.QueryEscape(tt.q), "")
		if resp.StatusCode != http.StatusOK {
			t.Errorf("search %.40q: %d, want 200", tt.q, resp.StatusCode)
			continue
		}
		if got := searchURLs(t, body); !slices.Equal(got, tt.want) {
			t.Errorf("search %.40q: %q, want %q", tt.q, got, tt.want)
		}
	}

	// The owner finds the draft, the private and the unlisted post too; never the deleted.
	owner := srv.OwnerClient(t)
	resp, err := owner.Get(srv.URL + "/search?q=cortado")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := []string{unlisted, private, draft, html}
	if got := searchURLs(t, body); resp.StatusCode != http.StatusOK || !slices.Equal(got, want) {
		t.Errorf("the owner's search: %d %q, want %q", resp.StatusCode, got, want)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "private") {
		t.Errorf("the owner's search: Cache-Control %q, want private", cc)
	}

	// Undeleted, the post is found again; a visitor's earlier answer is not kept.
	if resp, body := srv.PostForm(t, "/micropub", tok, "action=undelete&url="+url.QueryEscape(deleted)); resp.StatusCode >= 300 {
		t.Fatalf("undelete: %d %s", resp.StatusCode, body)
	}
	if _, body := srv.Get(t, "/search?q=cortado+deleted", ""); !slices.Equal(searchURLs(t, body), []string{deleted}) {
		t.Errorf("search after undelete: %q, want [%s]", searchURLs(t, body), deleted)
	}
}

// TestSearchPage: the form is on every page and on the search page, with the query in
// it; a search with no words shows the form alone; results page by "before"; a bad
// "before" is a 400 page.
func TestSearchPage(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, "create")
	var posts []string
	for i := range 23 {
		resp, body := srv.PostJSON(t, "/micropub", tok, map[string]any{"type": []string{"h-entry"},
			"properties": map[string]any{"content": []string{fmt.Sprintf("pistachio number %d", i)}}})
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusAccepted {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
		posts = append([]string{resp.Header.Get("Location")}, posts...)
	}
	_, home := srv.Get(t, "/", "")
	if !strings.Contains(string(home), `role="search" action="`+srv.Cfg.URL+`search"`) {
		t.Errorf("the home page has no search form")
	}
	resp, body := srv.Get(t, "/search?q=%3Cpistachio%3E", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("search: %d", resp.StatusCode)
	}
	page := string(body)
	if !strings.Contains(page, `value="&lt;pistachio&gt;"`) || !strings.Contains(page, `<meta name="robots" content="noindex">`) {
		t.Errorf("search page: the query escaped in its box, noindex:\n%s", page)
	}
	first := searchURLs(t, body)
	if !slices.Equal(first, posts[:20]) {
		t.Errorf("first page: %d results %q, want the 20 newest", len(first), first)
	}
	feed := findMF2(parseMF2(t, body), "h-feed")
	if len(feed) != 1 || feed[0].get("url") != srv.Cfg.URL+"search?q=%3Cpistachio%3E" {
		t.Errorf("results h-feed: %+v", feed)
	}
	older := regexpOlder.FindStringSubmatch(page)
	if older == nil {
		t.Fatalf("no Older link on the first page")
	}
	_, body = srv.Get(t, strings.ReplaceAll(older[1], "&amp;", "&"), "")
	if got := searchURLs(t, body); !slices.Equal(got, posts[20:]) {
		t.Errorf("second page: %q, want %q", got, posts[20:])
	}
	if !strings.Contains(string(body), `rel="first">Newest posts`) {
		t.Errorf("second page has no link to the first")
	}

	_, body = srv.Get(t, "/search?q=+%22%28", "")
	if strings.Contains(string(body), "h-feed") || !strings.Contains(string(body), `id="search-q"`) {
		t.Errorf("a search without words: the form alone, got\n%s", body)
	}
	_, body = srv.Get(t, "/search?q=walnut", "")
	if !strings.Contains(string(body), "No posts hold every word of “walnut”") {
		t.Errorf("a search that finds nothing says so:\n%s", body)
	}
	for _, bad := range []string{"x", "-1", "99999999999999999999"} {
		if resp, _ := srv.Get(t, "/search?q=pistachio&before="+bad, ""); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("before=%s: %d, want 400", bad, resp.StatusCode)
		}
	}
}

var regexpOlder = regexp.MustCompile(`<a href="([^"]+)" rel="next">Older posts</a>`)
