package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// Short limits, so that the tests are quick: 300 ms without a byte, or less than
// 1000 bytes per second once those 300 ms have passed, is a 408.
func withBodyLimits(c *server.Config) {
	c.BodyTimeout = 300 * time.Millisecond
	c.BodyMinRate = 1000
}

// bodyRoute is one route that reads a request body, with what its body looks like.
type bodyRoute struct {
	name, path, contentType, prefix string
	headers                         map[string]string
}

func bodyRoutes(t *testing.T, srv *servertest.Server) []bodyRoute {
	tok := srv.IssueToken(t, "create update media")
	bearer := map[string]string{"Authorization": "Bearer " + tok}
	const boundary = "b0undary"
	multipartCT := "multipart/form-data; boundary=" + boundary
	filePart := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n" +
		"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0"
	// The login form is read only with the cookie its page sets.
	resp, _ := srv.Get(t, "/login", "")
	var cookie string
	for _, c := range resp.Cookies() {
		cookie += c.Name + "=" + c.Value + "; "
	}
	return []bodyRoute{
		{"micropub form without token", "/micropub", "application/x-www-form-urlencoded", "h=entry&content=", nil},
		{"micropub JSON", "/micropub", "application/json", `{"type":["h-entry"],"properties":{"content":["`, bearer},
		{"micropub multipart", "/micropub", multipartCT, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\nhello", bearer},
		{"micropub multipart file", "/micropub", multipartCT, filePart, bearer},
		{"media upload", "/media", multipartCT, filePart, bearer},
		{"media action", "/media", "application/x-www-form-urlencoded", "action=delete&url=", bearer},
		{"token", "/token", "application/x-www-form-urlencoded", "grant_type=authorization_code&code=", nil},
		{"introspect", "/introspect", "application/x-www-form-urlencoded", "token=", bearer},
		{"authorize", "/auth", "application/x-www-form-urlencoded", "grant_type=authorization_code&code=", nil},
		{"login", "/login", "application/x-www-form-urlencoded", "next=/&password=", map[string]string{"Cookie": cookie}},
	}
}

// sendSlowly writes the request's head announcing length bytes of body, then the body
// as send writes it, and returns the response, or fails after limit.
func sendSlowly(t *testing.T, srv *servertest.Server, rt bodyRoute, length int, limit time.Duration, send func(conn net.Conn)) (*http.Response, []byte, time.Duration) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var head strings.Builder
	fmt.Fprintf(&head, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n",
		rt.path, srv.Listener.Addr(), rt.contentType, length)
	for k, v := range rt.headers {
		fmt.Fprintf(&head, "%s: %s\r\n", k, v)
	}
	head.WriteString("\r\n")
	start := time.Now()
	if _, err := conn.Write([]byte(head.String())); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer func() { recover() }()
		send(&stoppable{Conn: conn, stop: stop})
	}()
	conn.SetReadDeadline(time.Now().Add(limit))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("POST %s: no answer within %v: %v", rt.path, limit, err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	return resp, body.Bytes(), time.Since(start)
}

// stoppable is a connection whose writes fail once the test is done with it.
type stoppable struct {
	net.Conn
	stop chan struct{}
}

func (s *stoppable) Write(b []byte) (int, error) {
	select {
	case <-s.stop:
		return 0, net.ErrClosed
	default:
	}
	return s.Conn.Write(b)
}

func want408(t *testing.T, rt bodyRoute, resp *http.Response, body []byte) {
	t.Helper()
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("POST %s: status %d, want 408; body %s", rt.path, resp.StatusCode, body)
	}
	var e struct{ Error, ErrorDescription string }
	e.ErrorDescription = "-"
	var m map[string]string
	if err := json.Unmarshal(body, &m); err != nil || m["error"] == "" || m["error_description"] == "" {
		t.Errorf("POST %s: 408 body %q, want JSON error and error_description", rt.path, body)
	}
}

// A client that trickles its body, a byte every 50 ms, is cut off once it falls under
// the least rate, though it never stays silent long enough for the idle limit.
func TestBodyTrickleIs408(t *testing.T) {
	srv := servertest.New(t, withBodyLimits)
	for _, rt := range bodyRoutes(t, srv) {
		t.Run(rt.name, func(t *testing.T) {
			resp, body, took := sendSlowly(t, srv, rt, 100000, 5*time.Second, func(conn net.Conn) {
				if _, err := conn.Write([]byte(rt.prefix)); err != nil {
					return
				}
				for {
					time.Sleep(50 * time.Millisecond)
					if _, err := conn.Write([]byte("a")); err != nil {
						return
					}
				}
			})
			want408(t, rt, resp, body)
			// A loaded machine may pause the trickler past the idle limit itself; either
			// way the client that never stops trickling is cut off in time (below).
			if !strings.Contains(string(body), "bytes per second") && !strings.Contains(string(body), "nothing came for") {
				t.Errorf("POST %s: 408 body %s, want it to name the least rate", rt.path, body)
			}
			if took > 3*time.Second {
				t.Errorf("POST %s: cut off after %v", rt.path, took)
			}
		})
	}
}

// A client that announces a longer body than it sends is cut off once it has sent
// nothing for the idle limit.
func TestBodyShorterThanContentLengthIs408(t *testing.T) {
	srv := servertest.New(t, withBodyLimits)
	for _, rt := range bodyRoutes(t, srv) {
		t.Run(rt.name, func(t *testing.T) {
			resp, body, _ := sendSlowly(t, srv, rt, len(rt.prefix)+50, 5*time.Second, func(conn net.Conn) {
				conn.Write([]byte(rt.prefix))
			})
			want408(t, rt, resp, body)
			if !strings.Contains(string(body), "nothing came for 300ms") {
				t.Errorf("POST %s: 408 body %s, want it to name the idle limit", rt.path, body)
			}
		})
	}
}

// An upload that keeps coming, well above the least rate, passes however much longer
// than the idle limit it takes.
func TestBodySlowButLiveUploadPasses(t *testing.T) {
	srv := servertest.New(t, withBodyLimits)
	tok := srv.IssueToken(t, "create media")
	const boundary = "b0undary"
	content := append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), bytes.Repeat([]byte{0x42}, 160<<10)...)
	var body bytes.Buffer
	body.WriteString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n" +
		"Content-Type: image/jpeg\r\n\r\n")
	body.Write(content)
	body.WriteString("\r\n--" + boundary + "--\r\n")
	rt := bodyRoute{name: "media", path: "/media", contentType: "multipart/form-data; boundary=" + boundary,
		headers: map[string]string{"Authorization": "Bearer " + tok}}
	// 8 KiB every 40 ms: about 200 KB/s, for about 0.8 s in all, with pauses of less
	// than the idle limit.
	resp, answer, took := sendSlowly(t, srv, rt, body.Len(), 10*time.Second, func(conn net.Conn) {
		b := body.Bytes()
		for len(b) > 0 {
			n := min(8<<10, len(b))
			if _, err := conn.Write(b[:n]); err != nil {
				return
			}
			b = b[n:]
			time.Sleep(40 * time.Millisecond)
		}
	})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("slow upload: status %d, want 201; body %s", resp.StatusCode, answer)
	}
	if took < 2*300*time.Millisecond {
		t.Errorf("the upload took %v, not longer than the idle limit: the test proves nothing", took)
	}
}
