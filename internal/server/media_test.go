package server_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/store/sqlite"
)

// TestNewMediaRoutes: the standalone media server mounts the media routes and /healthz
// of the route table, and nothing of the website or the other endpoints.
func TestNewMediaRoutes(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(t.Context(), filepath.Join(dir, "media.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ts := httptest.NewUnstartedServer(nil)
	ts.Start()
	t.Cleanup(ts.Close)
	h, err := server.NewMedia(server.MediaConfig{URL: ts.URL + "/", DataDir: dir, MaxUpload: 1 << 20,
		Verifier: &indieauth.External{Me: ts.URL + "/"}, Logger: slog.Default()}, db)
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = h
	for _, tt := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/healthz", 200, "ok\n"},
		{"GET", "/media", 401, ""},
		{"GET", "/media/ab/cd/nothing.jpg", 404, `{"error":"not_found","error_description":"no such file"}` + "\n"},
		{"GET", "/", 404, "404 page not found\n"},
		{"POST", "/micropub", 404, "404 page not found\n"},
	} {
		req, _ := http.NewRequest(tt.method, ts.URL+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || (tt.body != "" && string(body) != tt.body) {
			t.Errorf("%s %s: %d %q, want %d %q", tt.method, tt.path, resp.StatusCode, body, tt.status, tt.body)
		}
	}
}
