package mediaendpoint

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// rawPart is what a multipart parser made of one part.
type rawPart struct {
	Header         map[string][]string
	Name, Filename string
	Content        []byte
}

// parseOurs reads body with multipartReader, reading each part's content with reads of
// readSize bytes.
func parseOurs(body []byte, boundary string, readSize int) ([]rawPart, error) {
	mr := newMultipartReader(bytes.NewReader(body), boundary)
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
	names, err := filepath.Glob("../../../shared/clients/*.multipart.txt")
	if err != nil || len(names) == 0 {
		t.Fatalf("no client fixtures: %v", err)
	}
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
		ours, err := parseOurs(body, boundaries[i], 7)
		std, stdErr := parseStd(body, boundaries[i])
		if err != nil || stdErr != nil || !reflect.DeepEqual(ours, std) || len(ours) == 0 {
			t.Errorf("body %d: ours %d parts (%v), mime/multipart %d parts (%v): want the same parts", i, len(ours), err, len(std), stdErr)
		}
	}
}

func TestMultipartLimits(t *testing.T) {
	long := "--b\r\nContent-Disposition: form-data; name=\"file\"\r\nX-Long: " + strings.Repeat("a", maxHeaderBytes) + "\r\n\r\nx\r\n--b--\r\n"
	if _, err := parseOurs([]byte(long), "b", 512); !errors.Is(err, errMalformed) {
		t.Errorf("header block over %d bytes: %v, want errMalformed", maxHeaderBytes, err)
	}
	many := "--b\r\n" + strings.Repeat("X-A: 1\r\n", maxHeaderLines+2) + "\r\nx\r\n--b--\r\n"
	if _, err := parseOurs([]byte(many), "b", 512); !errors.Is(err, errMalformed) {
		t.Errorf("more than %d header lines: %v, want errMalformed", maxHeaderLines, err)
	}
	cut := "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nhalf a fi"
	if _, err := parseOurs([]byte(cut), "b", 512); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("body cut in a part: %v, want io.ErrUnexpectedEOF", err)
	}
}

// FuzzMultipart checks the streaming multipart reader against mime/multipart: on any
// body both read without error, they must find the same parts with the same content,
// whatever the read size; and the reader must never fail where mime/multipart succeeds
// except on its header limits.
func FuzzMultipart(f *testing.F) {
	bodies, boundaries := clientBodies(f)
	for i := range bodies {
		f.Add(bodies[i], boundaries[i], uint16(4096))
	}
	f.Add([]byte("--b\nContent-Disposition: form-data; name=\"file\"\n\nlf only\n--b--\n"), "b", uint16(3))
	f.Add([]byte("preamble\r\n--b  \r\n\r\n--b\r\n\r\nx\r\n--b--"), "b", uint16(1))
	f.Fuzz(func(t *testing.T, body []byte, boundary string, readSize uint16) {
		ours, err := parseOurs(body, boundary, int(readSize%8192)+1)
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
