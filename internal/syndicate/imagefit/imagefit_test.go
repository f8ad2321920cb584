package imagefit_test

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"testing"

	"github.com/indiepub/indiepub/internal/media/mediatest"
	"github.com/indiepub/indiepub/internal/syndicate/imagefit"
)

func TestSmallImageIsKept(t *testing.T) {
	data := mediatest.Image(t, "png", 1)
	img, err := imagefit.Fit(data, 1<<20, 2000)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(img.Data, data) || img.ContentType != "image/png" || img.Width != 16 || img.Height != 16 {
		t.Errorf("got %s %d×%d, %d bytes; want the PNG itself", img.ContentType, img.Width, img.Height, len(img.Data))
	}
}

func TestLargeImageIsScaled(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 600, 200))
	for i := range src.Pix {
		src.Pix[i] = byte(i * 7919 >> 3)
	}
	var buf bytes.Buffer
	png.Encode(&buf, src)
	img, err := imagefit.Fit(buf.Bytes(), 20_000, 300)
	if err != nil {
		t.Fatal(err)
	}
	if img.ContentType != "image/jpeg" || len(img.Data) > 20_000 || img.Width > 300 || img.Width != 3*img.Height {
		t.Errorf("got %s %d×%d, %d bytes; want a 3:1 JPEG of at most 300 px and 20000 bytes", img.ContentType, img.Width, img.Height, len(img.Data))
	}
	if cfg, err := (func() (image.Config, error) {
		c, _, err := image.DecodeConfig(bytes.NewReader(img.Data))
		return c, err
	})(); err != nil || cfg.Width != img.Width {
		t.Errorf("output does not decode as said: %v %v", cfg, err)
	}
}

func TestNotAnImage(t *testing.T) {
	if _, err := imagefit.Fit([]byte("%PDF-1.7"), 1000, 0); !errors.Is(err, imagefit.ErrNotImage) {
		t.Errorf("error %v, want ErrNotImage", err)
	}
}
