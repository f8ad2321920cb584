package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
	"github.com/indiepub/indiepub/internal/store/sqlite"
)

// logBuffer collects what a test server's logger writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.buf.String(), s)
}

// serveOn starts the real handler tree with its data directory (database and media) in
// dir; the server and its store log through logger.
func serveOn(t *testing.T, dir string, logger *slog.Logger) *servertest.Server {
	t.Helper()
	db, err := sqlite.OpenWith(t.Context(), filepath.Join(dir, "indiepub.db"), sqlite.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := &servertest.Server{DB: db}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Handler.ServeHTTP(w, r)
	}))
	s.Start()
	t.Cleanup(s.Close)
	s.Cfg = server.Config{URL: s.URL + "/", DataDir: dir, Logger: logger}
	if s.Handler, err = server.New(t.Context(), s.Cfg, db); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Handler.StopJobs(context.Background()) })
	return s
}

func jpegOf(size int) []byte {
	return append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), bytes.Repeat([]byte{byte(size)}, size)...)
}

func multipartFile(t *testing.T, field string, content []byte, fields ...string) (string, []byte) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
	w, err := mw.CreateFormFile(field, "photo.jpg")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(content)
	mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

func want507(t *testing.T, what string, resp *http.Response, body []byte) {
	t.Helper()
	var e map[string]string
	json.Unmarshal(body, &e)
	if resp.StatusCode != http.StatusInsufficientStorage || e["error"] != "insufficient_storage" ||
		!strings.Contains(e["error_description"], "disk is full") {
		t.Fatalf("%s on a full disk: %d %s, want 507 insufficient_storage", what, resp.StatusCode, body)
	}
}

// On a full disk, uploads and creates answer 507 and say why, the disk's filling up is
// logged once, reads go on, and writes work again once there is room.
func TestFullDisk(t *testing.T) {
	dir := servertest.TinyDisk(t, "3m")
	logs := &logBuffer{}
	srv := serveOn(t, dir, slog.New(slog.NewTextHandler(logs, nil)))
	tok := srv.IssueToken(t, "create update media")
	ct, upload := multipartFile(t, "file", jpegOf(20<<10))
	resp, body := srv.Do(t, http.MethodPost, "/media", tok, ct, bytes.NewReader(upload))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload before the disk is full: %d %s", resp.StatusCode, body)
	}
	file := resp.Header.Get("Location")
	resp, body = srv.PostForm(t, "/micropub", tok, "h=entry&content=before")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create before the disk is full: %d %s", resp.StatusCode, body)
	}
	post := resp.Header.Get("Location")

	servertest.Fill(t, dir)
	for i := range 3 {
		ct, upload := multipartFile(t, "file", jpegOf(200<<10+i))
		resp, body := srv.Do(t, http.MethodPost, "/media", tok, ct, bytes.NewReader(upload))
		want507(t, "POST /media", resp, body)
	}
	ct, upload = multipartFile(t, "photo", jpegOf(200<<10), "h", "entry", "content", "with a photo")
	resp, body = srv.Do(t, http.MethodPost, "/micropub", tok, ct, bytes.NewReader(upload))
	want507(t, "POST /micropub with a photo", resp, body)
	// SQLite writes into room its files already hold until it needs more.
	big := "h=entry&content=" + strings.Repeat("x", 100<<10)
	var full int
	for i := 0; i < 60 && full < 3; i++ {
		resp, body := srv.PostForm(t, "/micropub", tok, big)
		switch resp.StatusCode {
		case http.StatusCreated:
		case http.StatusInsufficientStorage:
			want507(t, "POST /micropub", resp, body)
			full++
		default:
			t.Fatalf("create on a full disk: %d %s, want 201 or 507", resp.StatusCode, body)
		}
	}
	if full == 0 {
		t.Fatal("creates on a full disk never answered 507")
	}
	update := map[string]any{"action": "update", "url": post,
		"replace": map[string]any{"content": []string{strings.Repeat("y", 200<<10)}}}
	for i := 0; ; i++ {
		resp, body := srv.PostJSON(t, "/micropub", tok, update)
		if resp.StatusCode == http.StatusNoContent && i < 20 {
			continue // written into room the database's files already held
		}
		want507(t, "update", resp, body)
		break
	}

	for _, path := range []string{"/", "/healthz", post, file,
		"/micropub?q=source", "/micropub?q=source&url=" + url.QueryEscape(post)} {
		if resp, body := srv.Get(t, path, tok); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s on a full disk: %d %s, want 200", path, resp.StatusCode, body)
		}
	}
	if n := logs.count("media: the disk is full"); n != 1 {
		t.Errorf("media logged a full disk %d times, want once:\n%s", n, logs.buf.String())
	}
	if n := logs.count("database: the disk is full"); n != 1 {
		t.Errorf("the database logged a full disk %d times, want once:\n%s", n, logs.buf.String())
	}
	if n := logs.count("level=ERROR"); n != 0 {
		t.Errorf("a full disk logged %d errors, want warnings only:\n%s", n, logs.buf.String())
	}

	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}
	ct, upload = multipartFile(t, "file", jpegOf(30<<10))
	if resp, body := srv.Do(t, http.MethodPost, "/media", tok, ct, bytes.NewReader(upload)); resp.StatusCode != http.StatusCreated {
		t.Errorf("upload once there is room: %d %s", resp.StatusCode, body)
	}
	if resp, body := srv.PostForm(t, "/micropub", tok, "h=entry&content=after"); resp.StatusCode != http.StatusCreated {
		t.Errorf("create once there is room: %d %s", resp.StatusCode, body)
	}
	if logs.count("media: the disk has room again") != 1 || logs.count("database: the disk has room again") != 1 {
		t.Errorf("room again not logged once each:\n%s", logs.buf.String())
	}
}
