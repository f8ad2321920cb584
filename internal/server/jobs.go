package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/site"
	"github.com/indiepub/indiepub/internal/syndicate"
	"github.com/indiepub/indiepub/internal/websub"
)

// defaultMaxAttempts is the runner's attempt limit when the configuration sets none
// (jobs.Config's default).
const defaultMaxAttempts = 10

// newRunner builds the job runner with every job kind and post-change listener of the
// server's features registered.
func newRunner(cfg Config, db Store, synd *syndicate.Syndicator, website *site.Handler) *jobs.Runner {
	// The jobs run on the wall clock (cfg.Jobs.Now, when set), not on cfg.Now: leases and
	// retries are real time, and the workers call it from their own goroutines, where a
	// test's clock that is not safe for concurrent use would race.
	jc := cfg.Jobs
	jc.Logger = cfg.Logger
	r := jobs.NewRunner(jc, db)
	r.Listen(synd.Jobs)
	r.Handle(syndicate.Kind, synd.Run)
	if cfg.WebSubHub != "" {
		r.Listen(websubJobs(db, website))
		r.Handle(websub.Kind, websub.Handler(
			indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: cfg.AllowPrivateFetch}), cfg.WebSubHub))
	}
	return r
}

// websubJobs is the post-change listener of WebSub: a change to a public post publishes
// the pages and feeds it is on (site.Handler.Topics) to the hub. A deleted post is still
// found, and its removal published.
func websubJobs(db interface {
	PostByURL(ctx context.Context, url string) (*post.Post, error)
}, website *site.Handler) jobs.Listener {
	topics := func(ctx context.Context, url string) ([]string, error) {
		p, err := db.PostByURL(ctx, url)
		if errors.Is(err, post.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return website.Topics(p), nil
	}
	return func(ctx context.Context, c jobs.PostChange) ([]*jobs.Job, error) {
		j, err := websub.Job(ctx, topics, c.URL, c.Change)
		if j == nil {
			return nil, err
		}
		return []*jobs.Job{j}, nil
	}
}

// newSyndicator builds syndication to the configured targets; publishers read the
// owner's files from the media service, never over the network.
func newSyndicator(cfg Config, db Store, files *media.Service) *syndicate.Syndicator {
	attempts := cfg.Jobs.MaxAttempts
	if attempts <= 0 {
		attempts = defaultMaxAttempts
	}
	return syndicate.New(syndicate.Config{Targets: cfg.Syndication, Stored: db, Secrets: cfg.Secrets,
		Build: publisherBuilder(cfg.AllowPrivateFetch), MaxAttempts: attempts,
		Media: mediaOpener(cfg.URL+"media/", files), Now: cfg.Jobs.Now, Logger: cfg.Logger}, db)
}

// mediaOpener opens the files published under prefix.
func mediaOpener(prefix string, files *media.Service) syndicate.MediaOpener {
	return func(ctx context.Context, url string) (io.ReadCloser, string, error) {
		path, ok := strings.CutPrefix(url, prefix)
		if !ok {
			return nil, "", fmt.Errorf("%s: not a file of this site: %w", url, media.ErrNotFound)
		}
		f, b, err := files.Open(ctx, path)
		if err != nil {
			return nil, "", err
		}
		return f, b.Type, nil
	}
}
