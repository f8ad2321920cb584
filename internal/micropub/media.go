package micropub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/post"
)

// saveMedia stores a file sent to the Micropub endpoint itself (Sunlit and Micropublish
// do so when they know no media endpoint; Quill and IndiePass send photo parts, Quill
// data: images) and returns the same URL an upload of the same bytes to the media
// endpoint gets, adding it to saved. The file's name plays no part: the type and
// extension come from the bytes; it only names the file in errors.
func (h *Handler) saveMedia(ctx context.Context, r io.Reader, filename, contentType string, saved *[]media.Saved) (string, error) {
	s, err := h.media.Save(ctx, r, contentType)
	switch {
	case errors.Is(err, media.ErrTooLarge):
		return "", fmt.Errorf("%s: %w", filename, &http.MaxBytesError{Limit: h.media.MaxSize()})
	case errors.Is(err, media.ErrType), errors.Is(err, media.ErrEmpty):
		return "", fmt.Errorf("%w: %s: %w", post.ErrInvalid, filename, err)
	case errors.Is(err, media.ErrNoSpace):
		return "", fmt.Errorf("%w: %s: %w", post.ErrNoSpace, filename, err)
	case err != nil:
		return "", err
	}
	*saved = append(*saved, s)
	return s.URL, nil
}
