package webmention_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/store/sqlite"
	"github.com/indiepub/indiepub/internal/webmention"
)

// newSender returns a Sender on a fresh SQLite store whose client may reach the test
// servers on loopback.
func newSender(t *testing.T) (*webmention.Sender, *sqlite.DB) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	client := indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: true, Timeout: 10 * time.Second})
	return webmention.NewSender(webmention.SenderConfig{Client: client, Store: db}), db
}

// sendJob is a KindSend job as PostChanged makes it.
func sendJob(t *testing.T, source, target string, linked bool) *jobs.Job {
	t.Helper()
	payload, err := json.Marshal(map[string]any{"source": source, "target": target, "linked": linked})
	if err != nil {
		t.Fatal(err)
	}
	return &jobs.Job{ID: 1, Kind: webmention.KindSend, Key: source + " " + target, Payload: payload}
}

// sentTo returns the recorded outcome for source and target; it fails the test if none.
func sentTo(t *testing.T, db *sqlite.DB, source, target string) webmention.Sent {
	t.Helper()
	sent, err := db.WebmentionsSent(t.Context(), source)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sent {
		if s.Target == target {
			return s
		}
	}
	t.Fatalf("no webmention recorded from %s to %s (recorded: %+v)", source, target, sent)
	return webmention.Sent{}
}
