package micropub_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/servertest"
	"github.com/indiepub/indiepub/internal/webmention"
)

// TestSourceShowsWebmentionStatus: q=source of a post shows the outcome of the
// webmentions it sent under mp-webmention-status, in the order the targets were first
// sent; properties[] picks it like any property; a post that sent none has none; and
// sending it back in an update stores nothing.
func TestSourceShowsWebmentionStatus(t *testing.T) {
	srv := servertest.New(t)
	// The outcomes are written here: the runner must not send the post's webmentions.
	if err := srv.Handler.StopJobs(t.Context()); err != nil {
		t.Fatal(err)
	}
	tok := srv.IssueToken(t, allScopes)
	resp, _ := srv.PostForm(t, "/micropub", tok, "h=entry&content=See+https://a.example/1+and+https://b.example/2")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	postURL := resp.Header.Get("Location")
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for _, s := range []webmention.Sent{
		{Source: postURL, Target: "https://a.example/1", Endpoint: "https://a.example/wm", Status: webmention.StatusSent,
			Code: 202, Detail: "https://a.example/wm/status/9", Linked: true, At: at},
		{Source: postURL, Target: "https://b.example/2", Status: webmention.StatusNoEndpoint, Linked: true, At: at},
	} {
		if err := srv.DB.RecordSent(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	want := `[{"target":"https://a.example/1","endpoint":"https://a.example/wm","status":"sent","code":202,` +
		`"detail":"https://a.example/wm/status/9","sent":"2026-12-02T10:00:00Z"},` +
		`{"target":"https://b.example/2","status":"no-endpoint","sent":"2026-12-02T10:00:00Z"}]`
	for _, q := range []string{"", "&properties[]=mp-webmention-status"} {
		_, body := srv.Get(t, "/micropub?q=source&url="+url.QueryEscape(postURL)+q, tok)
		var item struct {
			Properties map[string]json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(body, &item); err != nil {
			t.Fatalf("q=source%s: %v: %s", q, err, body)
		}
		if got := string(item.Properties["mp-webmention-status"]); got != want {
			t.Errorf("q=source%s: mp-webmention-status\n got %s\nwant %s", q, got, want)
		}
	}
	_, body := srv.Get(t, "/micropub?q=source&properties[]=content&url="+url.QueryEscape(postURL), tok)
	if contains(body, "mp-webmention-status") {
		t.Errorf("q=source with properties[]=content shows mp-webmention-status: %s", body)
	}

	resp, _ = srv.PostJSON(t, "/micropub", tok, map[string]any{"action": "update", "url": postURL,
		"replace": map[string]any{"mp-webmention-status": []any{map[string]any{"target": "https://evil.example/"}}}})
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("update with mp-webmention-status: %d", resp.StatusCode)
	}
	p, err := srv.DB.PostByURL(t.Context(), postURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, stored := p.Item.Properties["mp-webmention-status"]; stored {
		t.Errorf("an update stored mp-webmention-status: %v", p.Item.Properties)
	}

	resp, _ = srv.PostForm(t, "/micropub", tok, "h=entry&content=quiet")
	_, body = srv.Get(t, "/micropub?q=source&url="+url.QueryEscape(resp.Header.Get("Location")), tok)
	if contains(body, "mp-webmention-status") {
		t.Errorf("a post that sent nothing shows mp-webmention-status: %s", body)
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }
