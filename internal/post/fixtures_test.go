package post

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/fixture"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	return fixture.Read(t, name)
}

// fixtureRaw decodes a create fixture into the map a Micropub JSON body decodes to, the way
// a form or multipart body maps onto mf2 (h= is the type, name[] is name, a file part becomes
// a URL where the media store would have put it).
func fixtureRaw(t testing.TB, name string) map[string]any {
	t.Helper()
	body := readFixture(t, name)
	switch {
	case strings.HasSuffix(name, ".json"):
		var raw map[string]any
		if err := json.Unmarshal(body, &raw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return raw
	case strings.HasSuffix(name, ".form"):
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return formRaw(vals)
	case strings.HasSuffix(name, ".multipart.txt"):
		return multipartRaw(t, name, body)
	}
	t.Fatalf("%s: unknown fixture kind", name)
	return nil
}

func formRaw(vals url.Values) map[string]any {
	props := map[string]any{}
	raw := map[string]any{"properties": props}
	for k, vs := range vals {
		k = strings.TrimSuffix(k, "[]")
		if k == "h" {
			raw["type"] = vs[0]
			continue
		}
		list, _ := props[k].([]any)
		for _, v := range vs {
			list = append(list, v)
		}
		props[k] = list
	}
	return raw
}

func multipartRaw(t testing.TB, name string, body []byte) map[string]any {
	t.Helper()
	first, _, _ := bytes.Cut(body, []byte("\r\n"))
	r := multipart.NewReader(bytes.NewReader(body), strings.TrimPrefix(string(first), "--"))
	vals := url.Values{}
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, _ := io.ReadAll(part)
		v := string(b)
		if part.FileName() != "" {
			v = "https://example.com/media/" + part.FileName()
		}
		vals.Add(part.FormName(), v)
	}
	return formRaw(vals)
}

// fixtureItem is a create fixture as a normalized item with its commands taken out.
func fixtureItem(t testing.TB, name string) (Item, map[string][]any) {
	t.Helper()
	it, err := Normalize(fixtureRaw(t, name))
	if err != nil {
		t.Fatalf("%s: Normalize: %v", name, err)
	}
	return it, StripCommands(&it)
}

// fixtureUpdate reads an update fixture's replace, add and delete (a list of names or a map
// of values; "replace": [] is PHP's empty object).
func fixtureUpdate(t testing.TB, name string) Update {
	t.Helper()
	var raw map[string]any
	if err := json.Unmarshal(readFixture(t, name), &raw); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	u, err := updateFromJSON(raw)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return u
}

func updateFromJSON(raw map[string]any) (Update, error) {
	var u Update
	props := func(v any) map[string][]any {
		m, _ := v.(map[string]any)
		out := map[string][]any{}
		for k, vs := range m {
			list, ok := vs.([]any)
			if !ok {
				list = []any{vs}
			}
			out[k] = list
		}
		return out
	}
	u.Replace, u.Add = props(raw["replace"]), props(raw["add"])
	switch d := raw["delete"].(type) {
	case []any:
		for _, v := range d {
			s, _ := v.(string)
			u.DeleteProps = append(u.DeleteProps, s)
		}
	case map[string]any:
		u.Delete = props(d)
	}
	return u, nil
}
