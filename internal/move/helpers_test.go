package move_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/media/fsblob"
	"github.com/indiepub/indiepub/internal/move"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// site is a real indiepub with what moving needs beside it: the media service on its data
// directory, as cmd/indiepub builds it.
type site struct {
	*servertest.Server
	media *media.Service
	token string
}

// newSite starts a server; url, if given, is the site URL it serves (another server's,
// for a site moved to a new machine).
func newSite(t *testing.T, url string) *site {
	t.Helper()
	srv := servertest.New(t, func(c *server.Config) {
		if url != "" {
			c.URL = url
		}
	})
	blobs, err := fsblob.New(fsblob.Config{Dir: filepath.Join(srv.Cfg.DataDir, "media")})
	if err != nil {
		t.Fatal(err)
	}
	svc := media.NewService(media.ServiceConfig{URL: srv.Cfg.URL, Now: time.Now}, blobs, srv.DB)
	return &site{Server: srv, media: svc, token: srv.IssueToken(t, "create update media")}
}

func (s *site) config() move.Config {
	return move.Config{URL: s.Cfg.URL, KeepPaths: true}
}

// get fetches a path (or an absolute URL of the site, sent to this server) without
// following redirects.
func (s *site) get(t *testing.T, target string) (*http.Response, []byte) {
	t.Helper()
	if len(target) > len(s.Cfg.URL) && target[:len(s.Cfg.URL)] == s.Cfg.URL {
		target = "/" + target[len(s.Cfg.URL):]
	}
	req, err := http.NewRequest(http.MethodGet, s.URL+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := *s.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
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

// source is the q=source answer for the post at u, as JSON.
func (s *site) source(t *testing.T, u string) map[string]any {
	t.Helper()
	resp, b := s.Get(t, "/micropub?q=source&url="+u, s.token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("q=source for %s: %d %s", u, resp.StatusCode, b)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	// The mp- properties are the server's reports on the post (the webmentions and copies
	// sent, and when), never stored with it: not part of what moves.
	if props, ok := v["properties"].(map[string]any); ok {
		for k := range props {
			if strings.HasPrefix(k, "mp-") {
				delete(props, k)
			}
		}
	}
	return v
}

func (s *site) create(t *testing.T, v any) string {
	t.Helper()
	resp, b := s.PostJSON(t, "/micropub", s.token, v)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	return resp.Header.Get("Location")
}

func (s *site) upload(t *testing.T, file []byte) string {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "f")
	fw.Write(file)
	mw.Close()
	resp, b := s.Do(t, http.MethodPost, "/media", s.token, mw.FormDataContentType(), &body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}
	return resp.Header.Get("Location")
}
