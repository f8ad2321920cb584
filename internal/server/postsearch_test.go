package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/servertest"
)

// TestPostListSearch searches the owner's list of posts over HTTP through the full-text
// index: drafts, private and scheduled posts are found (the owner's list), deleted ones
// only with status=deleted; the last word is a prefix as typed; the filters narrow the
// results; results page by the cursor of the Older link; a bad cursor is a 400.
func TestPostListSearch(t *testing.T) {
	s := servertest.New(t)
	tok := s.IssueToken(t, "create delete")
	create := func(form string) string {
		t.Helper()
		resp, body := s.PostForm(t, "/micropub", tok, form)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create %s: %d %s", form, resp.StatusCode, body)
		}
		return resp.Header.Get("Location")
	}
	for i := range 30 {
		create(fmt.Sprintf("h=entry&content=Pancake+%02d&published=2025-01-01T10:%02d:00Z", i, i))
	}
	create("h=entry&name=Pancake+article&content=Batter&category=Breakfast&published=2025-02-01T10:00:00Z")
	create("h=entry&content=Pancake+draft&post-status=draft&published=2025-02-02T10:00:00Z")
	create("h=entry&content=Pancake+secret&visibility=private&published=2025-02-03T10:00:00Z")
	create("h=entry&content=Pancake+later&published=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	gone := create("h=entry&content=Pancake+gone&published=2025-02-04T10:00:00Z")
	if resp, body := s.PostForm(t, "/micropub", tok, "action=delete&url="+url.QueryEscape(gone)); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d %s", resp.StatusCode, body)
	}
	c := s.OwnerClient(t)
	row := regexp.MustCompile(`<td class="title"><a href="[^"]+">([^<]+)</a></td>`)
	older := regexp.MustCompile(`<a href="/admin/posts\?([^"]+)" rel="next">Older</a>`)
	list := func(query string) (titles []string, next string) {
		t.Helper()
		resp, page := get(t, s, c, "/admin/posts?"+query)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /admin/posts?%s: %d\n%s", query, resp.StatusCode, page)
		}
		for _, m := range row.FindAllStringSubmatch(page, -1) {
			titles = append(titles, m[1])
		}
		if m := older.FindStringSubmatch(page); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
		return titles, next
	}
	for _, tt := range []struct{ query, want string }{
		{"q=pancake+dra", "[Pancake draft]"},
		{"q=SECRET", "[Pancake secret]"},
		{"q=pancake+later", "[Pancake later]"},
		{"q=batter", "[Pancake article]"},
		{"q=breakfast", "[Pancake article]"},
		{"q=pancake+gone", "[]"},
		{"q=gone&status=deleted", "[Pancake gone]"},
		{"q=pancake&status=draft", "[Pancake draft]"},
		{"q=pancake&status=scheduled", "[Pancake later]"},
		{"q=pancake&visibility=private", "[Pancake secret]"},
		{"q=pancake&type=article", "[Pancake article]"},
		{"q=pancake&tag=BREAKFAST", "[Pancake article]"},
		{"q=pancake+2", "[Pancake 29 Pancake 28 Pancake 27 Pancake 26 Pancake 25 Pancake 24 Pancake 23 Pancake 22 Pancake 21 Pancake 20]"},
		{"q=ancake", "[]"},
	} {
		if got, _ := list(tt.query); fmt.Sprint(got) != tt.want {
			t.Errorf("?%s: %q, want %s", tt.query, got, tt.want)
		}
	}
	// Whole words, then (nothing found) the last word as the beginning of one, which the
	// Older link keeps to.
	for _, q := range []string{"q=pancake", "q=PANC"} {
		first, next := list(q)
		if len(first) != 25 || first[0] != "Pancake later" || next == "" {
			t.Fatalf("?%s: %q and Older %q, want 25 from Pancake later and an Older link", q, first, next)
		}
		if prefix := strings.Contains(next, "prefix=1"); prefix != (q == "q=PANC") {
			t.Errorf("?%s: Older link %q, want prefix=1 in it only for a prefix", q, next)
		}
		rest, last := list(next)
		if len(rest) != 9 || rest[8] != "Pancake 00" || last != "" {
			t.Errorf("?%s: %q and Older %q, want the 9 oldest, ending with Pancake 00, and no Older link", next, rest, last)
		}
	}
	for _, bad := range []string{"q=pancake&before=garbage", "q=pancake&before=-3", "q=pancake&status=lost"} {
		if resp, _ := get(t, s, c, "/admin/posts?"+bad); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("?%s: %d, want 400", bad, resp.StatusCode)
		}
	}
}
