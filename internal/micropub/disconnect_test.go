package micropub_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// syncBuffer is a log destination the server's goroutines and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestUploadDisconnect sends half of a photo upload and hangs up: the server must take
// it for the client's doing (a 4xx) and log nothing at ERROR level.
func TestUploadDisconnect(t *testing.T) {
	var logs syncBuffer
	srv := servertest.New(t, func(c *server.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	tok := srv.IssueToken(t, allScopes)
	head := strings.ReplaceAll("--XyZ\nContent-Disposition: form-data; name=\"h\"\n\nentry\n--XyZ\n"+
		"Content-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\nContent-Type: image/jpeg\n\n", "\n", "\r\n")
	part := append([]byte(head), tinyJPEG(t)...)
	part = append(part, bytes.Repeat([]byte{0}, 64<<10)...)

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /micropub HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: %d\r\n\r\n",
		srv.Listener.Addr(), tok, len(part)*4)
	if _, err := conn.Write(part); err != nil {
		t.Fatal(err)
	}
	conn.Close()

	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), `route="POST /micropub" status=`) {
		if time.Now().After(deadline) {
			t.Fatalf("no request logged for the cut-off upload; log:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	out := logs.String()
	if strings.Contains(out, "level=ERROR") {
		t.Errorf("a client hanging up was logged as an error:\n%s", out)
	}
	if !strings.Contains(out, `route="POST /micropub" status=4`) {
		t.Errorf("cut-off upload answered with no 4xx:\n%s", out)
	}
	if n := countPosts(t, srv, tok); n != 0 {
		t.Errorf("%d posts after a cut-off upload, want 0", n)
	}
}
