package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/media/s3blob"
	"github.com/indiepub/indiepub/internal/media/s3blob/s3test"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// waitBucketEmpty waits until the test bucket holds no object and no unfinished upload:
// an upload is cleaned up after its request has ended, so the test gives it a while.
func waitBucketEmpty(t *testing.T, cfg s3blob.Config, what string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		held := bucketHolds(t, cfg)
		if len(held) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: a minute later the bucket still holds %q, want nothing", what, held)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestS3UploadAbandoned: a client that goes away in the middle of an upload of several
// parts leaves neither an object nor a temporary part nor an unfinished upload in the
// bucket, as the S3 API lists them.
func TestS3UploadAbandoned(t *testing.T) {
	s, cfg := newS3Server(t)
	tok := s.IssueToken(t, "media")
	ct, body := multipartFile(t, "file", mp4Of(40<<20))

	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /media HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		strings.TrimPrefix(s.URL, "http://"), tok, ct, len(body))
	// Send three parts' worth, then wait until S3 lists a part stored under .tmp/.
	if _, err := conn.Write(body[:24<<20]); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !slices.ContainsFunc(bucketHolds(t, cfg), func(n string) bool { return strings.HasPrefix(n, "indiepub/.tmp/") }) {
		if time.Now().After(deadline) {
			t.Fatalf("no part stored after 24 MiB sent: the bucket holds %q", bucketHolds(t, cfg))
		}
		time.Sleep(50 * time.Millisecond)
	}
	conn.Close() // the client goes away
	waitBucketEmpty(t, cfg, "an upload whose client went away")
}

// TestS3UploadRefused: uploads refused while they are received (too large, the body cut
// short) or after (a create that fails) answer a 4xx and leave the bucket empty.
func TestS3UploadRefused(t *testing.T) {
	s, cfg := newS3Server(t, func(c *server.Config) { c.MaxUpload = 20 << 20 })
	tok := s.IssueToken(t, "media")
	ct, body := multipartFile(t, "file", mp4Of(30<<20))
	resp, b := s.Do(t, http.MethodPost, "/media", tok, ct, bytes.NewReader(body))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("upload over --max-upload: %d %s, want 413", resp.StatusCode, b)
	}
	waitBucketEmpty(t, cfg, "an upload over --max-upload")

	// A body that ends before its multipart close: the part ends unexpectedly.
	ct, body = multipartFile(t, "file", mp4Of(18<<20))
	resp, b = s.Do(t, http.MethodPost, "/media", tok, ct, bytes.NewReader(body[:17<<20]))
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("upload of a body cut short: %d %s, want 400", resp.StatusCode, b)
	}
	waitBucketEmpty(t, cfg, "an upload cut short")

	// A Micropub create that fails once its file of two parts is stored: the file is
	// discarded, object and temporary object alike.
	tok = s.IssueToken(t, "create media")
	ct, body = multipartFile(t, "video", mp4Of(10<<20), "h", "entry", "published", "yesterday")
	resp, b = s.Do(t, http.MethodPost, "/micropub", tok, ct, bytes.NewReader(body))
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("create with a video and a bad date: %d %s, want 400", resp.StatusCode, b)
	}
	waitBucketEmpty(t, cfg, "a create that failed after its file was stored")
}

// TestS3NoRoom runs the media endpoint and Micropub's files on an S3 server whose disk
// is small (versitygw on a 12 MiB tmpfs, INDIEPUB_TEST_S3_FULL): an upload it has no
// room for, in one PUT or in a multipart upload, answers 507 insufficient_storage with
// the JSON error, never 500; the bucket is left as it was; the server's lack of room is
// logged once, as a warning; an upload that fits is stored again.
func TestS3NoRoom(t *testing.T) {
	cfg := s3test.BucketOn(t, s3test.FullServer(t))
	logs := &logBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	blobs, err := s3blob.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := servertest.New(t, func(c *server.Config) {
		c.Blobs, c.MaxUpload, c.Logger = blobs, 64<<20, cfg.Logger
	})
	tok := s.IssueToken(t, "create media")

	// 7 MiB fit in the 12 MiB; then neither 7 MiB more in one PUT, nor 20 MiB in parts.
	ct, body := multipartFile(t, "file", mp4Of(7<<20))
	resp, b := s.Do(t, http.MethodPost, "/media", tok, ct, bytes.NewReader(body))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload of 7 MiB: %d %s, want 201", resp.StatusCode, b)
	}
	before := bucketHolds(t, cfg)
	for _, size := range []int{7<<20 + 1, 20 << 20} {
		ct, body := multipartFile(t, "file", mp4Of(size))
		resp, b := s.Do(t, http.MethodPost, "/media", tok, ct, bytes.NewReader(body))
		wantNoRoom(t, fmt.Sprintf("POST /media of %d bytes", size), resp, b)
		if held := bucketHolds(t, cfg); !slices.Equal(held, before) {
			t.Errorf("after an upload refused for want of room the bucket holds %q, want %q", held, before)
		}
	}
	ct, body = multipartFile(t, "photo", mp4Of(9<<20), "h", "entry", "content", "with a video")
	resp, b = s.Do(t, http.MethodPost, "/micropub", tok, ct, bytes.NewReader(body))
	wantNoRoom(t, "POST /micropub with a file", resp, b)
	if n := logs.count("the S3 server has no room"); n != 1 {
		t.Errorf("the lack of room logged %d times, want once:\n%s", n, logs.String())
	}
	if n := logs.count("level=ERROR"); n != 0 {
		t.Errorf("a full S3 server logged %d errors, want a warning only:\n%s", n, logs.String())
	}

	ct, body = multipartFile(t, "file", mp4Of(64<<10))
	if resp, b := s.Do(t, http.MethodPost, "/media", tok, ct, bytes.NewReader(body)); resp.StatusCode != http.StatusCreated {
		t.Errorf("upload that fits, after: %d %s, want 201", resp.StatusCode, b)
	}
	if n := logs.count("the S3 bucket has room again"); n != 1 {
		t.Errorf("room again logged %d times, want once:\n%s", n, logs.String())
	}
}

// wantNoRoom fails unless the answer is 507 insufficient_storage with the JSON error.
func wantNoRoom(t *testing.T, what string, resp *http.Response, body []byte) {
	t.Helper()
	var e map[string]string
	if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != http.StatusInsufficientStorage ||
		e["error"] != "insufficient_storage" || e["error_description"] == "" {
		t.Errorf("%s on a full S3 server: %d %s, want 507 insufficient_storage", what, resp.StatusCode, body)
	}
}
