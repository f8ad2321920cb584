package server_test

import (
	"bufio"
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/media/mediatest"
	"github.com/indiepub/indiepub/internal/metrics"
	"github.com/indiepub/indiepub/internal/metrics/promtest"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// scrape reads m as Prometheus would, and returns the text and its samples by series
// ("name{labels}" as written).
func scrape(t *testing.T, m *metrics.Metrics) ([]byte, map[string]float64) {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	samples := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(rec.Body.Bytes()))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("sample %q: %v", line, err)
		}
		samples[line[:i]] = v
	}
	return rec.Body.Bytes(), samples
}

func newMetricsServer(t *testing.T) (*servertest.Server, *metrics.Metrics) {
	m := metrics.New(metrics.Build{Version: "v1.2.3", Commit: "abc123", Date: "2026-11-30T10:00:00Z"})
	return servertest.New(t, func(c *server.Config) { c.Metrics = m }), m
}

func upload(t *testing.T, srv *servertest.Server, tok string, file []byte) *http.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "photo.png")
	fw.Write(file)
	mw.Close()
	resp, _ := srv.Do(t, "POST", "/media", tok, mw.FormDataContentType(), &body)
	return resp
}

// TestMetricsCount makes requests of each kind against the real server and checks that
// each counter moved by what was done, by route pattern (never the raw path), and that
// the output passes promtool.
func TestMetricsCount(t *testing.T) {
	srv, m := newMetricsServer(t)
	tok := srv.IssueToken(t, "create update delete media")

	srv.Get(t, "/", "")
	srv.Get(t, "/no/such/page", "")
	srv.Get(t, "/no/such/other/page", "")
	resp, _ := srv.PostForm(t, "/micropub", tok, "h=entry&content=hello")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	url := resp.Header.Get("Location")
	srv.PostJSON(t, "/micropub", tok, map[string]any{"action": "update", "url": url, "replace": map[string]any{"content": []string{"hi"}}})
	srv.PostForm(t, "/micropub", tok, "action=delete&url="+url)
	srv.PostForm(t, "/micropub", "not-a-token", "h=entry&content=nope")
	png := mediatest.Image(t, "png", 1)
	if resp := upload(t, srv, tok, png); resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d", resp.StatusCode)
	}

	text, got := scrape(t, m)
	for series, want := range map[string]float64{
		`indiepub_http_requests_total{code="200",method="GET",route="GET /{$}"}`:            1,
		`indiepub_http_requests_total{code="404",method="GET",route="GET /"}`:               2,
		`indiepub_http_requests_total{code="201",method="POST",route="POST /micropub"}`:     1,
		`indiepub_http_requests_total{code="204",method="POST",route="POST /micropub"}`:     2,
		`indiepub_http_requests_total{code="403",method="POST",route="POST /micropub"}`:     1,
		`indiepub_http_requests_total{code="201",method="POST",route="POST /media"}`:        1,
		`indiepub_http_request_duration_seconds_count{route="POST /micropub"}`:              4,
		`indiepub_posts_changed_total{action="create"}`:                                     1,
		`indiepub_posts_changed_total{action="update"}`:                                     1,
		`indiepub_posts_changed_total{action="delete"}`:                                     1,
		`indiepub_posts_changed_total{action="undelete"}`:                                   0,
		`indiepub_media_uploads_total`:                                                      1,
		`indiepub_media_upload_bytes_total`:                                                 float64(len(png)),
		`indiepub_token_verifications_total{outcome="valid"}`:                               4,
		`indiepub_token_verifications_total{outcome="invalid"}`:                             1,
		`indiepub_store_errors_total{store="database"}`:                                     0,
		`indiepub_build_info{commit="abc123",date="2026-11-30T10:00:00Z",version="v1.2.3"}`: 1,
	} {
		if got[series] != want {
			t.Errorf("%s = %v, want %v", series, got[series], want)
		}
	}
	if bytes.Contains(text, []byte("/no/such")) {
		t.Errorf("a raw path is a label:\n%s", text)
	}
	promtest.Check(t, text)
}

// TestMetricsStoreErrors: a database that fails and a media folder that cannot be written
// are counted as store errors.
func TestMetricsStoreErrors(t *testing.T) {
	srv, m := newMetricsServer(t)
	tok := srv.IssueToken(t, "media")
	// The media folder replaced by a file: no upload can be received.
	media := filepath.Join(srv.Cfg.DataDir, "media")
	if err := os.RemoveAll(media); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(media, []byte("not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	if resp := upload(t, srv, tok, mediatest.Image(t, "png", 2)); resp.StatusCode < 500 {
		t.Errorf("upload into a file: %d, want a 5xx", resp.StatusCode)
	}
	srv.DB.SQL().Close() // the database gone away
	srv.Get(t, "/", "")
	_, got := scrape(t, m)
	if got[`indiepub_store_errors_total{store="media"}`] < 1 {
		t.Errorf("media store errors: %v, want at least 1", got[`indiepub_store_errors_total{store="media"}`])
	}
	if got[`indiepub_store_errors_total{store="database"}`] < 1 {
		t.Errorf("database errors: %v, want at least 1", got[`indiepub_store_errors_total{store="database"}`])
	}
}
