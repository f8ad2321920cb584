package mediaendpoint_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// pngLike is a PNG signature followed by n-8 pseudo-random bytes.
func pngLike(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, 2))
	b := []byte("\x89PNG\r\n\x1a\n")
	for len(b) < n {
		b = append(b, byte(rng.Uint32()))
	}
	return b[:n]
}

// stdFile returns the content of the part named "file" as mime/multipart reads it.
func stdFile(body []byte, boundary string) ([]byte, bool) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := mr.NextRawPart()
		if err != nil {
			return nil, false
		}
		if p.FormName() == "file" {
			b, err := io.ReadAll(p)
			return b, err == nil
		}
	}
}

// TestRawAndBufferedAgree sends bodies of every awkward shape to the endpoint twice,
// once received raw (the connection taken over, the bytes spliced into the file) and
// once through the multipart reader, over real HTTP: both must give the same answer, a
// stored file must hold what mime/multipart reads as the file part, and the raw answer
// must close the connection (which shows it was received raw).
func TestRawAndBufferedAgree(t *testing.T) {
	// One server receives every body through the multipart reader, the other raw.
	newServer := func(rawMin int64) (*servertest.Server, string) {
		srv := servertest.New(t, func(c *server.Config) { c.MaxUpload = 2_000_000; c.RawUploadMin = rawMin })
		return srv, srv.IssueToken(t, "media")
	}
	buffered, bufferedTok := newServer(math.MaxInt64)
	raw, rawTok := newServer(1)
	const b = "xYz0123boundary"
	part := func(name, ct string) string {
		s := "--" + b + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"f\"\r\n"
		if ct != "" {
			s += "Content-Type: " + ct + "\r\n"
		}
		return s + "\r\n"
	}
	file := func(content []byte) []byte {
		return fmt.Appendf(nil, "%s%s\r\n--%s--\r\n", part("file", "image/png"), content, b)
	}
	decoys := pngLike(2, 700_000)
	for i, d := range []string{"\r\n--" + b + "X", "\r\n--" + b[:5], "\r\n--" + b + "-", "\r\n-", "\r\n--" + b + "\x00"} {
		copy(decoys[10_000+i*137_000:], d)
	}
	html := append([]byte("<!DOCTYPE html><html><script>alert(1)</script>"), bytes.Repeat([]byte("<p>x</p>"), 50_000)...)
	for _, tc := range []struct {
		name   string
		body   []byte
		status int
	}{
		{"plain", file(pngLike(1, 900_000)), 201},
		{"boundary look-alikes in the content", file(decoys), 201},
		{"one byte past the head", file(pngLike(3, media.HeadSize+1)), 201},
		{"exactly the head", file(pngLike(4, media.HeadSize)), 201},
		{"fields before and after", fmt.Appendf(nil, "%shttps://example.com/\r\n%s%s\r\n%salt text\r\n--%s--\r\n",
			part("mp-destination", ""), part("file", "image/png"), pngLike(5, 500_000), part("alt", ""), b), 201},
		{"bare line feeds", []byte(strings.ReplaceAll(part("file", "image/png"), "\r\n", "\n") +
			string(pngLike(6, 600_000)) + "\n--" + b + "--\n"), 201},
		{"padding after the boundary", fmt.Appendf(nil, "%s%s\r\n--%s \t\r\n%sx\r\n--%s--\r\n",
			part("file", "image/png"), pngLike(7, 700_000), b, part("alt", ""), b), 201},
		{"closing boundary without line break", fmt.Appendf(nil, "%s%s\r\n--%s--", part("file", "image/png"), pngLike(8, 800_000), b), 201},
		{"no closing boundary", fmt.Appendf(nil, "%s%s", part("file", "image/png"), pngLike(9, 900_000)), 400},
		{"cut inside the boundary", fmt.Appendf(nil, "%s%s\r\n--%s", part("file", "image/png"), pngLike(10, 900_000), b[:4]), 400},
		{"too large", file(pngLike(11, 2_000_001)), 413},
		{"small", file(pngLike(13, 100_000)), 201},
		{"active content", file(html), 415},
		{"spoofed type", []byte(strings.Replace(string(file(pngLike(12, 400_000))), "image/png", "application/pdf", 1)), 415},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var urls []string
			for _, way := range []struct {
				name   string
				rawMin int64
				srv    *servertest.Server
				tok    string
			}{{"buffered", math.MaxInt64, buffered, bufferedTok}, {"raw", 1, raw, rawTok}} {
				srv := way.srv
				resp, body := srv.Do(t, http.MethodPost, "/media", way.tok, "multipart/form-data; boundary="+b, bytes.NewReader(tc.body))
				if resp.StatusCode != tc.status {
					t.Fatalf("%s: %d %s, want %d", way.name, resp.StatusCode, body, tc.status)
				}
				if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
					t.Errorf("%s: Content-Type %q, want JSON", way.name, resp.Header.Get("Content-Type"))
				}
				// The raw way is taken when the file part goes on past the head and past
				// what the multipart reader has buffered by then (256 KiB at most).
				content, ok := stdFile(tc.body, b)
				switch {
				case way.rawMin == 1 && ok && len(content) > 300_000 && resp.StatusCode != 415 && !resp.Close:
					// (A type refused is refused before the takeover, through net/http.)
					t.Errorf("%s: connection kept open, want it closed after a raw upload", way.name)
				case resp.StatusCode == 201 && (way.rawMin != 1 || len(content) <= media.HeadSize) && resp.Close:
					t.Errorf("%s: connection closed, want it kept open", way.name)
				}
				if resp.StatusCode != 201 {
					continue
				}
				url := resp.Header.Get("Location")
				sum := sha256.Sum256(content)
				if !ok || !strings.Contains(url, hex.EncodeToString(sum[:])) {
					t.Fatalf("%s: stored at %s, want the SHA-256 of mime/multipart's file part %x", way.name, url, sum)
				}
				if got, stored := srv.Get(t, url, ""); got.StatusCode != 200 || !bytes.Equal(stored, content) {
					t.Errorf("%s: GET %s: %d, %d bytes, want the file part's %d", way.name, url, got.StatusCode, len(stored), len(content))
				}
				urls = append(urls, strings.TrimPrefix(url, srv.URL))
			}
			if len(urls) == 2 && urls[0] != urls[1] {
				t.Errorf("raw and buffered stored at %s and %s", urls[1], urls[0])
			}
			for _, srv := range []*servertest.Server{buffered, raw} {
				if tmp := tempFiles(t, srv); len(tmp) != 0 {
					t.Errorf("temp files left: %v", tmp)
				}
			}
		})
	}
}

