package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/syndicate"
	"github.com/indiepub/indiepub/internal/syndicate/compose"
	"github.com/indiepub/indiepub/internal/syndicate/imagefit"
)

// maxImages is app.bsky.embed.images' maxLength.
const maxImages = 4

// maxSide bounds a re-encoded image's longer side: the AppView shows none larger.
const maxSide = 2000

// maxPhoto bounds what is read of one photo from the media store.
const maxPhoto = 100 << 20

// imagesEmbed is app.bsky.embed.images (lexicons/app/bsky/embed/images.json).
type imagesEmbed struct {
	Type   string  `json:"$type"`
	Images []image `json:"images"`
}

type image struct {
	Image       json.RawMessage `json:"image"`
	Alt         string          `json:"alt"`
	AspectRatio *aspectRatio    `json:"aspectRatio,omitempty"`
}

// aspectRatio is app.bsky.embed.defs#aspectRatio.
type aspectRatio struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

// uploadImages uploads up to four of the post's photos, each scaled down when needed to
// the PDS's blob limit, and returns the embed; nil when the post has no photo the media
// store holds.
func (c *Publisher) uploadImages(ctx context.Context, p *post.Post, media syndicate.MediaOpener) (*imagesEmbed, error) {
	var images []image
	for _, ph := range compose.Photos(p) {
		if len(images) == maxImages || media == nil {
			break
		}
		data, err := readPhoto(ctx, media, ph.URL)
		if errors.Is(err, post.ErrNotFound) {
			continue // a photo on another site
		}
		if err != nil {
			return nil, err
		}
		img, err := imagefit.Fit(data, c.cfg.MaxImageBytes, maxSide)
		if err != nil {
			return nil, jobs.Permanent(fmt.Errorf("bluesky: photo %s: %w", ph.URL, err))
		}
		var out struct {
			Blob json.RawMessage `json:"blob"`
		}
		if err := c.authed(ctx, "com.atproto.repo.uploadBlob", nil, img.Data, img.ContentType, &out); err != nil {
			return nil, err
		}
		images = append(images, image{Image: out.Blob, Alt: ph.Alt, AspectRatio: &aspectRatio{img.Width, img.Height}})
	}
	if len(images) == 0 {
		return nil, nil
	}
	return &imagesEmbed{Type: "app.bsky.embed.images", Images: images}, nil
}

func readPhoto(ctx context.Context, media syndicate.MediaOpener, u string) ([]byte, error) {
	rc, _, err := media(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("open photo %s: %w", u, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxPhoto))
	if err != nil {
		return nil, fmt.Errorf("read photo %s: %w", u, err)
	}
	return data, nil
}
