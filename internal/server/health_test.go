package server_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/servertest"
)

type readiness struct {
	Status      string            `json:"status"`
	Error       string            `json:"error"`
	Description string            `json:"error_description"`
	Checks      map[string]string `json:"checks"`
}

func readyz(t *testing.T, srv *servertest.Server) (int, readiness) {
	t.Helper()
	resp, body := srv.Get(t, "/readyz", "")
	var r readiness
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("GET /readyz: %d %q is not JSON: %v", resp.StatusCode, body, err)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("GET /readyz: Cache-Control %q, want no-store", cc)
	}
	return resp.StatusCode, r
}

// TestHealthAndReadiness: /healthz says the process is alive without asking the store;
// /readyz checks the database, its migrations and that the media store takes a file,
// and answers 503 with what failed.
func TestHealthAndReadiness(t *testing.T) {
	t.Run("healthy", func(t *testing.T) {
		srv := servertest.New(t)
		code, r := readyz(t, srv)
		if code != http.StatusOK || r.Status != "ready" || r.Checks["database"] != "ok" || r.Checks["media"] != "ok" || r.Checks["migrations"] != "ok" {
			t.Errorf("GET /readyz: %d %+v, want 200 and every check ok", code, r)
		}
		entries, _ := os.ReadDir(filepath.Join(srv.Cfg.DataDir, "media", ".tmp"))
		if len(entries) != 0 {
			t.Errorf("the media probe left %v behind", entries)
		}
	})
	t.Run("media folder not writable", func(t *testing.T) {
		srv := servertest.New(t)
		media := filepath.Join(srv.Cfg.DataDir, "media")
		os.RemoveAll(media)
		if err := os.WriteFile(media, []byte("a file where the folder was"), 0o644); err != nil {
			t.Fatal(err)
		}
		code, r := readyz(t, srv)
		if code != http.StatusServiceUnavailable || r.Error != "not_ready" || r.Checks["media"] != "not writable" ||
			!strings.Contains(r.Description, "media") || r.Checks["database"] != "ok" {
			t.Errorf("GET /readyz: %d %+v, want 503 naming the media store only", code, r)
		}
	})
	t.Run("migration missing", func(t *testing.T) {
		srv := servertest.New(t)
		if _, err := srv.DB.SQL().Exec(`DELETE FROM schema_migrations WHERE version = '0002_tokens'`); err != nil {
			t.Fatal(err)
		}
		code, r := readyz(t, srv)
		if code != http.StatusServiceUnavailable || r.Checks["migrations"] != "not applied" {
			t.Errorf("GET /readyz: %d %+v, want 503 naming the migrations", code, r)
		}
	})
	t.Run("database gone", func(t *testing.T) {
		srv := servertest.New(t)
		srv.DB.SQL().Close()
		code, r := readyz(t, srv)
		if code != http.StatusServiceUnavailable || r.Checks["database"] != "unreachable" {
			t.Errorf("GET /readyz: %d %+v, want 503 naming the database", code, r)
		}
		resp, body := srv.Get(t, "/healthz", "")
		if resp.StatusCode != http.StatusOK || string(body) != "ok\n" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET /healthz with the database gone: %d %q, want 200 ok, no-store (alive asks no store)", resp.StatusCode, body)
		}
	})
}
