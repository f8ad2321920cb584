// Package syndicate copies the owner's posts to other services (POSSE): the targets, the
// jobs that publish to them, and what each post's copies are.
package syndicate

import (
	"context"
	"io"

	"github.com/indiepub/indiepub/internal/post"
)

// Service describes a target's service or account in the shape of the Micropub
// syndicate-to extension (name, url, photo).
type Service struct {
	Name  string `json:"name"`
	URL   string `json:"url,omitempty"`
	Photo string `json:"photo,omitempty"`
}

// Publisher is one service that posts can be copied to (Mastodon, Bluesky). A publisher
// is given the whole post and decides what it becomes on its service.
//
// Errors: a *jobs.RetryError for rate limits (429 with Retry-After) and temporary failures
// (5xx, timeouts); jobs.Permanent for what no retry will fix (401, 422, a post type the
// service cannot take).
type Publisher interface {
	// Publish creates the copy of p, or edits it when prev (the copy's URL recorded
	// before) is not empty, and returns the copy's URL. key is the job's idempotency key,
	// sent where the service honours one.
	Publish(ctx context.Context, p *post.Post, prev, key string, media MediaOpener) (url string, err error)
	// Delete removes the copy at url; a copy already gone is not an error. The URL
	// alone must say what to undo, so a publisher returns copy URLs it can read back:
	// a like or a repost is the liked post's URL with a fragment naming the
	// favourite, boost or record (mastodon, bluesky).
	Delete(ctx context.Context, url string) error
	// Service and User describe the target for q=syndicate-to.
	Service() Service
	User() Service
}

// MediaOpener opens a file of the owner's site by its URL (a photo of the post), from the
// media store; publishers never fetch the owner's files over the network. For a URL the
// store does not hold (a photo on another site) it returns an error wrapping
// post.ErrNotFound, and the publishers leave that photo out; any other error fails the
// attempt, to be retried.
type MediaOpener func(ctx context.Context, url string) (rc io.ReadCloser, contentType string, err error)
