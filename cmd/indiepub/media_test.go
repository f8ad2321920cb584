package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/metrics/promtest"
)

// tokenEndpoint is a site's IndieAuth token endpoint, off this machine in real life: it
// answers the legacy verification GET for the tokens it knows.
func tokenEndpoint(t *testing.T, me string, tokens map[string]string) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if raw == "flaky" {
			http.Error(w, "down for maintenance", http.StatusBadGateway)
			return
		}
		scope, ok := tokens[raw]
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"invalid_token"}`)
			return
		}
		owner := me
		if raw == "someone-else" {
			owner = "https://someone-else.example/"
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"me": owner, "client_id": "https://quill.p3k.io/", "scope": scope})
	}))
	t.Cleanup(ts.Close)
	return ts
}

// startMedia runs `indiepub media` with args until the test ends and returns its URL.
func startMedia(t *testing.T, args ...string) string {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, append([]string{"media", "--addr", addr, "--url", "http://" + addr + "/",
			"--allow-private-fetch"}, args...), nil, io.Discard, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("media returned %v after shutdown", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("media did not stop after its context was cancelled")
		}
	})
	waitHealthy(t, "http://"+addr+"/healthz", done)
	return "http://" + addr + "/"
}

// pngBytes is a small picture.
func pngBytes(t *testing.T, seed byte) []byte {
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = byte(i) * seed
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// postFile uploads content as the multipart part "file".
func postFile(t *testing.T, endpoint, tok string, content []byte) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "photo.png")
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, endpoint, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestMediaStandalone(t *testing.T) {
	const site = "https://blog.example/"
	te := tokenEndpoint(t, site, map[string]string{"good": "create media", "profile-only": "profile", "flaky": ""})
	data := filepath.Join(t.TempDir(), "media-data")
	base := startMedia(t, "--me", site, "--token-endpoint", te.URL, "--data", data, "--token-cache-ttl", "0")
	endpoint := base + "media"

	img := pngBytes(t, 3)
	resp, body := postFile(t, endpoint, "good", img)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(loc, base+"media/") || !strings.Contains(body, loc) {
		t.Fatalf("upload with a token the site's endpoint accepts: %d %q %s, want 201 under %smedia/", resp.StatusCode, loc, body, base)
	}
	got, err := http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	file, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if got.StatusCode != 200 || !bytes.Equal(file, img) || got.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET %s: %d, same bytes %v", loc, got.StatusCode, bytes.Equal(file, img))
	}

	for _, tt := range []struct {
		tok  string
		want int
	}{
		{"", http.StatusUnauthorized},
		{"unknown", http.StatusForbidden},
		{"someone-else", http.StatusForbidden}, // valid, but for another site
		{"profile-only", http.StatusForbidden},
		{"flaky", http.StatusServiceUnavailable},
	} {
		if resp, body := postFile(t, endpoint, tt.tok, pngBytes(t, 5)); resp.StatusCode != tt.want {
			t.Errorf("upload with token %q: %d %s, want %d", tt.tok, resp.StatusCode, body, tt.want)
		}
	}

	req, _ := http.NewRequest(http.MethodGet, endpoint+"?q=last", nil)
	req.Header.Set("Authorization", "Bearer good")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var last struct{ URL string }
	json.NewDecoder(resp.Body).Decode(&last)
	resp.Body.Close()
	if last.URL != loc {
		t.Errorf("q=last: %q, want %q", last.URL, loc)
	}
	if _, err := os.Stat(filepath.Join(data, "media.db")); err != nil {
		t.Errorf("the standalone service's own database: %v", err)
	}
}

func TestMediaStandaloneDiscovery(t *testing.T) {
	var te *httptest.Server
	// The site, elsewhere in real life, advertises its token endpoint in a Link header.
	siteServer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "<"+te.URL+">; rel=\"token_endpoint\"")
		io.WriteString(w, "<!doctype html><title>blog</title>")
	}))
	defer siteServer.Close()
	te = tokenEndpoint(t, siteServer.URL+"/", map[string]string{"good": "media"})
	base := startMedia(t, "--me", siteServer.URL+"/", "--data", t.TempDir())
	if resp, body := postFile(t, base+"media", "good", pngBytes(t, 7)); resp.StatusCode != http.StatusCreated {
		t.Errorf("upload with the token endpoint discovered from --me: %d %s, want 201", resp.StatusCode, body)
	}
}

func TestMediaFlags(t *testing.T) {
	for _, args := range [][]string{
		{"media"},                         // no --me
		{"media", "--me", "blog.example"}, // not a URL
		{"media", "--me", "https://blog.example/", "--url", "ftp://x/"},
		{"media", "--me", "https://blog.example/", "--max-upload", "0"},
	} {
		if err := Main(context.Background(), append(args, "--data", t.TempDir()), nil, io.Discard, io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

// TestMediaMetrics: `indiepub media --metrics-addr` serves its own metrics there, which
// count its requests, uploads and their bytes, token verifications by outcome and the
// cache's hits, and pass promtool.
func TestMediaMetrics(t *testing.T) {
	const site = "https://blog.example/"
	te := tokenEndpoint(t, site, map[string]string{"good": "create media"})
	maddr := freeAddr(t)
	base := startMedia(t, "--me", site, "--token-endpoint", te.URL, "--data", t.TempDir(), "--metrics-addr", maddr)
	img := pngBytes(t, 9)
	for range 2 { // the second verification is answered from the cache
		if resp, body := postFile(t, base+"media", "good", img); resp.StatusCode != http.StatusCreated {
			t.Fatalf("upload: %d %s", resp.StatusCode, body)
		}
	}
	postFile(t, base+"media", "unknown", img)
	resp, body := get(t, "http://"+maddr+"/metrics")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`indiepub_http_requests_total{code="201",method="POST",route="POST /media"} 2`,
		`indiepub_http_requests_total{code="403",method="POST",route="POST /media"} 1`,
		`indiepub_media_uploads_total 2`,
		fmt.Sprintf(`indiepub_media_upload_bytes_total %d`, 2*len(img)),
		`indiepub_token_verifications_total{outcome="valid"} 2`,
		`indiepub_token_verifications_total{outcome="invalid"} 1`,
		`indiepub_token_cache_hits_total 1`,
		`indiepub_store_errors_total{store="media"} 0`,
		`indiepub_build_info{commit=`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the media server's metrics lack %s:\n%s", want, body)
		}
	}
	promtest.Check(t, []byte(body))
}
