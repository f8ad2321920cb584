package media

import (
	"context"
	"fmt"
	"io"
)

// keptTypes are the images Keep accepts: raster formats a browser shows in an <img>. No
// SVG, which may carry script, whatever the upload types allow.
var keptTypes = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true, "image/avif": true,
}

// Keep stores an image fetched from another site, such as the photo of a webmention's
// author or of a reply context's author, so that the owner's pages serve it from here
// instead of loading it from there. It reads at most max bytes of r (ErrTooLarge beyond)
// and keeps only JPEG, PNG, GIF, WebP and AVIF, by their bytes (ErrType otherwise). The
// file is named by its content as uploads are, but not recorded: it is no upload of the
// owner's, so the media library does not list it. It returns the file's URL; a refused
// image leaves nothing behind.
func (s *Service) Keep(ctx context.Context, r io.Reader, max int64) (string, error) {
	head := make([]byte, HeadSize)
	n, _, err := Fill(r, head, len(head))
	if err != nil {
		return "", err
	}
	if n == 0 {
		return "", ErrEmpty
	}
	typ := Sniff(head[:n])
	if !keptTypes[typ] {
		return "", fmt.Errorf("%w: %s", ErrType, typ)
	}
	p, err := s.blobs.Receive(ctx, head[:n], r, max)
	if err != nil {
		return "", err
	}
	defer p.Discard()
	b := Blob{Hash: p.Hash, Type: typ, Size: p.Size}
	unlock, err := s.cfg.Locker.Lock(ctx)
	if err != nil {
		return "", err
	}
	defer unlock()
	if err := p.Commit(ctx, b.Path()); err != nil {
		return "", err
	}
	return s.cfg.FilesURL + b.Path(), nil
}
