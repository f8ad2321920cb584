package site

import (
	"context"
	"errors"
	"net/url"
	"path"
	"strings"

	mediastore "github.com/indiepub/indiepub/internal/media"
)

// enclosure is a post's photo, audio or video as feeds attach it: RSS <enclosure>, Atom
// rel="enclosure" links and JSON Feed attachments.
type enclosure struct {
	URL, Type string
	// Size is the file's length in bytes, 0 when it is not known.
	Size int64
}

// enclosures lists a post's audio, videos and photos, in that order, so that the first is
// what a podcast or video feed reader looks for. A file in the site's own media store has
// its recorded type and size; any other URL a type guessed from its extension and no size,
// since nothing is fetched while a feed is served.
func (h *Handler) enclosures(ctx context.Context, e *entry) ([]enclosure, error) {
	var out []enclosure
	for _, list := range [][]media{e.Audios, e.Videos, e.Photos} {
		for _, m := range list {
			enc, err := h.enclosure(ctx, m.URL)
			if err != nil {
				return nil, err
			}
			out = append(out, enc)
		}
	}
	return out, nil
}

func (h *Handler) enclosure(ctx context.Context, u string) (enclosure, error) {
	if strings.HasPrefix(u, h.cfg.MediaURL) {
		up, err := h.store.Upload(ctx, u)
		if err == nil {
			return enclosure{URL: u, Type: up.Type, Size: up.Size}, nil
		}
		if !errors.Is(err, mediastore.ErrNotFound) {
			return enclosure{}, err
		}
	}
	return enclosure{URL: u, Type: typeByURL(u)}, nil
}

// typeByURL guesses a media type from the extension of a URL's path: the types indiepub's
// media store serves, a few common spellings it does not make, and otherwise
// application/octet-stream, since RSS requires a type.
func typeByURL(u string) string {
	ext := ""
	if p, err := url.Parse(u); err == nil {
		ext = strings.ToLower(path.Ext(p.Path))
	}
	if t := mediastore.TypeByExt(ext); t != "" {
		return t
	}
	if t, ok := otherTypes[ext]; ok {
		return t
	}
	return "application/octet-stream"
}

var otherTypes = map[string]string{
	".jpeg": "image/jpeg", ".jpe": "image/jpeg", ".tif": "image/tiff", ".tiff": "image/tiff",
	".m4v": "video/mp4", ".mpeg": "video/mpeg", ".mpg": "video/mpeg", ".mkv": "video/x-matroska",
	".oga": "audio/ogg", ".opus": "audio/ogg", ".m4b": "audio/mp4", ".wave": "audio/wave",
	".aif": "audio/aiff",
}
