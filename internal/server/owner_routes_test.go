package server_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/servertest"
)

// TestOwnerRoutesRefuse walks every owner's page and form of the route table (those
// routes.go mounts with ownerMux.Handle; every route under /admin/ must be one), so
// that pages added later are covered too: a visitor's GET goes to /login, a POST without
// a session goes to /login from a browser and is 403 JSON otherwise, and a POST with the
// session but without its CSRF token is 403, the themed page for a browser and JSON
// otherwise, changing nothing in the database.
func TestOwnerRoutesRefuse(t *testing.T) {
	srv := servertest.New(t)
	owned := srv.Handler.OwnerRoutes()
	if len(owned) == 0 {
		t.Fatal("no owner routes in the route table")
	}
	isOwned := map[string]bool{}
	for _, p := range owned {
		isOwned[p] = true
	}
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\.Handle\("([A-Z]+ /admin/[^"]*)"`).FindAllStringSubmatch(string(src), -1) {
		if !isOwned[m[1]] {
			t.Errorf("route %q is under /admin/ but not mounted as the owner's (ownerMux.Handle)", m[1])
		}
	}

	// Something for a form to change if it were let through.
	tok := srv.IssueToken(t, "create")
	resp, body := srv.PostForm(t, "/micropub", tok, "h=entry&content=kept")
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusAccepted {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	form := url.Values{"url": {resp.Header.Get("Location")}, "id": {"1"},
		"client_id": {"https://client.example/"}, "domain": {"example.com"}}.Encode()
	owner := srv.OwnerClient(t)
	visitor := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	for _, pattern := range owned {
		method, path, _ := strings.Cut(pattern, " ")
		path = regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(path, "x")
		t.Run(pattern, func(t *testing.T) {
			if method == http.MethodGet {
				resp := send(t, visitor, method, srv.URL+path, "", "text/html")
				if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
					t.Errorf("a visitor's GET: %d to %q, want 303 to /login", resp.StatusCode, loc)
				}
				return
			}
			resp := send(t, visitor, method, srv.URL+path, form, "text/html")
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
				t.Errorf("a visitor's form from a browser: %d to %q, want 303 to /login", resp.StatusCode, loc)
			}
			checkJSON403(t, "a visitor's form from another client", send(t, visitor, method, srv.URL+path, form, "application/json"))

			before := fingerprint(t, srv)
			resp = send(t, owner, method, srv.URL+path, form, "text/html,application/xhtml+xml")
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusForbidden || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
				!strings.Contains(body, `href="`+srv.Cfg.URL+`style.css"`) || !strings.Contains(body, "CSRF") {
				t.Errorf("the owner's form without its CSRF token, from a browser: %d %q, want 403 and the themed page naming the CSRF token\n%s",
					resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			checkJSON403(t, "the owner's form without its CSRF token, from another client", send(t, owner, method, srv.URL+path, form, "application/json"))
			if after := fingerprint(t, srv); after != before {
				t.Errorf("a form refused for want of its CSRF token changed the database")
			}
		})
	}
}

func send(t *testing.T, c *http.Client, method, u, form, accept string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", accept)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func checkJSON403(t *testing.T, what string, resp *http.Response) {
	t.Helper()
	body := readBody(t, resp)
	var m map[string]string
	if resp.StatusCode != http.StatusForbidden || json.Unmarshal([]byte(body), &m) != nil || m["error"] == "" || m["error_description"] == "" {
		t.Errorf("%s: %d %s, want 403 with a JSON error", what, resp.StatusCode, body)
	}
}

// fingerprint hashes every row of every table, so that a change anywhere shows. (The
// search index, written behind the posts, is in a file of its own.)
func fingerprint(t *testing.T, srv *servertest.Server) string {
	t.Helper()
	db := srv.DB.SQL()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
		ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	h := sha256.New()
	for _, name := range tables {
		rs, err := db.Query(`SELECT * FROM "` + name + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rs.Columns()
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rs.Scan(ptrs...)
			fmt.Fprintf(h, "%s %v\n", name, vals)
		}
		rs.Close()
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}
