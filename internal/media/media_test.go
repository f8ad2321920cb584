package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// testImage encodes a small picture; seed changes its pixels, so its bytes.
func testImage(t testing.TB, format string, seed int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range img.Pix {
		img.Pix[i] = byte(i*7 + seed)
	}
	img.Set(0, 0, color.RGBA{byte(seed), 1, 2, 255})
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, nil)
	case "gif":
		err = gif.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ftyp builds an ISO media file's first box with the given brands.
func ftyp(major string, compatible ...string) []byte {
	b := []byte{0, 0, 0, byte(16 + 4*len(compatible))}
	b = append(b, "ftyp"+major+"\x00\x00\x00\x00"...)
	for _, c := range compatible {
		b = append(b, c...)
	}
	return append(b, "\x00\x00\x00\x08free"...)
}

// mp3Frames is two MPEG-1 layer III frames, 128 kbit/s at 44.1 kHz (417 bytes each).
func mp3Frames() []byte {
	frame := make([]byte, 417)
	copy(frame, []byte{0xFF, 0xFB, 0x90, 0x00})
	return append(append([]byte{}, frame...), frame...)
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		head []byte
		want string
	}{
		{"png", testImage(t, "png", 1), "image/png"},
		{"jpeg", testImage(t, "jpeg", 1), "image/jpeg"},
		{"gif", testImage(t, "gif", 1), "image/gif"},
		{"webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 "), "image/webp"},
		{"heic", ftyp("heic", "mif1", "heic"), "image/heic"},
		{"heif", ftyp("mif1", "mif1"), "image/heif"},
		{"avif", ftyp("avif", "mif1", "avif"), "image/avif"},
		{"mp4", ftyp("isom", "isom", "iso2", "avc1", "mp41"), "video/mp4"},
		{"quicktime", ftyp("qt  ", "qt  "), "video/quicktime"},
		{"m4a", ftyp("M4A ", "M4A ", "mp42", "isom"), "audio/mp4"},
		{"3gp", ftyp("3gp4", "isom", "3gp4"), "video/3gpp"},
		{"webm", []byte("\x1A\x45\xDF\xA3\x9f\x42\x86\x81\x01webm"), "video/webm"},
		{"flac", []byte("fLaC\x00\x00\x00\x22"), "audio/flac"},
		{"ogg vorbis", []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x1e\x01vorbis"), "audio/ogg"},
		{"ogg theora", []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x2a\x80theora"), "video/ogg"},
		{"mp3 id3", []byte("ID3\x04\x00\x00\x00\x00\x00\x00"), "audio/mpeg"},
		{"mp3 frames", mp3Frames(), "audio/mpeg"},
		{"wav", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), "audio/wave"},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), "application/pdf"},
		{"svg", []byte(`<?xml version="1.0"?><!-- drawn --><svg xmlns="http://www.w3.org/2000/svg"/>`), "image/svg+xml"},
		{"html", []byte("<!DOCTYPE html><html><script>alert(1)</script>"), "text/html"},
		{"svg after a comment", []byte(`<!-- Created with a drawing app --><svg xmlns="http://www.w3.org/2000/svg"/>`), "image/svg+xml"},
		{"html after a comment", []byte(`<!-- page --><html><script>alert(1)</script></html>`), "text/html"},
		{"html without doctype", []byte("  <script>alert(1)</script>"), "text/html"},
		{"xhtml", []byte(`<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"/>`), "text/xml"},
		{"text", []byte("hello"), "text/plain"},
		{"random 0xFF", []byte{0xFF, 0xFB, 0x90, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, "application/octet-stream"},
		{"zip", []byte("PK\x03\x04\x14\x00"), "application/zip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sniff(tt.head); got != tt.want {
				t.Errorf("Sniff(%q…) = %q, want %q", tt.head[:min(len(tt.head), 16)], got, tt.want)
			}
		})
	}
}

func TestAgrees(t *testing.T) {
	tests := []struct {
		declared, sniffed string
		want              bool
	}{
		{"", "image/png", true},
		{"application/octet-stream", "image/png", true},
		{"image/jpeg", "image/jpeg", true},
		{"image/jpeg", "image/png", true}, // a mislabelled image is still an image
		{"image/jpg", "image/jpeg", true},
		{"video/mp4", "audio/mp4", true},
		{"image/jpeg", "text/html", false},
		{"image/jpeg", "application/pdf", false},
		{"application/pdf", "image/png", false},
		{"text/html", "image/png", false},
		{"image/jpeg; charset=\"", "image/jpeg", false},
	}
	for _, tt := range tests {
		if got := Agrees(tt.declared, tt.sniffed); got != tt.want {
			t.Errorf("Agrees(%q, %q) = %v, want %v", tt.declared, tt.sniffed, got, tt.want)
		}
	}
}

func newStore(t *testing.T, cfg Config) *Store {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

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
	s := newStore(t, Config{})
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
	s := newStore(t, Config{MaxSize: 1000})
	tests := []struct {
		name, declared string
		body           []byte
		want           error
	}{
		{"empty", "image/png", nil, ErrEmpty},
		{"too large", "image/png", append(testImage(t, "png", 1), make([]byte, 2000)...), ErrTooLarge},
		{"html", "text/html", []byte("<html><script>alert(1)</script>"), ErrType},
		{"html declared as jpeg", "image/jpeg", []byte("<!DOCTYPE html><html><script>alert(1)</script>"), ErrType},
		{"pdf declared as jpeg", "image/jpeg", []byte("%PDF-1.4\n"), ErrType},
		{"zip", "application/zip", []byte("PK\x03\x04\x14\x00\x00\x00"), ErrType},
		{"svg with script", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), ErrType},
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
	s := newStore(t, Config{Types: []string{"image/png"}})
	if _, err := s.Put(bytes.NewReader(testImage(t, "jpeg", 1)), "image/jpeg"); !errors.Is(err, ErrType) {
		t.Errorf("JPEG with only image/png allowed: %v, want ErrType", err)
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
	s := newStore(t, Config{})
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
	s := newStore(t, Config{})
	a := append(testImage(t, "png", 3), make([]byte, 3<<20)...)
	const n = 8
	blobs := make([]Blob, n)
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
	newStore(t, Config{Dir: dir})
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temp file after New: %v, want it gone", err)
	}
}

func TestLookup(t *testing.T) {
	s := newStore(t, Config{})
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
		if _, err := s.Lookup(path); !errors.Is(err, ErrNotFound) {
			t.Errorf("Lookup(%q): %v, want ErrNotFound", path, err)
		}
	}
	if err := s.Remove(b.Path()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lookup(b.Path()); !errors.Is(err, ErrNotFound) {
		t.Errorf("Lookup after Remove: %v, want ErrNotFound", err)
	}
}

// TestPutManyChunks stores a file many times the size of the pipeline's buffers, read in
// uneven pieces, and checks that the bytes on disk and the hash are those sent: every
// chunk written and hashed once, in order.
func TestPutManyChunks(t *testing.T) {
	s, err := New(Config{Dir: t.TempDir(), MaxSize: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
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
