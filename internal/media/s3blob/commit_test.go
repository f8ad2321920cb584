package s3blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/media/s3blob"
	"github.com/indiepub/indiepub/internal/media/s3blob/s3test"
)

// TestCommitCopiesParts: a body of several parts, committed, is one object at its key
// with the bytes received and the headers of its type (a PDF: a download), and the
// temporary objects of its parts are gone once it is discarded.
func TestCommitCopiesParts(t *testing.T) {
	cfg := s3test.Bucket(t)
	cfg.Prefix = "site"
	s, err := s3blob.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("%PDF-1.7 indiepub"), 5*s3blob.DefaultPartSize/(2*17)+1)
	sum := sha256.Sum256(data)
	key := media.Blob{Hash: hex.EncodeToString(sum[:]), Type: "application/pdf"}.Path()
	ctx := context.Background()
	p, err := s.Receive(ctx, nil, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Discard()
	if got, err := io.ReadAll(p.Content()); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Content: %d bytes, %v; want the %d received", len(got), err, len(data))
	}
	if err := p.Commit(ctx, key); err != nil {
		t.Fatal(err)
	}
	p.Discard()

	client := s3test.Client(t, cfg)
	obj, err := client.GetObject(ctx, cfg.Bucket, "site/"+key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	got, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("object at %s: %d bytes, %v; want the %d received", key, len(got), err, len(data))
	}
	st, _ := obj.Stat()
	for h, want := range map[string]string{
		"Content-Type":        "application/pdf",
		"Cache-Control":       "public, max-age=31536000, immutable",
		"Content-Disposition": "attachment; filename=" + key[len("ab/cd/"):len("ab/cd/")+12] + ".pdf",
	} {
		if got := st.Metadata.Get(h); got != want {
			t.Errorf("object's %s: %q, want %q", h, got, want)
		}
	}
	held, err := s3test.List(ctx, client, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"site/" + key}; !slices.Equal(held, want) {
		t.Errorf("the bucket holds %q, want %q", held, want)
	}
}

// failCopy is a transport that answers the copy of part 2 into the object at the
// content address with S3's error for a bad request, as a server that cannot copy it
// would, and passes every other request on.
type failCopy struct{}

func (failCopy) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("X-Amz-Copy-Source") != "" && req.URL.Query().Get("partNumber") == "2" {
		body := "<Error><Code>InvalidRequest</Code><Message>part copy refused</Message></Error>"
		return &http.Response{StatusCode: http.StatusBadRequest, Status: "400 Bad Request", Proto: "HTTP/1.1",
			ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{"Content-Type": {"application/xml"}},
			Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req}, nil
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestFailedPartCopyLeavesNothing: when a part cannot be copied to the content address,
// Commit fails, aborts the multipart upload there, and once discarded nothing is left:
// no object at the key, no unfinished upload, no temporary part.
func TestFailedPartCopyLeavesNothing(t *testing.T) {
	cfg := s3test.Bucket(t)
	cfg.Transport = failCopy{}
	s, err := s3blob.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("indiepub"), 3*s3blob.DefaultPartSize/8)
	sum := sha256.Sum256(data)
	key := media.Blob{Hash: hex.EncodeToString(sum[:]), Type: "image/png"}.Path()
	ctx := context.Background()
	p, err := s.Receive(ctx, nil, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	err = p.Commit(ctx, key)
	p.Discard()
	if err == nil || !strings.Contains(err.Error(), "part copy refused") {
		t.Errorf("Commit with a part copy refused: %v, want its error", err)
	}
	held, err := s3test.List(ctx, s3test.Client(t, cfg), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 0 {
		t.Errorf("after a failed copy the bucket holds %q, want nothing", held)
	}
}
