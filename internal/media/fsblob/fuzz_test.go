package fsblob

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/indiepub/indiepub/internal/media"

	"github.com/indiepub/indiepub/internal/fixture"
)

// FuzzPut feeds arbitrary bytes, with the types clients declare, through sniffing, the
// SVG check and storage: the store must never fail for another reason than the
// uploader's, must store exactly the bytes it read under their hash, and must never
// accept HTML or script-capable SVG. Seeds are the files inside real clients' multipart
// bodies, and the kinds of files they send.
func FuzzPut(f *testing.F) {
	names := fixture.Glob(f, "*.multipart.txt")
	partType := regexp.MustCompile(`(?i)content-type: *([^\r\n]+)`)
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, m := range partType.FindAllSubmatch(b, -1) {
			f.Add(testImage(f, "jpeg", len(name)), string(m[1]))
		}
		f.Add(b, "")
	}
	f.Add(testImage(f, "png", 1), "image/png")
	f.Add(testImage(f, "gif", 1), "image/gif")
	f.Add(ftyp("heic", "mif1", "heic"), "image/heic")
	f.Add(ftyp("isom", "isom", "mp41"), "video/mp4")
	f.Add(mp3Frames(), "audio/mpeg")
	f.Add([]byte(`<svg xmlns="http://www.w3.org/2000/svg"><circle r="1"/></svg>`), "image/svg+xml")
	f.Add([]byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "image/svg+xml")
	f.Add([]byte("<!DOCTYPE html><script>alert(1)</script>"), "image/jpeg")
	f.Add([]byte("%PDF-1.7\n"), "application/pdf")
	dir := f.TempDir()
	s := newStore(f, testConfig{Dir: dir, MaxSize: 1 << 20})
	f.Fuzz(func(t *testing.T, data []byte, declared string) {
		b, err := s.Put(bytes.NewReader(data), declared)
		if err != nil {
			if !errors.Is(err, media.ErrType) && !errors.Is(err, media.ErrEmpty) && !errors.Is(err, media.ErrTooLarge) {
				t.Fatalf("Put: %v, want only the uploader's errors", err)
			}
			return
		}
		if b.Type == "text/html" || b.Ext() == "" || !s.Accepts(b.Type) {
			t.Fatalf("stored a %q file (ext %q)", b.Type, b.Ext())
		}
		if b.Type == "image/svg+xml" && media.CheckSVG(bytes.NewReader(data)) != nil {
			t.Fatalf("stored an SVG with active content")
		}
		got, err := os.ReadFile(filepath.Join(dir, b.Path()))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("stored file: %v, same bytes %v", err, bytes.Equal(got, data))
		}
		entries, _ := os.ReadDir(filepath.Join(dir, ".tmp"))
		if len(entries) != 0 {
			t.Fatalf("%d temp files left", len(entries))
		}
	})
}
