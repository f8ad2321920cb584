package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/servertest"
)

// TestEditPost edits a post sent by an app: the form shows its current values, and
// saving is a Micropub update of what changed (the title and tags replaced, the draft
// published, the kind's change to article ignored, since a photo post with a title is one, a photo's alt text changed, the other values left as they were), seen in
// q=source; refused to a visitor and without the CSRF token, with nothing changed.
func TestEditPost(t *testing.T) {
	s := servertest.New(t)
	tok := s.IssueToken(t, "create update")
	if resp, body := s.PostForm(t, "/micropub", tok, "h=entry&content=Old&category=coffee"); resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	resp, body := s.PostForm(t, "/micropub", tok, "h=entry&name=Old+title&content=Old+text&category[]=tea&category[]=Ghent"+
		"&photo[]=https://cdn.example/a.jpg&mp-photo-alt[]=First&published=2026-01-02T10:00:00Z&post-status=draft&visibility=unlisted")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	postURL := resp.Header.Get("Location")
	before := source(t, s, tok, postURL)
	c := s.OwnerClient(t)
	edit := "/admin/posts/edit?url=" + url.QueryEscape(postURL)
	csrf, page := studioCSRF(t, s, c, edit)
	for _, want := range []string{`value="Old title"`, `>Old text</textarea>`, `value="tea, Ghent"`, `value="2026-01-02T10:00:00"`,
		`<option value="photo" selected>`, `<option value="unlisted" selected>`, `name="draft" value="1" checked`,
		`name="kept-photo" value="https://cdn.example/a.jpg"`, `name="kept-alt" value="First"`, `value="` + postURL + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("edit form lacks %s", want)
		}
	}

	form := url.Values{"url": {postURL}, "kind": {"article"}, "name": {"New title"}, "content": {"Old text"},
		"tags": {"tea, COFFEE"}, "published": {"2026-01-02T10:00:00"}, "visibility": {"unlisted"},
		"kept-photo": {"https://cdn.example/a.jpg"}, "kept-alt": {"The first photo"}, "do": {"publish"}}
	if resp, body := postStudio(t, s, c, "/admin/posts/edit", studioForm{fields: form}); resp.StatusCode != http.StatusForbidden ||
		!strings.Contains(body, "CSRF") {
		t.Errorf("edit without CSRF: %d, want 403 with the themed page", resp.StatusCode)
	}
	form.Set("csrf", csrf)
	// A browser posting an owner form without a session is sent to sign in
	// (TestOwnerRoutesRefuse), and nothing changes.
	if resp, _ := postStudio(t, s, nil, "/admin/posts/edit", studioForm{fields: form}); resp.StatusCode != http.StatusSeeOther ||
		!strings.HasSuffix(resp.Header.Get("Location"), "/login") {
		t.Errorf("visitor's edit: %d to %q, want 303 to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := source(t, s, tok, postURL); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("refused edits changed the post:\n%v\nwas\n%v", got, before)
	}
	visitor := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, _ := get(t, s, visitor, edit); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("visitor's GET %s: %d, want 303 to /login", edit, resp.StatusCode)
	}

	resp, page = postStudio(t, s, c, "/admin/posts/edit", studioForm{fields: form})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "done=saved") {
		t.Fatalf("edit: %d to %q, want 303 to the form, saved:\n%s", resp.StatusCode, resp.Header.Get("Location"), page)
	}
	after := source(t, s, tok, postURL)
	want := map[string]string{
		"name":        "[New title]",
		"content":     "[Old text]",
		"category":    "[tea coffee]",
		"photo":       "[map[alt:The first photo value:https://cdn.example/a.jpg]]",
		"published":   "[2026-01-02T10:00:00Z]",
		"visibility":  "[unlisted]",
		"post-status": "[published]",
	}
	for prop, v := range want {
		var got any
		if vs, ok := after[prop]; ok {
			got = vs
		}
		if fmt.Sprint(got) != v {
			t.Errorf("after the edit, %s = %v, want %s", prop, got, v)
		}
	}
	if _, page := get(t, s, c, strings.TrimPrefix(resp.Header.Get("Location"), s.URL)); !strings.Contains(page, "Saved: the post is updated.") ||
		!strings.Contains(page, `value="New title"`) {
		t.Errorf("the form after saving does not say so, or lacks the new title:\n%s", page)
	}

	// Saving the form unchanged changes nothing.
	resp, _ = postStudio(t, s, c, "/admin/posts/edit", studioForm{fields: form})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "done=unchanged") {
		t.Errorf("unchanged edit: %d to %q, want 303, unchanged", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := source(t, s, tok, postURL); fmt.Sprint(got) != fmt.Sprint(after) {
		t.Errorf("an unchanged edit changed the post:\n%v\nwas\n%v", got, after)
	}
}
