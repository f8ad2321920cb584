package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/indiepub/indiepub/internal/media"
)

// readyTimeout bounds the checks of one /readyz request, so that a database stuck behind
// a lock answers 503 rather than never.
const readyTimeout = 5 * time.Second

// readyStore is what /readyz asks of storage.
type readyStore interface {
	Ping(ctx context.Context) error
	Migrated(ctx context.Context) error
}

// alive answers /healthz: 200 "ok" as long as the process serves HTTP. It asks nothing of
// the store, so that a supervisor restarting on failed liveness does not restart indiepub
// for a database that is merely slow; /readyz is the deeper check.
func alive() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
}

// ready answers /readyz: 200 when the database answers, its schema is migrated and the
// media store can take a file (a small probe received and discarded, as an upload
// would be); otherwise 503 with the usual JSON error body and, under "checks", each
// check's result. The reasons are short words; the errors behind them are logged.
func ready(db readyStore, blobs media.Blobs, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		checks := map[string]string{"database": "ok", "migrations": "ok", "media": "ok"}
		var failed []string
		fail := func(name, reason string, err error) {
			checks[name] = reason
			failed = append(failed, name+" "+reason)
			logger.WarnContext(ctx, "not ready", "check", name, "err", err)
		}
		if err := db.Ping(ctx); err != nil {
			fail("database", "unreachable", err)
		} else if err := db.Migrated(ctx); err != nil {
			fail("migrations", "not applied", err)
		}
		if blobs != nil {
			if err := probeBlobs(ctx, blobs); err != nil {
				fail("media", "not writable", err)
			}
		} else {
			delete(checks, "media")
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "application/json")
		body := map[string]any{"status": "ready", "checks": checks}
		status := http.StatusOK
		if len(failed) > 0 {
			status = http.StatusServiceUnavailable
			var desc bytes.Buffer
			for i, f := range failed {
				if i > 0 {
					desc.WriteString("; ")
				}
				desc.WriteString(f)
			}
			body = map[string]any{"error": "not_ready", "error_description": desc.String(), "checks": checks}
		}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(body)
	})
}

// probeBlobs receives a few bytes into the blob store and discards them: the same
// temporary file, sync and removal an upload goes through, without making anything
// visible.
func probeBlobs(ctx context.Context, blobs media.Blobs) error {
	rec, err := blobs.Receive(ctx, []byte("indiepub readiness probe\n"), bytes.NewReader(nil), 1<<10)
	if err != nil {
		return err
	}
	rec.Discard()
	return nil
}
