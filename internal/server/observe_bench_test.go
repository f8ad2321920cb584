package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/indiepub/indiepub/internal/metrics"
)

// BenchmarkObserve measures what the request middleware adds to one request through a
// one-route mux: nothing but the request id, with metrics, and with the access log too.
func BenchmarkObserve(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /notes/{slug}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	quiet := slog.New(slog.DiscardHandler)
	logged := withRequestIDs(slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{
		{"bare mux", mux},
		{"request id", observe(quiet, false, nil, mux)},
		{"metrics", observe(quiet, false, metrics.New(metrics.Build{}), mux)},
		{"metrics and access log", observe(logged, true, metrics.New(metrics.Build{}), mux)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/notes/hello", nil)
			b.ReportAllocs()
			for b.Loop() {
				bc.h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
