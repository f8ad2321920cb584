package s3blob_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/indiepub/indiepub/internal/media/s3blob"
	"github.com/indiepub/indiepub/internal/media/s3blob/s3test"
)

// recorder is a transport that keeps the X-Amz-Content-Sha256 of every part sent: a PUT
// of a temporary object (a part copied server-side sends no bytes).
type recorder struct {
	mu     sync.Mutex
	hashes []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPut && strings.Contains(req.URL.Path, "/.tmp/") {
		r.mu.Lock()
		r.hashes = append(r.hashes, req.Header.Get("X-Amz-Content-Sha256"))
		r.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestPartsUnsigned: the parts of a multipart upload go as UNSIGNED-PAYLOAD over plain
// HTTP too, as over TLS, not signed chunk by chunk with SHA-256: the body's own hash is
// taken as it is read, and the chunks' signatures cost two more passes over every byte.
func TestPartsUnsigned(t *testing.T) {
	cfg := s3test.Bucket(t)
	rec := &recorder{}
	cfg.Transport = rec
	s, err := s3blob.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("indiepub"), 3*s3blob.DefaultPartSize/8)
	p, err := s.Receive(context.Background(), nil, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	p.Discard()
	if len(rec.hashes) != 3 {
		t.Fatalf("%d parts sent, want 3", len(rec.hashes))
	}
	for i, h := range rec.hashes {
		if h != "UNSIGNED-PAYLOAD" {
			t.Errorf("part %d: X-Amz-Content-Sha256 %q, want UNSIGNED-PAYLOAD", i+1, h)
		}
	}
}
