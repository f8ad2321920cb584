package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serveFresh runs `indiepub serve` with args on a fresh data directory until the test
// ends, and returns its address and its log.
func serveFresh(t *testing.T, args ...string) (addr string, logs *syncBuffer) {
	t.Helper()
	logs = newSyncBuffer()
	addr = startServe(t, logs, append([]string{"--data", filepath.Join(t.TempDir(), "data")}, args...)...)
	return addr, logs
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestMetricsAddr: with --metrics-addr the metrics are served there, in the Prometheus
// text format with the build's labels, and not on the site's own address; without it
// there is no /metrics anywhere.
func TestMetricsAddr(t *testing.T) {
	maddr := freeAddr(t)
	addr, logs := serveFresh(t, "--metrics-addr", maddr)
	get(t, "http://"+addr+"/")
	// The request is counted once its answer is written, which the client may read
	// first: ask again until it shows (or 5 s have passed).
	resp, body := get(t, "http://"+maddr+"/metrics")
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(body, `route="GET /{$}"`) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		resp, body = get(t, "http://"+maddr+"/metrics")
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `indiepub_http_requests_total{code="200",method="GET",route="GET /{$}"} 1`) ||
		!strings.Contains(body, "indiepub_build_info{commit=") {
		t.Errorf("GET /metrics on --metrics-addr: %d, want the home page's request and the build info:\n%s", resp.StatusCode, body)
	}
	if resp, body := get(t, "http://"+addr+"/metrics"); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "indiepub_http") {
		t.Errorf("GET /metrics on the site's address: %d, want 404 and no metrics", resp.StatusCode)
	}
	if !strings.Contains(logs.String(), "metrics listening") {
		t.Errorf("log does not say where the metrics are:\n%s", logs.String())
	}

	plain, _ := serveFresh(t)
	if resp, _ := get(t, "http://"+plain+"/metrics"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics without --metrics-addr: %d, want 404", resp.StatusCode)
	}
}

// TestAccessLog: --access-log logs each request at INFO with its request id (the one the
// client sent, echoed back), route pattern, status, bytes and duration, and never the raw
// path or query.
func TestAccessLog(t *testing.T) {
	addr, logs := serveFresh(t, "--access-log", "--log-json")
	req, _ := http.NewRequest("GET", "http://"+addr+"/notes/2026/11/secret-slug?access_token=abc123", nil)
	req.Header.Set("X-Request-Id", "trace-42")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-Id"); got != "trace-42" {
		t.Errorf("X-Request-Id answered %q, want the request's trace-42", got)
	}
	var line string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"request_id":"trace-42"`) {
			line = l
		}
	}
	for _, want := range []string{`"level":"INFO"`, `"msg":"request"`, `"route":"GET /"`, `"status":404`, `"bytes":`, `"duration":`} {
		if !strings.Contains(line, want) {
			t.Errorf("access log line %q lacks %s", line, want)
		}
	}
	if strings.Contains(logs.String(), "secret-slug") || strings.Contains(logs.String(), "abc123") {
		t.Errorf("the raw path or query was logged:\n%s", logs.String())
	}
	resp, _ = get(t, "http://"+addr+"/healthz")
	if id := resp.Header.Get("X-Request-Id"); id == "" || id == "trace-42" {
		t.Errorf("a request without X-Request-Id got %q, want a new one", id)
	}
}
