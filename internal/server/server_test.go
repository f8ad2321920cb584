package server_test

import (
	"net/http"
	"testing"

	"github.com/indiepub/indiepub/internal/servertest"
)

func TestHealthz(t *testing.T) {
	srv := servertest.New(t)
	resp, body := srv.Get(t, "/healthz", "")
	if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
		t.Fatalf("GET /healthz: %d %q, want 200 \"ok\\n\"", resp.StatusCode, body)
	}
}
