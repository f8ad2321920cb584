// Package imagefit makes a photo fit a service's size limit: the file as it is when it
// already fits, else decoded, scaled down and encoded again as JPEG, with the standard
// library's codecs and golang.org/x/image's scaler and WebP decoder.
package imagefit

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // decoders for DecodeConfig and Decode
	"image/jpeg"
	_ "image/png"
	"math"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"
)

// ErrNotImage says that a file is not an image this package can read.
var ErrNotImage = errors.New("not an image indiepub can scale")

// maxPixels bounds what is decoded: a picture of more pixels is refused before its
// pixels are allocated.
const maxPixels = 60_000_000

// Image is a photo ready to upload.
type Image struct {
	Data          []byte
	ContentType   string
	Width, Height int
}

// Fit returns data as it is when it is at most maxBytes and of a format services take
// (JPEG, PNG, GIF, WebP), else a JPEG of it scaled down until it is at most maxBytes
// and its longer side at most maxSide pixels (0: no bound).
func Fit(data []byte, maxBytes, maxSide int) (*Image, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotImage, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPixels {
		return nil, fmt.Errorf("%w: %d×%d pixels", ErrNotImage, cfg.Width, cfg.Height)
	}
	longer := max(cfg.Width, cfg.Height)
	if len(data) <= maxBytes && (maxSide == 0 || longer <= maxSide) {
		return &Image{Data: data, ContentType: "image/" + format, Width: cfg.Width, Height: cfg.Height}, nil
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotImage, err)
	}
	scale := 1.0
	if maxSide > 0 && longer > maxSide {
		scale = float64(maxSide) / float64(longer)
	}
	for range 12 {
		out, w, h, err := encode(src, scale)
		if err != nil {
			return nil, err
		}
		if len(out) <= maxBytes {
			return &Image{Data: out, ContentType: "image/jpeg", Width: w, Height: h}, nil
		}
		// JPEG size grows about with the pixel count: shrink both sides by the square
		// root of the excess, and a little more so that it converges.
		scale *= math.Sqrt(float64(maxBytes)/float64(len(out))) * 0.9
	}
	return nil, fmt.Errorf("%w: cannot be made smaller than %d bytes", ErrNotImage, maxBytes)
}

func encode(src image.Image, scale float64) ([]byte, int, int, error) {
	b := src.Bounds()
	w := max(1, int(math.Round(float64(b.Dx())*scale)))
	h := max(1, int(math.Round(float64(b.Dy())*scale)))
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	// JPEG has no transparency: paint what is transparent white, as browsers show it.
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Over, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 85}); err != nil {
		return nil, 0, 0, fmt.Errorf("encode jpeg: %w", err)
	}
	return buf.Bytes(), w, h, nil
}
