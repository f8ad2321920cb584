package webmention_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestAdminSent: /admin/mentions shows, per post, each webmention it sent: the target,
// the endpoint, the result with the endpoint's code, and when; a failure says so and why.
func TestAdminSent(t *testing.T) {
	rv := newReceiving(t)
	targets := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/accepts":
			w.Header().Set("Link", `</wm/ok>; rel="webmention"`)
		case r.Method == http.MethodGet && r.URL.Path == "/refuses":
			w.Header().Set("Link", `</wm/no>; rel="webmention"`)
		case r.Method == http.MethodGet:
			w.Write([]byte("<html><body>no endpoint here</body></html>"))
		case r.URL.Path == "/wm/ok":
			w.Header().Set("Location", "http://"+r.Host+"/wm/status/1")
			w.WriteHeader(http.StatusAccepted)
		default:
			http.Error(w, "no such target", http.StatusBadRequest)
		}
	}))
	t.Cleanup(targets.Close)
	content := url.QueryEscape(`<p>See <a href="` + targets.URL + `/accepts">one</a>, <a href="` + targets.URL +
		`/refuses">two</a> and <a href="` + targets.URL + `/plain">three</a>.</p>`)
	postURL := rv.createPost(t, "h=entry&content[html]="+content)
	owner := rv.OwnerClient(t)
	if page := ownerGet(t, rv, owner, "/admin/mentions"); !strings.Contains(page, `id="no-sent"`) {
		t.Errorf("before anything is sent the page does not say so")
	}
	rv.changed(t, postURL, "create")
	rv.runJobs(t)

	page := html.UnescapeString(ownerGet(t, rv, owner, "/admin/mentions"))
	i := strings.Index(page, `<h2 id="sent">`)
	if i < 0 {
		t.Fatalf("no Sent section on /admin/mentions")
	}
	sent := page[i:]
	if !strings.Contains(sent, `<a href="`+postURL+`">`) || !strings.Contains(sent, "(1 failed)") {
		t.Errorf("the Sent section does not head the post %s with its one failure:\n%s", postURL, sent)
	}
	rowRE := regexp.MustCompile(`(?s)<tr class="sent-([a-z-]+)"><td>([^<]+)</td><td><a href="([^"]+)".*?</td>\s*<td>([^<]*)</td><td>(.*?)</td></tr>`)
	got := map[string][]string{}
	for _, m := range rowRE.FindAllStringSubmatch(sent, -1) {
		got[strings.TrimPrefix(m[3], targets.URL)] = []string{m[1], m[2], strings.TrimPrefix(m[4], targets.URL), m[5]}
	}
	for target, want := range map[string][]string{
		"/accepts": {"sent", "/wm/ok", "sent 202: " + targets.URL + "/wm/status/1"},
		"/refuses": {"failed", "/wm/no", "<strong class=\"failed\">failed</strong> 400: endpoint answered 400 Bad Request"},
		"/plain":   {"no-endpoint", "-", "no-endpoint"},
	} {
		row := got[target]
		if row == nil {
			t.Errorf("no row for %s in:\n%s", target, sent)
			continue
		}
		if row[0] != want[0] || row[2] != want[1] || row[3] != want[2] || !strings.HasSuffix(row[1], "UTC") {
			t.Errorf("row of %s: %q, want status %s, endpoint %s, result %q and a time", target, row, want[0], want[1], want[2])
		}
	}
}
