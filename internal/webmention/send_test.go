package webmention_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/store/sqlite"
	"github.com/indiepub/indiepub/internal/webmention"
)

// TestSendRetries: an endpoint's 5xx and a target that times out are retried, a 429's
// Retry-After is kept, a 4xx ends the job; each outcome is recorded.
func TestSendRetries(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		header    string
		wantRetry bool
		wantAfter time.Duration
	}{
		{"server error", http.StatusBadGateway, "", true, 0},
		{"rate limited", http.StatusTooManyRequests, "120", true, 2 * time.Minute},
		{"refused", http.StatusBadRequest, "", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var posts atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet {
					w.Header().Set("Link", `</endpoint>; rel="webmention"`)
					return
				}
				posts.Add(1)
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			s, db := newSender(t)
			_, err := s.Send(t.Context(), sendJob(t, "https://indiepub.example/a", srv.URL+"/post", true))
			if err == nil {
				t.Fatalf("Send succeeded against a %d", tt.status)
			}
			if jobs.IsPermanent(err) == tt.wantRetry {
				t.Errorf("Send: %v; permanent %v, want %v", err, jobs.IsPermanent(err), !tt.wantRetry)
			}
			var re *jobs.RetryError
			if errors.As(err, &re) != (tt.wantAfter > 0) || (re != nil && re.After != tt.wantAfter) {
				t.Errorf("Send: %v; want a retry after %s", err, tt.wantAfter)
			}
			if posts.Load() != 1 {
				t.Errorf("endpoint received %d webmentions, want 1", posts.Load())
			}
			if got := sentTo(t, db, "https://indiepub.example/a", srv.URL+"/post"); got.Status != webmention.StatusFailed || got.Code != tt.status {
				t.Errorf("recorded %+v, want failed with %d", got, tt.status)
			}
		})
	}
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-release
		}))
		defer srv.Close()
		defer close(release)
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "indiepub.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		client := indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: true, Timeout: 200 * time.Millisecond})
		s := webmention.NewSender(webmention.SenderConfig{Client: client, Store: db})
		_, err = s.Send(t.Context(), sendJob(t, "https://indiepub.example/a", srv.URL+"/slow", true))
		if err == nil || jobs.IsPermanent(err) {
			t.Errorf("Send to a page that never answers: %v, want an error to retry", err)
		}
	})
}

// TestSendNeverToPrivate: with the guarded client as the server uses it, a target on a
// loopback address receives nothing and the job fails for good.
func TestSendNeverToPrivate(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Link", `<`+"/endpoint"+`>; rel="webmention"`)
	}))
	defer srv.Close()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := webmention.NewSender(webmention.SenderConfig{Client: indieauth.NewClient(indieauth.FetchOptions{}), Store: db})
	_, err = s.Send(t.Context(), sendJob(t, "https://indiepub.example/a", srv.URL+"/post", true))
	if !jobs.IsPermanent(err) || !errors.Is(err, indieauth.ErrPrivateAddress) {
		t.Errorf("Send to %s: %v, want a permanent ErrPrivateAddress", srv.URL, err)
	}
	if hits.Load() != 0 {
		t.Errorf("the private address received %d requests, want none", hits.Load())
	}
	if got := sentTo(t, db, "https://indiepub.example/a", srv.URL+"/post"); got.Status != webmention.StatusFailed {
		t.Errorf("recorded %+v, want failed", got)
	}
}
