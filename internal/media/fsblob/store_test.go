package fsblob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/media/mediatest"
)

func testImage(t testing.TB, format string, seed int) []byte {
	return mediatest.Image(t, format, seed)
}

var ftyp, mp3Frames = mediatest.Ftyp, mediatest.MP3Frames

// files lists every regular file under dir, relative, with forward slashes.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var list []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		list = append(list, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestPut(t *testing.T) {
	s := newStore(t, testConfig{})
	a := testImage(t, "png", 1)
	b1, err := s.Put(bytes.NewReader(a), "image/png")
	if err != nil {
		t.Fatal(err)
	}
	if b1.Type != "image/png" || b1.Size != int64(len(a)) || !strings.HasSuffix(b1.Path(), ".png") {
		t.Errorf("Put: %+v (path %s), want a %d-byte image/png at a .png path", b1, b1.Path(), len(a))
	}
	got, err := os.ReadFile(filepath.Join(s.Dir(), b1.Path()))
	if err != nil || !bytes.Equal(got, a) {
		t.Fatalf("stored file: %v, same bytes %v", err, bytes.Equal(got, a))
	}
	b2, err := s.Put(bytes.NewReader(a), "")
	if err != nil || b2 != b1 {
		t.Errorf("Put same bytes again: %+v %v, want %+v", b2, err, b1)
	}
	b3, err := s.Put(bytes.NewReader(testImage(t, "png", 2)), "image/png")
	if err != nil || b3.Path() == b1.Path() {
		t.Errorf("Put other bytes: %+v %v, want another path than %s", b3, err, b1.Path())
	}
	if list := files(t, s.Dir()); len(list) != 2 {
		t.Errorf("files in the store: %q, want the two blobs and no temp file", list)
	}
}

func TestPutRefused(t *testing.T) {
	s := newStore(t, testConfig{MaxSize: 1000})
	tests := []struct {
		name, declared string
		body           []byte
		want           error
	}{
		{"empty", "image/png", nil, media.ErrEmpty},
		{"too large", "image/png", append(testImage(t, "png", 1), make([]byte, 2000)...), media.ErrTooLarge},
		{"html", "text/html", []byte("<html><script>alert(1)</script>"), media.ErrType},
		{"html declared as jpeg", "image/jpeg", []byte("<!DOCTYPE html><html><script>alert(1)</script>"), media.ErrType},
		{"pdf declared as jpeg", "image/jpeg", []byte("%PDF-1.4\n"), media.ErrType},
		{"zip", "application/zip", []byte("PK\x03\x04\x14\x00\x00\x00"), media.ErrType},
		{"svg with script", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), media.ErrType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Put(bytes.NewReader(tt.body), tt.declared)
			if !errors.Is(err, tt.want) {
				t.Errorf("Put: %v, want %v", err, tt.want)
			}
			if list := files(t, s.Dir()); len(list) != 0 {
				t.Errorf("files left behind: %q", list)
			}
		})
	}
}

func TestTypesAllowList(t *testing.T) {
	s := newStore(t, testConfig{Types: []string{"image/png"}})
	if _, err := s.Put(bytes.NewReader(testImage(t, "jpeg", 1)), "image/jpeg"); !errors.Is(err, media.ErrType) {
		t.Errorf("JPEG with only image/png allowed: %v, want media.ErrType", err)
	}
	if _, err := s.Put(bytes.NewReader(testImage(t, "png", 1)), "image/png"); err != nil {
		t.Errorf("PNG with image/png allowed: %v", err)
	}
}

// failingReader returns some bytes and then an error, like a client that disconnects.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestPutReadError(t *testing.T) {
	s := newStore(t, testConfig{})
	body := append(testImage(t, "png", 1), make([]byte, 1<<20)...)
	for _, cut := range []int{100, 5000, 600 << 10} {
		_, err := s.Put(&failingReader{data: body[:cut], err: errors.New("connection reset")}, "image/png")
		if err == nil {
			t.Errorf("Put of a body cut at %d: no error", cut)
		}
		if list := files(t, s.Dir()); len(list) != 0 {
			t.Errorf("body cut at %d: files left behind: %q", cut, list)
		}
	}
}

