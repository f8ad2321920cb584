package mediaendpoint

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/fixture"
)

// rawPart is what a multipart parser made of one part.
type rawPart struct {
	Header         map[string][]string
	Name, Filename string
	Content        []byte
}

// parseOurs reads body with multipartReader, reading each part's content with reads of
// readSize bytes from a source that gives at most chunk bytes per Read, as a socket
// does. Reads of directRead bytes or more take the reader's direct path.
func parseOurs(body []byte, boundary string, readSize, chunk int) ([]rawPart, error) {
	mr := newMultipartReader(&chunkReader{body, chunk}, boundary)
	defer mr.release()
	var parts []rawPart
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return parts, nil
		}
		if err != nil {
			return parts, err
		}
		var content bytes.Buffer
		if _, err := io.CopyBuffer(struct{ io.Writer }{&content}, struct{ io.Reader }{p}, make([]byte, readSize)); err != nil {
			return parts, err
		}
		parts = append(parts, rawPart{p.Header, p.name, p.filename, append([]byte{}, content.Bytes()...)})
	}
}

// chunkReader reads b at most n bytes at a time.
type chunkReader struct {
	b []byte
	n int
}

func (r *chunkReader) Read(d []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(d[:min(len(d), r.n)], r.b)
	r.b = r.b[n:]
	return n, nil
}

// parseStd reads body with mime/multipart, the reference.
func parseStd(body []byte, boundary string) ([]rawPart, error) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var parts []rawPart
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return parts, nil
		}
		if err != nil {
			return parts, err
		}
		content, err := io.ReadAll(p)
		if err != nil {
			return parts, err
		}
		rp := rawPart{Header: p.Header, Content: content}
		if _, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition")); err == nil {
			rp.Name, rp.Filename = params["name"], params["filename"]
		}
		parts = append(parts, rp)
	}
}

var placeholder = regexp.MustCompile(`<<[^>]*>>`)

// clientBodies returns the multipart bodies of real clients, with binary content in place
// of their placeholders, and their boundaries.
func clientBodies(t testing.TB) (bodies [][]byte, boundaries []string) {
	names := fixture.Glob(t, "*.multipart.txt")
	content := append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\r\n--not-the-boundary\r\n"), bytes.Repeat([]byte{0, '\r', '\n', '-'}, 300)...)
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		boundary := strings.TrimPrefix(string(b[:bytes.IndexAny(b, "\r\n")]), "--")
		bodies = append(bodies, placeholder.ReplaceAllLiteral(b, content))
		boundaries = append(boundaries, boundary)
	}
	return bodies, boundaries
}

func TestMultipartClients(t *testing.T) {
	bodies, boundaries := clientBodies(t)
	for i, body := range bodies {
		std, stdErr := parseStd(body, boundaries[i])
		for _, size := range []struct{ read, chunk int }{{7, len(body)}, {directRead, 1}, {directRead, 100}, {1 << 20, len(body)}} {
			ours, err := parseOurs(body, boundaries[i], size.read, size.chunk)
			if err != nil || stdErr != nil || !reflect.DeepEqual(ours, std) || len(ours) == 0 {
				t.Errorf("body %d, reads of %d from chunks of %d: ours %d parts (%v), mime/multipart %d parts (%v): want the same parts",
					i, size.read, size.chunk, len(ours), err, len(std), stdErr)
			}
		}
	}
}

func TestMultipartLimits(t *testing.T) {
	long := "--b\r\nContent-Disposition: form-data; name=\"file\"\r\nX-Long: " + strings.Repeat("a", maxHeaderBytes) + "\r\n\r\nx\r\n--b--\r\n"
	if _, err := parseOurs([]byte(long), "b", 512, len(long)); !errors.Is(err, errMalformed) {
		t.Errorf("header block over %d bytes: %v, want errMalformed", maxHeaderBytes, err)
	}
	many := "--b\r\n" + strings.Repeat("X-A: 1\r\n", maxHeaderLines+2) + "\r\nx\r\n--b--\r\n"
	if _, err := parseOurs([]byte(many), "b", 512, len(many)); !errors.Is(err, errMalformed) {
		t.Errorf("more than %d header lines: %v, want errMalformed", maxHeaderLines, err)
	}
	cut := "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nhalf a fi"
	for _, readSize := range []int{512, directRead} {
		for _, body := range []string{cut, cut + "le\r\n--b"} {
			if _, err := parseOurs([]byte(body), "b", readSize, 3); !errors.Is(err, io.ErrUnexpectedEOF) || !errors.Is(err, errMalformed) {
				t.Errorf("body cut in a part (%q, reads of %d): %v, want io.ErrUnexpectedEOF, malformed", body, readSize, err)
			}
		}
	}
}

// FuzzMultipart checks the streaming multipart reader against mime/multipart: on any
// body both read without error, they must find the same parts with the same content,
// whatever the read size and however the body arrives; and the reader must never fail where mime/multipart succeeds
// except on its header limits.
func FuzzMultipart(f *testing.F) {
	bodies, boundaries := clientBodies(f)
	for i := range bodies {
		f.Add(bodies[i], boundaries[i], uint16(4096))
	}
	f.Add([]byte("--b\nContent-Disposition: form-data; name=\"file\"\n\nlf only\n--b--\n"), "b", uint16(3))
	f.Add([]byte("preamble\r\n--b  \r\n\r\n--b\r\n\r\nx\r\n--b--"), "b", uint16(1))
	f.Add([]byte("--b\r\n\r\n\r\n-\r\n--b\r\n--b-\r\n--bc\r\n\r\n--b--"), "b", uint16(65535))
	f.Add([]byte("--b\r\n\r\n--b\r\n\r\nx\r\n--b--"), "b", uint16(40000))
	f.Fuzz(func(t *testing.T, body []byte, boundary string, readSize uint16) {
		// From 32 KiB on, reads take the direct path; the body arrives in pieces of 1 to
		// 509 bytes.
		ours, err := parseOurs(body, boundary, int(readSize)+1, int(readSize)%509+1)
		std, stdErr := parseStd(body, boundary)
		switch {
		case err == nil && stdErr == nil:
			if !reflect.DeepEqual(ours, std) {
				t.Fatalf("ours %+v\nmime/multipart %+v", ours, std)
			}
		case err != nil && stdErr == nil:
			if !strings.Contains(err.Error(), "part header") {
				t.Fatalf("ours failed where mime/multipart read %d parts: %v", len(std), err)
			}
		}
		if err != nil && !errors.Is(err, errMalformed) {
			t.Fatalf("error %v does not wrap errMalformed: it would be a 500", err)
		}
	})
}
