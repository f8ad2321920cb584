package reqbody_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/reqbody"
)

// The time a handler spends between its reads is its own, not the client's silence.
func TestHandlerPauseIsNotIdle(t *testing.T) {
	limits := reqbody.Limits{Idle: 200 * time.Millisecond, MinRate: 1}
	ts := httptest.NewServer(limits.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		head := make([]byte, 5)
		if _, err := io.ReadFull(r.Body, head); err != nil {
			t.Errorf("first read: %v", err)
		}
		time.Sleep(500 * time.Millisecond) // storing a file part, say
		rest, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read after a pause: %v", err)
		}
		fmt.Fprint(w, len(head)+len(rest))
	})))
	defer ts.Close()
	// More than net/http buffers, so that reads after the pause reach the connection.
	resp, err := http.Post(ts.URL, "text/plain", strings.NewReader(strings.Repeat("x", 1<<20)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); string(b) != fmt.Sprint(1<<20) {
		t.Errorf("the handler read %s bytes, want all %d", b, 1<<20)
	}
}

// Once the body is in, the request lives on however long the handler takes: its
// context is not cancelled by a deadline passing (net/http clears it at the body's end).
func TestDeadlineClearedAtEOF(t *testing.T) {
	limits := reqbody.Limits{Idle: 100 * time.Millisecond, MinRate: 1}
	ts := httptest.NewServer(limits.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			t.Errorf("read: %v", err)
		}
		select {
		case <-r.Context().Done():
			t.Errorf("request cancelled while the handler worked: %v", r.Context().Err())
		case <-time.After(400 * time.Millisecond):
		}
		io.WriteString(w, "done")
	})))
	defer ts.Close()
	resp, err := http.Post(ts.URL, "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func TestErrTimeoutIsATimeout(t *testing.T) {
	var ne interface{ Timeout() bool }
	if !errors.As(error(reqbody.ErrTimeout), &ne) || !ne.Timeout() {
		t.Error("ErrTimeout is not a timeout")
	}
}
