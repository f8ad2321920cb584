package syndicate

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
)

// Waiting is one copy of a post not made yet, for the owner's pages: never tried
// (pending), to be tried again (retrying) or given up (failed), with its last error.
type Waiting struct {
	Post *post.Post
	Copy post.Copy
}

// Waiting lists the copies that posts are still waiting for, oldest post first, at most
// limit posts.
func (s *Syndicator) Waiting(ctx context.Context, store PendingStore, limit int) ([]Waiting, error) {
	posts, err := store.PostsAwaitingSyndication(ctx, limit)
	if err != nil {
		return nil, err
	}
	var out []Waiting
	for _, p := range posts {
		for _, uid := range p.SyndicateTo {
			c := post.Copy{Target: uid, Status: post.CopyPending}
			if cp := p.Copy(uid); cp != nil {
				c = *cp
			}
			out = append(out, Waiting{Post: p, Copy: c})
		}
	}
	return out, nil
}

// Retry enqueues the job that publishes the post at url to target uid again: at once
// for a copy that failed for good (under a new key, so that it is tried afresh) or was
// never tried. A copy with a retry due is left to it (post.ErrInvalid), as is a post not
// waiting for uid.
func (s *Syndicator) Retry(ctx context.Context, store PendingStore, url, uid string) error {
	p, err := s.store.PostByURL(ctx, url)
	if err != nil {
		return err
	}
	if p.Deleted || !syndicable(p) || !slices.Contains(p.SyndicateTo, uid) {
		return fmt.Errorf("%w: %s is not waiting for %s", post.ErrInvalid, url, uid)
	}
	if _, ok := s.target(ctx, uid); !ok {
		return fmt.Errorf("%w: no syndication target %s", post.ErrInvalid, uid)
	}
	key := jobKey(p, uid)
	if cp := p.Copy(uid); cp != nil {
		switch cp.Status {
		case post.CopyRetrying:
			return fmt.Errorf("%w: %s on %s is retried already, by itself", post.ErrInvalid, url, uid)
		case post.CopyFailed:
			key += " again " + s.cfg.Now().UTC().Format(time.RFC3339Nano)
		}
	}
	b, _ := json.Marshal(payload{URL: p.URL, Target: uid})
	_, err = store.EnqueueJobs(ctx, &jobs.Job{Kind: Kind, Key: key, Payload: b})
	return err
}