func TestPutConcurrentSameBytes(t *testing.T) {
	s := newStore(t, testConfig{})
	a := append(testImage(t, "png", 3), make([]byte, 3<<20)...)
	const n = 8
	blobs := make([]media.Blob, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { blobs[i], errs[i] = s.Put(bytes.NewReader(a), "image/png") })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || blobs[i] != blobs[0] {
			t.Errorf("upload %d: %+v %v, want %+v", i, blobs[i], errs[i], blobs[0])
		}
	}
	if list := files(t, s.Dir()); len(list) != 1 {
		t.Errorf("files: %q, want one", list)
	}
}

func TestNewSweepsTempFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, ".tmp", "upload-123")
	if err := os.WriteFile(stale, []byte("half an upload"), 0o600); err != nil {
		t.Fatal(err)
	}
	newStore(t, testConfig{Dir: dir})
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temp file after New: %v, want it gone", err)
	}
}

func TestLookup(t *testing.T) {
	s := newStore(t, testConfig{})
	b, err := s.Put(bytes.NewReader(testImage(t, "gif", 1)), "")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Lookup(b.Path()); err != nil || got != b {
		t.Errorf("Lookup(%s) = %+v %v, want %+v", b.Path(), got, err, b)
	}
	h := b.Hash
	for _, path := range []string{
		"", "../../etc/passwd", h[0:2] + "/" + h[2:4] + "/" + h + ".html",
		h[0:2] + "/" + h[2:4] + "/../" + h[2:4] + "/" + h + ".gif",
		"00/00/" + h + ".gif", ".tmp/upload-1", "/" + b.Path(), b.Path() + "/",
		strings.ToUpper(b.Path()), h[0:2] + "\\" + h[2:4] + "\\" + h + ".gif",
	} {
		if _, err := s.Lookup(path); !errors.Is(err, media.ErrNotFound) {
			t.Errorf("Lookup(%q): %v, want media.ErrNotFound", path, err)
		}
	}
	if err := s.Remove(context.Background(), b.Path()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lookup(b.Path()); !errors.Is(err, media.ErrNotFound) {
		t.Errorf("Lookup after Remove: %v, want media.ErrNotFound", err)
	}
}

// TestPutManyChunks stores a file many times the size of the pipeline's buffers, read in
// uneven pieces, and checks that the bytes on disk and the hash are those sent: every
// chunk written and hashed once, in order.
func TestPutManyChunks(t *testing.T) {
	s := newStore(t, testConfig{Dir: t.TempDir(), MaxSize: 64 << 20})
	data := ftyp("isom", "isom", "mp41")
	rng := rand.New(rand.NewPCG(3, 4))
	for len(data) < chunks*chunkSize*3+12345 {
		data = binary.LittleEndian.AppendUint64(data, rng.Uint64())
	}
	r := &unevenReader{data: data, rng: rng}
	b, err := s.Put(r, "video/mp4")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if b.Hash != hex.EncodeToString(sum[:]) || b.Size != int64(len(data)) {
		t.Errorf("blob %s of %d bytes, want %x of %d", b.Hash, b.Size, sum, len(data))
	}
	got, err := os.ReadFile(filepath.Join(s.Dir(), b.Path()))
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("stored file: %v, same bytes %v", err, bytes.Equal(got, data))
	}
}

// unevenReader hands out data in pieces of random size, up to 300 KiB.
type unevenReader struct {
	data []byte
	rng  *rand.Rand
}

func (r *unevenReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 1+r.rng.IntN(300<<10))], r.data)
	r.data = r.data[n:]
	return n, nil
}
