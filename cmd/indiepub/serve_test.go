package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/store/sqlite"
)

// warmingHandler answers every request and blocks in Warm until its context ends.
type warmingHandler struct {
	started, cancelled chan struct{}
}

func (h *warmingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }

func (h *warmingHandler) Warm(ctx context.Context) {
	close(h.started)
	<-ctx.Done()
	close(h.cancelled)
}

// TestServeWarmsInTheBackground checks that the server answers while warming is still
// running, and that shutting down cancels warming and waits for it.
func TestServeWarmsInTheBackground(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &warmingHandler{started: make(chan struct{}), cancelled: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, h, slog.New(slog.NewTextHandler(io.Discard, nil)), "") }()
	select {
	case <-h.started:
	case <-time.After(10 * time.Second):
		t.Fatal("serve never started warming")
	}
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz while warming: %v", err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after shutdown")
	}
	select {
	case <-h.cancelled:
	default:
		t.Fatal("serve returned before warming was cancelled")
	}
}

// TestServeAnswersAtOnceWithHeavyPosts starts indiepub on a database holding articles
// that took goldmark minutes to render: /healthz must answer at once, and the home page
// soon after.
func TestServeAnswersAtOnceWithHeavyPosts(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	// Main creates the data directory and the database; add the posts to it after.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--addr", addr, "--data", data}, strings.NewReader(""), io.Discard, io.Discard)
	}()
	waitHealthy(t, "http://"+addr+"/healthz", done)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(t.Context(), filepath.Join(data, "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	for i, content := range []string{strings.Repeat(">", 300<<10), strings.Repeat("[a](", 100<<10)} {
		p, err := post.New(post.Item{Type: []string{"h-entry"}, Properties: map[string][]any{
			"name": {"Heavy"}, "content": {content}}}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		p.Slug = "heavy-" + string(rune('a'+i))
		p.URL = "http://" + addr + "/articles/" + p.Slug
		if err := db.CreatePost(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	done = make(chan error, 1)
	start := time.Now()
	go func() {
		done <- Main(ctx, []string{"serve", "--addr", addr, "--data", data}, strings.NewReader(""), io.Discard, io.Discard)
	}()
	waitHealthy(t, "http://"+addr+"/healthz", done)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("/healthz answered %v after the start, want at once", d)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("GET /: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /: %d, want 200", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}
