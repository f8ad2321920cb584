package micropub_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/servertest"
)

// TestDataURIs checks that images embedded in HTML content as data: URIs are stored as
// media and their src rewritten, on create and update, and that anything else that
// looks like a data: URI is left as written without refusing the post.
func TestDataURIs(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, allScopes)
	png := tinyPNG(t)
	b64 := base64.StdEncoding.EncodeToString(png)
	mediaSrc := regexp.MustCompile(`src=(["'])(` + regexp.QuoteMeta(srv.Cfg.URL) + `media/[^"']+)["']`)
	createJSON := func(t *testing.T, content any) string {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"type": []string{"h-entry"},
			"properties": map[string]any{"content": []any{content}}})
		resp, b := srv.PostJSON(t, "/micropub", tok, string(body))
		return wantCreated(t, srv, resp, b)
	}
	html := func(t *testing.T, loc string) string {
		t.Helper()
		c := source(t, srv, tok, loc).Properties["content"]
		if len(c) != 1 {
			t.Fatalf("content %v, want one value", c)
		}
		m, _ := c[0].(map[string]any)
		s, _ := m["html"].(string)
		return s
	}
	wantRewritten := func(t *testing.T, got, quote string) {
		t.Helper()
		if strings.Contains(got, "data:") {
			t.Fatalf("html %q still holds the data: URI", got)
		}
		m := mediaSrc.FindStringSubmatch(got)
		if m == nil || m[1] != quote {
			t.Fatalf("html %q, want src=%s<media URL>%s", got, quote, quote)
		}
		if stored := mediaFile(t, srv, m[2]); !bytes.Equal(stored, png) {
			t.Errorf("stored %d bytes, want the %d of the embedded PNG", len(stored), len(png))
		}
	}

	t.Run("html double-quoted", func(t *testing.T) {
		loc := createJSON(t, map[string]any{"html": `<p>Look</p><img alt="" src="data:image/png;base64,` + b64 + `">`})
		wantRewritten(t, html(t, loc), `"`)
	})
	t.Run("value and html, single-quoted", func(t *testing.T) {
		loc := createJSON(t, map[string]any{"value": "Look", "html": `<img src='data:image/png;base64,` + b64 + `'>`})
		wantRewritten(t, html(t, loc), `'`)
	})
	t.Run("form content[html]", func(t *testing.T) {
		form := "h=entry&content%5Bhtml%5D=" + strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D", "<", "%3C", ">", "%3E", `"`, "%22", " ", "+").
			Replace(`<img src="data:image/png;base64,`+b64+`">`)
		resp, body := srv.PostForm(t, "/micropub", tok, form)
		wantRewritten(t, html(t, wantCreated(t, srv, resp, body)), `"`)
	})

	note := "Tip: an empty data:image/png;base64, URI shows nothing; src=\"data:image/png;base64," + b64 + "\" neither."
	untouched := []struct {
		name    string
		content any
	}{
		{"plain-text note", note},
		{"value without html", map[string]any{"value": note}},
		{"SVG", map[string]any{"html": `<img src="data:image/svg+xml;base64,PHN2Zz4=">`}},
		{"bytes not the image claimed", map[string]any{"html": `<img src="data:image/png;base64,PHNjcmlwdD4=">`}},
		{"bad base64", map[string]any{"html": `<img src="data:image/png;base64,!!!!">`}},
		{"base64 with whitespace", map[string]any{"html": "<img src=\"data:image/png;base64," + b64[:8] + "\n" + b64[8:] + "\">"}},
		{"not in src", map[string]any{"html": `<p>data:image/png;base64,` + b64 + `</p><img data-src="data:image/png;base64,` + b64 + `">`}},
	}
	for _, tt := range untouched {
		t.Run("untouched "+tt.name, func(t *testing.T) {
			loc := createJSON(t, tt.content)
			want, _ := json.Marshal([]any{tt.content})
			wantProp(t, source(t, srv, tok, loc), "content", string(want))
		})
	}

	t.Run("update replace and add", func(t *testing.T) {
		loc := createJSON(t, "first")
		for _, op := range []string{"replace", "add"} {
			body := `{"action":"update","url":"` + loc + `","` + op + `":{"content":[{"html":"<img src=\"data:image/png;base64,` + b64 + `\">"}]}}`
			resp, b := srv.PostJSON(t, "/micropub", tok, body)
			wantStatus(t, resp, b, 204)
		}
		c := source(t, srv, tok, loc).Properties["content"]
		if len(c) != 2 {
			t.Fatalf("content %v, want the replaced and the added value", c)
		}
		for _, v := range c {
			m, _ := v.(map[string]any)
			s, _ := m["html"].(string)
			wantRewritten(t, s, `"`)
		}
	})
}
