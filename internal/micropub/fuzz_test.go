package micropub

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/fixture"

	"github.com/indiepub/indiepub/internal/post"
)

// seeds reads the client fixtures whose names end in suffix from the repository's
// testdata/clients.
func seeds(f *testing.F, suffix string) [][]byte {
	f.Helper()
	var out [][]byte
	for _, p := range fixture.Glob(f, "*"+suffix) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// checkRequest holds for every request a parser accepts: no command or token is left
// among the properties a create would store.
func checkRequest(t *testing.T, req *request) {
	for name := range req.item.Properties {
		if name == "access_token" || strings.HasPrefix(name, "mp-") || name == "" {
			t.Fatalf("property %q survived parsing", name)
		}
	}
	if req.action == "" && len(req.item.Properties) > 0 {
		it := req.item
		if it.Type == nil {
			it.Type = []string{"h-entry"}
		}
		if p, err := post.New(it, time.Unix(0, 0)); err == nil {
			p.Slug = post.ChooseSlug(slugItem(p.Item), req.stringCmd("mp-slug"), p.LocalPublished())
			if strings.Contains(p.Slug, "/") || strings.Contains(p.Slug, "..") {
				t.Fatalf("slug %q escapes its path", p.Slug)
			}
		}
	}
}

func FuzzForm(f *testing.F) {
	for _, s := range seeds(f, ".form") {
		f.Add(s)
	}
	f.Add([]byte("h=entry&content=%zz&category=a,b,&photo[]=x&mp-photo-alt[]=&content[html]=<b>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseForm(bytes.NewReader(body))
		if err != nil {
			return
		}
		checkRequest(t, req)
	})
}

func FuzzJSON(f *testing.F) {
	for _, s := range seeds(f, ".json") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseJSON(bytes.NewReader(body))
		if err != nil {
			return
		}
		checkRequest(t, req)
	})
}

// FuzzUpdate parses update requests and applies them to a post, as the handler does.
func FuzzUpdate(f *testing.F) {
	for _, s := range seeds(f, "update.json") {
		f.Add(s)
	}
	f.Add([]byte(`{"action":"update","url":"u","replace":[],"delete":["category"],"mp-syndicate-to":["x"]}`))
	f.Add([]byte(`{"action":"update","url":"u","delete":{"category":["a"]},"add":{"photo":{"value":"x"}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseJSON(bytes.NewReader(body))
		if err != nil || req.action != "update" {
			return
		}
		p, err := post.New(post.Item{Type: []string{"h-entry"}, Properties: map[string][]any{
			"content": {"hello"}, "category": {"a", "b"}, "photo": {map[string]any{"value": "x", "alt": "y"}},
		}}, time.Unix(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if err := req.update.Apply(&p.Item); err != nil {
			return
		}
		for name := range p.Item.Properties {
			if strings.HasPrefix(name, "mp-") || name == "access_token" {
				t.Fatalf("update stored command %q", name)
			}
		}
		if _, err := json.Marshal(p.Item); err != nil {
			t.Fatalf("updated item does not encode: %v", err)
		}
		_ = p.Reindex(time.Unix(0, 0))
	})
}

// FuzzMultipart feeds multipart bodies, the boundary read from the first line as a
// client's Content-Type would give it.
func FuzzMultipart(f *testing.F) {
	for _, s := range seeds(f, ".multipart.txt") {
		f.Add(bytes.ReplaceAll(s, []byte("<<"), []byte("\xff\xd8\xff\xe0 <<")))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		line, _, _ := bytes.Cut(body, []byte("\r\n"))
		boundary := strings.TrimPrefix(string(line), "--")
		if boundary == "" || len(boundary) > 70 {
			return
		}
		save := func(field, filename, contentType string, r io.Reader) (string, error) {
			n, err := io.Copy(io.Discard, r)
			if err != nil {
				return "", err
			}
			if n > 1<<16 {
				t.Fatalf("file of %d bytes got past the 64 KiB limit", n)
			}
			return "https://example.com/media/" + field, nil
		}
		mr := multipart.NewReader(bytes.NewReader(body), boundary)
		req, err := readMultipart(mr, 1<<16, 1<<16, save)
		if err != nil {
			return
		}
		checkRequest(t, req)
	})
}

// FuzzDataURIs rewrites HTML as creates and updates do. Leaving everything as written
// must give back the input; rewriting what decodes must leave nothing that would decode.
func FuzzDataURIs(f *testing.F) {
	for _, s := range seeds(f, "editor.json") {
		req, err := parseJSON(bytes.NewReader(s))
		if err != nil {
			f.Fatal(err)
		}
		for _, c := range req.item.Properties["content"] {
			if m, ok := c.(map[string]any); ok {
				f.Add(m["html"].(string))
			}
		}
	}
	f.Add(`<p>Tip: data:image/png;base64, is empty</p><img data-src="data:image/png;base64,iVBORw0KGgo=">`)
	f.Add(`<img alt='' SRC = 'data:IMAGE/PNG;base64,iVBORw0KGgo='><img src="data:image/svg+xml;base64,PHN2Zz4=">`)
	f.Fuzz(func(t *testing.T, html string) {
		kept, err := rewriteDataImages(html, func(ct, enc string) (string, error) { return "", nil })
		if err != nil || kept != html {
			t.Fatalf("leaving every image as written gave %q, %v", kept, err)
		}
		decode := func(ct, enc string) (string, error) {
			if !inlineImageTypes[ct] {
				return "", nil
			}
			b, err := decodeDataImage(ct, enc, 1<<20)
			if err != nil || b == nil {
				return "", err
			}
			return "https://example.com/media/x", nil
		}
		out, err := rewriteDataImages(html, decode)
		if err != nil {
			return
		}
		again, err := rewriteDataImages(out, decode)
		if err != nil || again != out {
			t.Fatalf("a second rewrite of %q changed it to %q (%v)", out, again, err)
		}
	})
}
