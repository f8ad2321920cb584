package mastodon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/syndicate"
	"github.com/indiepub/indiepub/internal/syndicate/compose"
	"github.com/indiepub/indiepub/internal/syndicate/imagefit"
)

// maxPhoto bounds what is read of one photo from the media store.
const maxPhoto = 100 << 20

// uploadPhotos uploads the post's photos, up to the server's attachment limit, each with
// its alt text as description, and returns their attachment IDs. A photo the media
// store does not have (one on another site) is left out.
func (c *Publisher) uploadPhotos(ctx context.Context, p *post.Post, lim limits, media syndicate.MediaOpener) ([]string, error) {
	var ids []string
	for _, ph := range compose.Photos(p) {
		if len(ids) == lim.MaxMediaAttachments {
			break
		}
		if media == nil {
			break
		}
		data, ct, err := readPhoto(ctx, media, ph.URL)
		if errors.Is(err, post.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(data) > lim.ImageSizeLimit {
			img, err := imagefit.Fit(data, lim.ImageSizeLimit, 0)
			if err != nil {
				return nil, jobs.Permanent(fmt.Errorf("mastodon: photo %s: %w", ph.URL, err))
			}
			data, ct = img.Data, img.ContentType
		}
		id, err := c.upload(ctx, path.Base(ph.URL), ct, data, ph.Alt)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func readPhoto(ctx context.Context, media syndicate.MediaOpener, u string) ([]byte, string, error) {
	rc, ct, err := media(ctx, u)
	if err != nil {
		return nil, "", fmt.Errorf("open photo %s: %w", u, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxPhoto))
	if err != nil {
		return nil, "", fmt.Errorf("read photo %s: %w", u, err)
	}
	return data, ct, nil
}

// upload is POST /api/v2/media; an answer of 202 means the server is still processing
// the file, and GET /api/v1/media/:id answers 206 until it is done and url is set
// (https://docs.joinmastodon.org/methods/media/#v2, #get).
func (c *Publisher) upload(ctx context.Context, name, contentType string, data []byte, alt string) (string, error) {
	body, ct, err := multipartBody(name, contentType, data, alt)
	if err != nil {
		return "", jobs.Permanent(fmt.Errorf("mastodon: upload body: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.server.String()+"/api/v2/media", body)
	if err != nil {
		return "", jobs.Permanent(fmt.Errorf("mastodon: %w", err))
	}
	req.Header.Set("Content-Type", ct)
	var m struct {
		ID  string  `json:"id"`
		URL *string `json:"url"`
	}
	code, err := c.do(req, &m)
	if err != nil {
		return "", err
	}
	for code == http.StatusAccepted || code == http.StatusPartialContent || m.URL == nil {
		select {
		case <-ctx.Done():
			return "", &jobs.RetryError{After: syndicate.DefaultRetryAfter, Err: fmt.Errorf("mastodon: media %s still processing: %w", m.ID, ctx.Err())}
		case <-time.After(c.cfg.PollInterval):
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.server.String()+"/api/v1/media/"+url.PathEscape(m.ID), nil)
		if err != nil {
			return "", jobs.Permanent(fmt.Errorf("mastodon: %w", err))
		}
		if code, err = c.do(req, &m); err != nil {
			return "", err
		}
	}
	return m.ID, nil
}
