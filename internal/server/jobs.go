package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

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
	r.ListenFor(synd.Wants, synd.Jobs)
	if cfg.PublicURLCheck {
		r.Handle(syndicate.Kind, waitLive(liveClient(cfg), cfg.Jobs.Backoff, synd.Run, payloadURL("url")))
	} else {
		r.Handle(syndicate.Kind, synd.Run)
	}
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

// liveClient is the guarded client that asks whether posts are live.
func liveClient(cfg Config) *http.Client {
	return indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: cfg.AllowPrivateFetch, Timeout: 15 * time.Second})
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

// liveTries bounds how many times a job waits for its post's public URL (--public-url-
// check); after that it runs anyway, so that a site that never answers 200 at that URL
// does not hold syndication for good.
const liveTries = 8

// waitLive wraps h, a job handler that points the outside world at a post (a syndicated
// copy, a webmention), so that it runs only once the post's public URL answers as the site
// should: 200, or 410 for a deleted post. A static site is live only after its host has
// built the commit; until then (404, 5xx, unreachable) the job is tried again later, with
// backoff from base (the runner's, 10 s by default) doubling up to 5 minutes, liveTries
// times at most. urlOf reads the post's URL from the job's payload ("" to run at once).
func waitLive(client *http.Client, base time.Duration, h jobs.Handler, urlOf func(payload []byte) string) jobs.Handler {
	if base <= 0 {
		base = 10 * time.Second
	}
	return func(ctx context.Context, j *jobs.Job) (string, error) {
		u := urlOf(j.Payload)
		if u == "" || j.Attempts > liveTries {
			return h(ctx, j)
		}
		if err := isLive(ctx, client, u); err != nil {
			wait := min(base<<min(max(j.Attempts-1, 0), 10), 5*time.Minute)
			return "", &jobs.RetryError{After: wait, Err: fmt.Errorf("waiting until the post is live: %w", err)}
		}
		return h(ctx, j)
	}
}

// isLive asks the post's public URL once.
func isLive(ctx context.Context, client *http.Client, u string) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusGone {
		return fmt.Errorf("%s answers %d", u, resp.StatusCode)
	}
	return nil
}

// payloadURL reads a post's URL from a job payload's field named key; "" when the job
// removes something (a delete needs no live page).
func payloadURL(key string) func([]byte) string {
	return func(b []byte) string {
		var m map[string]any
		if json.Unmarshal(b, &m) != nil || m["delete"] == true {
			return ""
		}
		s, _ := m[key].(string)
		return s
	}
}
