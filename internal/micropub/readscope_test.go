package micropub_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/servertest"
)

// Posts that are not public are read only with a scope that could change them; a
// draft-only token reads back its own app's drafts; tags follow their posts.
func TestReadScopes(t *testing.T) {
	srv := servertest.New(t)
	owner := srv.IssueToken(t, "create update delete")
	create := func(tok, form string) string {
		t.Helper()
		resp, body := srv.PostForm(t, "/micropub", tok, "h=entry&"+form)
		return wantCreated(t, srv, resp, body)
	}
	public := create(owner, "content=open&category=open-tag")
	private := create(owner, "content=private&visibility=private&category=private-tag")
	unlisted := create(owner, "content=unlisted&visibility=unlisted&category=unlisted-tag")
	draft := create(owner, "content=draft&post-status=draft&category=draft-tag")
	deleted := create(owner, "content=deleted&category=deleted-tag")
	resp, body := srv.PostForm(t, "/micropub", owner, "action=delete&url="+url.QueryEscape(deleted))
	wantStatus(t, resp, body, http.StatusNoContent)
	appA := srv.IssueClientToken(t, "draft", "https://a.example/")
	appB := srv.IssueClientToken(t, "draft media", "https://b.example/")
	mine := create(appA, "content=mine&category=mine-tag")

	media := srv.IssueToken(t, "media")
	legacy := srv.IssueToken(t, "post")
	everything := []string{public, private, unlisted, draft, mine}
	tests := []struct {
		name, tok   string
		list        []string // q=source
		drafts      []string // q=source&post-status=draft; nil: 403
		readable    []string // q=source&url=
		tagsVisible []string // q=category
	}{
		{"media", media, []string{public}, nil, []string{public}, []string{"open-tag"}},
		{"update", owner, everything, []string{draft, mine}, everything,
			[]string{"draft-tag", "mine-tag", "open-tag", "private-tag", "unlisted-tag"}},
		{"legacy post", legacy, everything, []string{draft, mine}, everything,
			[]string{"draft-tag", "mine-tag", "open-tag", "private-tag", "unlisted-tag"}},
		{"draft, its app's", appA, []string{public}, []string{mine}, []string{public, mine}, []string{"open-tag"}},
		{"draft, another app's", appB, []string{public}, []string{}, []string{public}, []string{"open-tag"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := listURLs(t, srv, tt.tok, ""); !sameSet(got, tt.list) {
				t.Errorf("q=source lists %q, want %q", got, tt.list)
			}
			if tt.drafts == nil {
				resp, body := srv.Get(t, "/micropub?q=source&post-status=draft", tt.tok)
				wantError(t, resp, body, http.StatusForbidden, "insufficient_scope")
			} else if got := listURLs(t, srv, tt.tok, "&post-status=draft"); !sameSet(got, tt.drafts) {
				t.Errorf("q=source&post-status=draft lists %q, want %q", got, tt.drafts)
			}
			for _, u := range []string{public, private, unlisted, draft, deleted, mine} {
				resp, body := srv.Get(t, "/micropub?q=source&url="+url.QueryEscape(u), tt.tok)
				switch {
				case slices.Contains(tt.readable, u):
					wantStatus(t, resp, body, http.StatusOK)
				case resp.StatusCode != http.StatusBadRequest:
					t.Errorf("q=source&url=%s: status %d, want 400 as for no post; body %s", u, resp.StatusCode, body)
				case strings.Contains(string(body), `"content"`):
					t.Errorf("q=source&url=%s shows the post: %s", u, body)
				}
			}
			var cats struct{ Categories []string }
			resp, body := srv.Get(t, "/micropub?q=category", tt.tok)
			wantStatus(t, resp, body, http.StatusOK)
			if err := json.Unmarshal(body, &cats); err != nil {
				t.Fatal(err)
			}
			for _, c := range cats.Categories {
				if !slices.Contains(tt.tagsVisible, c) && !(tt.name == "update" || tt.name == "legacy post") {
					t.Errorf("q=category shows %q, a tag of no post the token may read", c)
				}
			}
			for _, c := range tt.tagsVisible {
				if !slices.Contains(cats.Categories, c) {
					t.Errorf("q=category lacks %q: %q", c, cats.Categories)
				}
			}
		})
	}
	// The filter applies within what the token may read.
	var cats struct{ Categories []string }
	resp, body = srv.Get(t, "/micropub?q=category&filter=PRI", media)
	wantStatus(t, resp, body, http.StatusOK)
	json.Unmarshal(body, &cats)
	if len(cats.Categories) != 0 {
		t.Errorf("q=category&filter=PRI with a media token: %q, want none", cats.Categories)
	}
	resp, body = srv.Get(t, "/micropub?q=category&filter=OP", media)
	json.Unmarshal(body, &cats)
	if !slices.Equal(cats.Categories, []string{"open-tag"}) {
		t.Errorf("q=category&filter=OP with a media token: %q, want [open-tag]", cats.Categories)
	}
}

func listURLs(t *testing.T, srv *servertest.Server, tok, extra string) []string {
	t.Helper()
	m := getJSON(t, srv, tok, "/micropub?q=source"+extra)
	urls := []string{}
	items, _ := m["items"].([]any)
	for _, it := range items {
		props := it.(map[string]any)["properties"].(map[string]any)
		urls = append(urls, props["url"].([]any)[0].(string))
	}
	return urls
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}
