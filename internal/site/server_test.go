package site_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// TestWholeServer publishes through the real Micropub endpoint of the whole handler tree
// and reads the result on the website, as a client and a reader would.
func TestWholeServer(t *testing.T) {
	srv := servertest.New(t, func(c *server.Config) {
		c.Name, c.Note = "Jane Example", "Writes about coffee."
	})
	tok := srv.IssueToken(t, "create update delete")
	// Quill sends the token in the body too: the same one as in the header.
	form := strings.Replace(readFixture(t, "quill-note.form"), "q7Lm2Zs9Xv4Rk1Tw8Bn3Yc6Hd0Fj5Gp", tok, 1)
	resp, body := srv.PostForm(t, "/micropub", tok, form)
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusAccepted {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, srv.Cfg.URL) {
		t.Fatalf("Location %q", loc)
	}
	resp, body = srv.Get(t, loc, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", loc, resp.StatusCode)
	}
	entries := findMF2(parseMF2(t, body), "h-entry")
	if len(entries) != 1 || entries[0].get("url") != loc ||
		!strings.Contains(entries[0].get("content"), "Trying the new espresso bar on Alder St.") {
		t.Fatalf("post page mf2: %+v", entries)
	}
	resp, body = srv.Get(t, "/", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), loc) {
		t.Fatalf("home: %d, lists the new post: %v", resp.StatusCode, strings.Contains(string(body), loc))
	}
	items := parseMF2(t, body)
	if cards := findMF2(items, "h-card"); len(cards) == 0 || cards[0].get("name") != "Jane Example" || cards[0].get("note") != "Writes about coffee." {
		t.Errorf("home h-card from the server's configuration: %+v", cards)
	}
	links := strings.Join(resp.Header.Values("Link"), "\n")
	for _, want := range []string{"micropub", "authorization_endpoint", "token_endpoint", "indieauth-metadata"} {
		if !strings.Contains(links, `rel="`+want+`"`) || !strings.Contains(string(body), `<link rel="`+want+`"`) {
			t.Errorf("home does not advertise %s", want)
		}
	}
	// The website's catch-all route leaves the other endpoints alone.
	if resp, _ := srv.Get(t, "/micropub?q=config", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /micropub without a token: %d, want 401 from the Micropub endpoint", resp.StatusCode)
	}
	if resp, _ := srv.Get(t, "/healthz", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: %d", resp.StatusCode)
	}
	resp, body = srv.Get(t, "/.well-known/oauth-authorization-server", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "authorization_endpoint") {
		t.Errorf("metadata: %d", resp.StatusCode)
	}
}
