package git

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/media"
)

// KindMedia commits an uploaded file into the repository, or removes it there (key: the
// file's path in the media store and when the upload changed).
const KindMedia = "git.media"

// MediaSource is the media library the repository copies uploads from
// (media.Service).
type MediaSource interface {
	Lookup(ctx context.Context, url string) (*media.Upload, error)
	Open(ctx context.Context, path string) (io.ReadSeekCloser, media.Blob, error)
}

// mediaJob is KindMedia's payload.
type mediaJob struct {
	URL  string `json:"url"`
	Path string `json:"path"`
}

// MediaChanged is the job that brings the repository's copy of the upload at url (path
// in the media store) in line with the media library, after it was saved or deleted.
func MediaChanged(url, path string, at time.Time) *jobs.Job {
	b, _ := json.Marshal(mediaJob{URL: url, Path: path})
	return &jobs.Job{Kind: KindMedia, Key: path + " " + strconv.FormatInt(at.UnixNano(), 10), Payload: b}
}

// Media is the KindMedia handler. It writes what the library holds when it runs, not
// what happened when the job was queued: a file uploaded is copied in, unless it was
// deleted since; a file deleted is removed, unless it was uploaded again since. The
// commit's push is queued as a post's is.
func (p *Publisher) Media(ctx context.Context, j *jobs.Job) (string, error) {
	var m mediaJob
	if err := json.Unmarshal(j.Payload, &m); err != nil {
		return "", jobs.Permanent(fmt.Errorf("git media payload: %w", err))
	}
	if p.media == nil {
		return "", jobs.Permanent(errors.New("git media job without a media library"))
	}
	c := Change{Action: "delete", URL: m.URL, Media: m.Path}
	_, err := p.media.Lookup(ctx, m.URL)
	switch {
	case err == nil:
		c.Action = "upload"
		c.Open = func() (io.ReadCloser, error) {
			rc, _, err := p.media.Open(ctx, m.Path)
			return rc, err
		}
	case !errors.Is(err, media.ErrNotFound):
		return "", err
	}
	return p.apply(ctx, c)
}
