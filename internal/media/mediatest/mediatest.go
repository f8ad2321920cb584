// Package mediatest makes small media files of each kind for the tests of the media
// packages: pictures, ISO media boxes, MP3 frames.
package mediatest

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

// Image encodes a small picture; seed changes its pixels, so its bytes.
func Image(t testing.TB, format string, seed int) []byte {
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

// Ftyp builds an ISO media file's first box with the given brands.
func Ftyp(major string, compatible ...string) []byte {
	b := []byte{0, 0, 0, byte(16 + 4*len(compatible))}
	b = append(b, "ftyp"+major+"\x00\x00\x00\x00"...)
	for _, c := range compatible {
		b = append(b, c...)
	}
	return append(b, "\x00\x00\x00\x08free"...)
}

// MP3Frames is two MPEG-1 layer III frames, 128 kbit/s at 44.1 kHz (417 bytes each).
func MP3Frames() []byte {
	frame := make([]byte, 417)
	copy(frame, []byte{0xFF, 0xFB, 0x90, 0x00})
	return append(append([]byte{}, frame...), frame...)
}
