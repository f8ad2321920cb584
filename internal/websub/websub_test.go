package websub_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/websub"
)

// hub is a local WebSub hub that records the publish pings it receives and answers
// with status (200 when zero).
type hub struct {
	*httptest.Server
	mu     sync.Mutex
	pings  []string
	status int
	header http.Header
}

func newHub(t *testing.T) *hub {
	h := &hub{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			http.Error(w, "want a form POST", http.StatusBadRequest)
			return
		}
		r.ParseForm()
		if r.PostForm.Get("hub.mode") != "publish" {
			http.Error(w, "want hub.mode=publish", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.pings = append(h.pings, r.PostForm["hub.url"]...)
		status, header := h.status, h.header
		h.mu.Unlock()
		for k, v := range header {
			w.Header()[k] = v
		}
		if status != 0 {
			w.WriteHeader(status)
		}
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hub) recorded() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.pings)
}

var client = indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: true})

func TestPublish(t *testing.T) {
	h := newHub(t)
	urls := []string{"https://jane.example/", "https://jane.example/feed.atom"}
	if err := websub.Publish(t.Context(), client, h.URL, urls); err != nil {
		t.Fatal(err)
	}
	if got := h.recorded(); !slices.Equal(got, urls) {
		t.Errorf("hub received %q, want %q", got, urls)
	}
}

// TestPublishFailures checks how the hub's answers are classified for the job queue.
func TestPublishFailures(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		permanent  bool
		after      time.Duration
	}{
		{"refused", http.StatusBadRequest, "", true, 0},
		{"gone", http.StatusNotFound, "", true, 0},
		{"down", http.StatusInternalServerError, "", false, 0},
		{"overloaded with Retry-After", http.StatusServiceUnavailable, "120", false, 2 * time.Minute},
		{"rate limited", http.StatusTooManyRequests, "30", false, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHub(t)
			h.status = tt.status
			if tt.retryAfter != "" {
				h.header = http.Header{"Retry-After": {tt.retryAfter}}
			}
			err := websub.Publish(t.Context(), client, h.URL, []string{"https://jane.example/"})
			if err == nil {
				t.Fatal("no error")
			}
			if jobs.IsPermanent(err) != tt.permanent {
				t.Errorf("%v: permanent %v, want %v", err, jobs.IsPermanent(err), tt.permanent)
			}
			var re *jobs.RetryError
			if got := errors.As(err, &re); got != (tt.after != 0) || (got && re.After != tt.after) {
				t.Errorf("%v: RetryError %v, want after %v", err, re, tt.after)
			}
		})
	}
}

// TestPublishUnreachable: a hub that cannot be reached is retried, and the guarded
// client refuses a hub on a private address unless allowed.
func TestPublishUnreachable(t *testing.T) {
	h := newHub(t)
	guarded := indieauth.NewClient(indieauth.FetchOptions{})
	err := websub.Publish(t.Context(), guarded, h.URL, []string{"https://jane.example/"})
	if err == nil || jobs.IsPermanent(err) || len(h.recorded()) != 0 {
		t.Errorf("publish to a loopback hub through the guarded client: %v, %d pings; want a retryable refusal", err, len(h.recorded()))
	}
}

// TestHandler runs a job as the queue would.
func TestHandler(t *testing.T) {
	h := newHub(t)
	payload, _ := json.Marshal(websub.Payload{URLs: []string{"https://jane.example/feed.json"}})
	run := websub.Handler(client, h.URL)
	if _, err := run(context.Background(), &jobs.Job{Kind: websub.Kind, Payload: payload}); err != nil {
		t.Fatal(err)
	}
	if got := h.recorded(); !slices.Equal(got, []string{"https://jane.example/feed.json"}) {
		t.Errorf("hub received %q", got)
	}
	if _, err := run(context.Background(), &jobs.Job{Kind: websub.Kind, Payload: []byte("{")}); !jobs.IsPermanent(err) {
		t.Errorf("a broken payload: %v, want a permanent failure", err)
	}
}

func TestJob(t *testing.T) {
	topics := func(_ context.Context, url string) ([]string, error) {
		if url == "https://jane.example/private" {
			return nil, nil
		}
		return []string{"https://jane.example/", "https://jane.example/feed.atom"}, nil
	}
	j, err := websub.Job(t.Context(), topics, "https://jane.example/notes/1", "change-7")
	if err != nil || j == nil || j.Kind != websub.Kind || j.Key != "change-7" {
		t.Fatalf("Job: %+v, %v; want a %s job keyed by the change", j, err, websub.Kind)
	}
	var p websub.Payload
	if err := json.Unmarshal(j.Payload, &p); err != nil || len(p.URLs) != 2 {
		t.Errorf("payload %s: %v", j.Payload, err)
	}
	if j, err := websub.Job(t.Context(), topics, "https://jane.example/private", "change-8"); j != nil || err != nil {
		t.Errorf("Job for a private post: %+v, %v; want none", j, err)
	}
}