// TestRawExpectContinue sends a large upload the way curl does, waiting for
// "100 Continue" before the body: received raw, it must be answered all the same.
func TestRawExpectContinue(t *testing.T) {
	srv := servertest.New(t, func(c *server.Config) { c.RawUploadMin = 1 << 20 })
	tok := srv.IssueToken(t, "media")
	content := pngLike(20, 3<<20)
	body, ct := multipartBody(t, filePart{"file", "big.png", "image/png", content})
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "POST /media HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n",
		srv.Listener.Addr(), tok, ct, len(body))
	// net/http answers 100 Continue on the handler's first read of the body, which only
	// comes once the body starts arriving with the boundary line; send that much.
	if _, err := conn.Write(body[:200]); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("got %q, %v, want 100 Continue", line, err)
	}
	br.ReadString('\n') // the empty line after it
	if _, err := conn.Write(body[200:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	sum := sha256.Sum256(content)
	if resp.StatusCode != 201 || !strings.Contains(resp.Header.Get("Location"), hex.EncodeToString(sum[:])) || !resp.Close {
		t.Fatalf("%d %s, Location %q, close %v; want 201 at the content's hash, closing", resp.StatusCode, msg, resp.Header.Get("Location"), resp.Close)
	}
}

// TestRawKeepsServing checks that a client reusing its connection after a raw upload
// simply opens a new one, and that the uploads keep working.
func TestRawKeepsServing(t *testing.T) {
	srv := servertest.New(t, func(c *server.Config) { c.RawUploadMin = 1 << 20 })
	tok := srv.IssueToken(t, "media")
	for i := range 3 {
		content := pngLike(uint64(30+i), 2<<20)
		url := uploadOK(t, srv, tok, "big.png", "image/png", content)
		if got, stored := srv.Get(t, url, ""); got.StatusCode != 200 || !bytes.Equal(stored, content) {
			t.Fatalf("upload %d: GET %s: %d, %d bytes", i, url, got.StatusCode, len(stored))
		}
	}
	resp, body := srv.Do(t, http.MethodGet, "/media?q=source", tok, "", nil)
	if resp.StatusCode != 200 || strings.Count(string(body), `"url"`) != 3 {
		t.Errorf("q=source: %d %s, want the three uploads", resp.StatusCode, body)
	}
}

// tempFiles lists the media store's temp files.
func tempFiles(t testing.TB, srv *servertest.Server) []string {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(srv.Cfg.DataDir, "media", ".tmp"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// rawConn opens a connection to srv and sends the head of a POST /media whose body is
// declared to be length bytes long.
func rawConn(t *testing.T, srv *servertest.Server, tok, ct string, length int) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "POST /media HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		srv.Listener.Addr(), tok, ct, length)
	return conn
}

// TestRawAnswersAtTheEnd sends a body shorter than its Content-Length and waits: the
// file part is complete, so the answer must come at once, not when the server gives up
// waiting for the missing bytes.
func TestRawAnswersAtTheEnd(t *testing.T) {
	srv := servertest.New(t, func(c *server.Config) { c.RawUploadMin = 1 << 20 })
	content := pngLike(40, 3<<20)
	body, ct := multipartBody(t, filePart{"file", "big.png", "image/png", content})
	conn := rawConn(t, srv, srv.IssueToken(t, "media"), ct, len(body)+1000)
	start := time.Now()
	if _, err := conn.Write(body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 201 || time.Since(start) > 10*time.Second {
		t.Errorf("%d after %v, want 201 at once", resp.StatusCode, time.Since(start))
	}
}

// TestWaitUploads checks that shutting down waits for an upload received raw, which
// http.Server.Shutdown does not see.
func TestWaitUploads(t *testing.T) {
	srv := servertest.New(t, func(c *server.Config) { c.RawUploadMin = 1 << 20 })
	content := pngLike(41, 3<<20)
	body, ct := multipartBody(t, filePart{"file", "big.png", "image/png", content})
	conn := rawConn(t, srv, srv.IssueToken(t, "media"), ct, len(body))
	if _, err := conn.Write(body[:len(body)/2]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the upload under way", func() bool { return len(tempFiles(t, srv)) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := srv.Handler.WaitUploads(ctx); err == nil {
		t.Fatal("WaitUploads returned with an upload in flight")
	}
	waited := make(chan error)
	go func() { waited <- srv.Handler.WaitUploads(context.Background()) }()
	if _, err := conn.Write(body[len(body)/2:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("upload: %v %v", resp, err)
	}
	select {
	case err := <-waited:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WaitUploads still waiting after the upload was answered")
	}
}

// TestRawFullDisk fills the media folder's disk: an upload received raw, as one through
// the multipart reader, is a 507 that says so, and leaves no temp file behind.
func TestRawFullDisk(t *testing.T) {
	disk := servertest.TinyDisk(t, "2m")
	// Two servers on the one disk: one receives every body through the multipart reader,
	// the other raw.
	newServer := func(rawMin int64) (*servertest.Server, string) {
		srv := servertest.New(t, func(c *server.Config) { c.DataDir = disk; c.RawUploadMin = rawMin })
		return srv, srv.IssueToken(t, "media")
	}
	buffered, bufferedTok := newServer(math.MaxInt64)
	raw, rawTok := newServer(1)
	servertest.Fill(t, disk)
	content := pngLike(50, 600_000)
	body, ct := multipartBody(t, filePart{"file", "big.png", "image/png", content})
	for _, way := range []struct {
		name   string
		rawMin int64
		srv    *servertest.Server
		tok    string
	}{{"buffered", math.MaxInt64, buffered, bufferedTok}, {"raw", 1, raw, rawTok}} {
		srv := way.srv
		resp, answer := srv.Do(t, http.MethodPost, "/media", way.tok, ct, bytes.NewReader(body))
		if resp.StatusCode != http.StatusInsufficientStorage || !strings.Contains(string(answer), `"insufficient_storage"`) ||
			!strings.Contains(string(answer), "disk is full") {
			t.Errorf("%s: %d %s, want 507 insufficient_storage", way.name, resp.StatusCode, answer)
		}
		if way.rawMin == 1 && !resp.Close {
			t.Errorf("%s: the answer did not come from the raw path (no Connection: close)", way.name)
		}
		if left := tempFiles(t, srv); len(left) != 0 {
			t.Errorf("%s: temp files left: %v", way.name, left)
		}
	}
}

// TestRawSlowBodies: an upload received raw is bound as any other body is: a trickle
// is a 408, a slow upload that keeps coming passes.
func TestRawSlowBodies(t *testing.T) {
	srv := servertest.New(t, func(c *server.Config) {
		c.RawUploadMin = 1
		c.BodyTimeout = 300 * time.Millisecond
		c.BodyMinRate = 1000
	})
	tok := srv.IssueToken(t, "media")
	for _, tc := range []struct {
		name  string
		seed  uint64
		step  int           // bytes sent at a time, after the first 64 KiB
		pause time.Duration // between steps
		want  int
	}{
		{"trickle", 60, 1, 50 * time.Millisecond, http.StatusRequestTimeout},
		{"slow but live", 61, 16 << 10, 20 * time.Millisecond, http.StatusCreated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, ct := multipartBody(t, filePart{"file", "big.png", "image/png", pngLike(tc.seed, 600_000)})
			conn := rawConn(t, srv, tok, ct, len(body))
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			start := time.Now()
			done := make(chan struct{})
			defer close(done)
			go func() {
				b := body
				for len(b) > 0 {
					n := min(len(b), tc.step)
					if len(b) == len(body) {
						n = 64 << 10
					}
					if _, err := conn.Write(b[:n]); err != nil {
						return
					}
					b = b[n:]
					select {
					case <-done:
						return
					case <-time.After(tc.pause):
					}
				}
			}()
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			answer, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.want || !resp.Close {
				t.Fatalf("%d (close %v) %s, want %d from the raw path", resp.StatusCode, resp.Close, answer, tc.want)
			}
			took := time.Since(start)
			switch {
			case tc.want == http.StatusRequestTimeout && took > 3*time.Second:
				t.Errorf("cut off after %v", took)
			case tc.want == http.StatusRequestTimeout && !strings.Contains(string(answer), "upload timed out"):
				t.Errorf("%s: not the raw path's timeout", answer)
			case tc.want == http.StatusCreated && took < 600*time.Millisecond:
				t.Errorf("the upload took %v, not longer than the idle limit: the test proves nothing", took)
			}
		})
	}
}
