package site_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/fixture"

	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/site"
	"github.com/indiepub/indiepub/internal/store/sqlite"
)

// ownerHeader marks a request as the owner's: the tests' IsOwner reads it, as the real
// one reads the session cookie.
const ownerHeader = "X-Test-Owner"

// testSite is the website on a real SQLite file, served over HTTP.
type testSite struct {
	*httptest.Server
	DB      *sqlite.DB
	Cfg     site.Config
	Handler *site.Handler
	// Mux is the website's routes as the server mounts them.
	Mux *http.ServeMux
}

// newSite starts the website on a fresh database. Cfg.URL is the server's own URL unless
// modify sets another.
func newSite(t testing.TB, modify ...func(*site.Config)) *testSite {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.Open(t.Context(), filepath.Join(dir, "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ts := &testSite{DB: db}
	var h http.Handler
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	ts.Cfg = site.Config{
		URL:      ts.URL + "/",
		Name:     "Jane Example",
		Photo:    "https://example.com/jane.jpg",
		Note:     "Writes about coffee, bikes and the open web.",
		ThemeDir: filepath.Join(dir, "theme"),
		IsOwner:  func(r *http.Request) bool { return r.Header.Get(ownerHeader) == "yes" },
	}
	for _, m := range modify {
		m(&ts.Cfg)
	}
	ts.Handler = site.New(ts.Cfg, db)
	ts.Mux = http.NewServeMux()
	server.Routes{Site: ts.Handler}.Mount(ts.Mux)
	h = ts.Mux
	return ts
}

// fixture reads a client request body.
func readFixture(t testing.TB, name string) string {
	t.Helper()
	return string(fixture.Read(t, name))
}

// item reads a JSON create body or a form-encoded one into an mf2 object, as Micropub
// clients send them.
func item(t testing.TB, body string) map[string]any {
	t.Helper()
	if strings.HasPrefix(strings.TrimSpace(body), "{") {
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatalf("fixture: %v", err)
		}
		return m
	}
	form, err := url.ParseQuery(body)
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	props := map[string]any{}
	typ := "h-entry"
	for k, vs := range form {
		k = strings.TrimSuffix(k, "[]")
		if k == "h" {
			typ = "h-" + vs[0]
			continue
		}
		list, _ := props[k].([]any)
		for _, v := range vs {
			list = append(list, v)
		}
		props[k] = list
	}
	return map[string]any{"type": []any{typ}, "properties": props}
}

// createPost stores a post from an mf2 object the way Micropub create does (commands
// stripped, slug and URL chosen), then lets change adjust it before it is stored.
func (ts *testSite) createPost(t testing.TB, raw map[string]any, change ...func(*post.Post)) *post.Post {
	t.Helper()
	it, err := post.Normalize(raw)
	if err != nil {
		t.Fatal(err)
	}
	cmds := post.StripCommands(&it)
	p, err := post.New(it, time.Date(2024, 5, 4, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var mpSlug string
	if vs := cmds["mp-slug"]; len(vs) > 0 {
		mpSlug, _ = vs[0].(string)
	}
	slug := post.ChooseSlug(p.Item, mpSlug, p.LocalPublished())
	for _, c := range change {
		c(p)
	}
	for n := 1; ; n++ {
		p.Slug = post.NthSlug(slug, n)
		p.URL = ts.Cfg.URL + strings.TrimPrefix(p.Path(""), "/")
		err = ts.DB.CreatePost(context.Background(), p)
		if !errors.Is(err, post.ErrExists) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// set replaces a property and reindexes, for posts built from fixtures.
func set(name string, vs ...any) func(*post.Post) {
	return func(p *post.Post) {
		p.Item.Properties[name] = vs
		if err := p.Reindex(time.Now()); err != nil {
			panic(err)
		}
	}
}

// get fetches a URL (absolute or a path) with optional headers as name, value pairs.
func (ts *testSite) get(t testing.TB, u string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	if !strings.HasPrefix(u, "http") {
		u = ts.URL + u
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// page fetches a page that must answer 200 and parses its microformats.
func (ts *testSite) page(t testing.TB, u string, headers ...string) ([]*mf2, []byte) {
	t.Helper()
	resp, body := ts.get(t, u, headers...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200\n%s", u, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("GET %s: Content-Type %q", u, ct)
	}
	return parseMF2(t, body), body
}
