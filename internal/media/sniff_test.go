package media

import (
	"github.com/indiepub/indiepub/internal/media/mediatest"
	"testing"
)

func testImage(t testing.TB, format string, seed int) []byte {
	return mediatest.Image(t, format, seed)
}

var ftyp, mp3Frames = mediatest.Ftyp, mediatest.MP3Frames

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
