package mastodontest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/syndicate/mastodon/mastodontest"
)

func postStatus(t *testing.T, srv *mastodontest.Server, token, key string, form url.Values) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/statuses", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m, resp.Header
}

func TestIdempotencyWindow(t *testing.T) {
	srv := mastodontest.New()
	defer srv.Close()
	var mu sync.Mutex
	now := time.Now()
	srv.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	form := url.Values{"status": {"hello"}}
	_, a, _ := postStatus(t, srv, mastodontest.Token, "k", form)
	_, b, _ := postStatus(t, srv, mastodontest.Token, "k", form)
	if a["id"] != b["id"] {
		t.Errorf("same key: statuses %v and %v, want one", a["id"], b["id"])
	}
	mu.Lock()
	now = now.Add(61 * time.Minute)
	mu.Unlock()
	_, c, _ := postStatus(t, srv, mastodontest.Token, "k", form)
	if c["id"] == a["id"] {
		t.Errorf("same key after the hour: status %v again, want a new one", c["id"])
	}
	if n := len(srv.Statuses()); n != 2 {
		t.Errorf("%d statuses, want 2", n)
	}
}

func TestAnswers(t *testing.T) {
	srv := mastodontest.New()
	defer srv.Close()
	srv.SetLimits(10, 4, 1000)
	tests := []struct {
		name, token, status string
		want                int
	}{
		{"ok", mastodontest.Token, "short", 200},
		{"URL counts 23", mastodontest.Token, "https://example.com/", 422},
		{"too long", mastodontest.Token, "eleven char", 422},
		{"blank", mastodontest.Token, " ", 422},
		{"wrong token", "nope", "short", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body, h := postStatus(t, srv, tt.token, "", url.Values{"status": {tt.status}})
			if code != tt.want {
				t.Errorf("status %d, want %d: %v", code, tt.want, body)
			}
			if code != 200 {
				if _, ok := body["error"].(string); !ok {
					t.Errorf("error body %v, want {\"error\": …}", body)
				}
			}
			if h.Get("X-RateLimit-Limit") == "" || h.Get("X-RateLimit-Reset") == "" {
				t.Errorf("no rate-limit headers: %v", h)
			}
		})
	}
}
