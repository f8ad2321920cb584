package micropub

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// seeds reads the client fixtures whose names end in suffix from shared/clients, which
// sits beside the repository root.
func seeds(f *testing.F, suffix string) [][]byte {
	f.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "..", "..", "shared", "clients", "*"+suffix))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no %s fixtures in ../../../shared/clients: %v", suffix, err)
	}
	var out [][]byte
	for _, p := range paths {
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
