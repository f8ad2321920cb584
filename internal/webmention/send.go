package webmention

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
)

// SendStore is what sending needs from storage.
type SendStore interface {
	// PostByURL returns the post at url, deleted or not; post.ErrNotFound if none.
	PostByURL(ctx context.Context, url string) (*post.Post, error)
	// WebmentionsSent returns the latest outcome per target of the webmentions sent from
	// the post at source, in the order the targets were first sent.
	WebmentionsSent(ctx context.Context, source string) ([]Sent, error)
	// RecordSent keeps s as the latest outcome for its source and target, replacing the
	// one before.
	RecordSent(ctx context.Context, s Sent) error
	// UpdatePost changes the post at url with fn (a reply context kept on the post).
	UpdatePost(ctx context.Context, url string, fn func(*post.Post) error) (*post.Post, error)
}

// SenderConfig configures a Sender.
type SenderConfig struct {
	// Client makes every request: the guarded client (indieauth.NewClient), which refuses
	// private addresses unless the server allows them.
	Client *http.Client
	Store  SendStore
	// ContentHTML renders a post's content as its page shows it; its <a href> links are
	// targets. Nil reads HTML content as it is and finds URLs in plain text.
	ContentHTML func(p *post.Post) string
	// Photos keeps the photos of reply contexts' authors in the media store; nil keeps
	// none.
	Photos Photos
	// MaxPhoto caps an author's photo; 0 means DefaultMaxPhoto. A larger one is not kept.
	MaxPhoto int64
	// MaxTargets bounds the targets of one post; 0 means 200.
	MaxTargets int
	Now        func() time.Time
	// Logger receives what a job's result does not say; nil discards.
	Logger *slog.Logger
}

// Sender sends the webmentions of the owner's posts: PostChanged turns a change into one
// KindSend job per target, and Send runs one.
type Sender struct {
	cfg    SenderConfig
	photos photoKeeper
}

// NewSender returns a Sender.
func NewSender(cfg SenderConfig) *Sender {
	if cfg.Client == nil {
		cfg.Client = indieauth.NewClient(indieauth.FetchOptions{})
	}
	if cfg.ContentHTML == nil {
		cfg.ContentHTML = rawContentHTML
	}
	if cfg.MaxTargets <= 0 {
		cfg.MaxTargets = 200
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxPhoto <= 0 {
		cfg.MaxPhoto = DefaultMaxPhoto
	}
	return &Sender{cfg: cfg, photos: photoKeeper{client: cfg.Client, photos: cfg.Photos, max: cfg.MaxPhoto, logger: cfg.Logger}}
}

// sendPayload is a KindSend job's payload.
type sendPayload struct {
	Source string `json:"source"`
	Target string `json:"target"`
	// Linked says whether the source links to the target in this change (false: the link
	// was removed, or the post was deleted or hidden).
	Linked bool `json:"linked"`
}

// PostChanged is the post-change listener: the KindContext jobs of the post's bare
// response URLs (see Context) and the KindSend jobs for one change of the post
// at ch.URL (Webmention §3.1.1, and §3.1.3's updates and deletes). A visible post (public
// or unlisted, published, not deleted) sends to every target it links to now and to every
// target sent before that it no longer links to; a deleted, private or draft post sends
// only to the targets sent before, which then find it gone. The job key names the source,
// the target and the change, so the same change never sends twice to one target.
func (s *Sender) PostChanged(ctx context.Context, ch jobs.PostChange) ([]*jobs.Job, error) {
	p, err := s.cfg.Store.PostByURL(ctx, ch.URL)
	if errors.Is(err, post.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("webmention targets of %s: %w", ch.URL, err)
	}
	sent, err := s.cfg.Store.WebmentionsSent(ctx, p.URL)
	if err != nil {
		return nil, fmt.Errorf("webmention targets of %s: %w", p.URL, err)
	}
	var linked []string
	if visible(p) {
		linked = Targets(p, s.cfg.ContentHTML(p), s.cfg.MaxTargets)
	}
	now := make(map[string]bool, len(linked))
	for _, t := range linked {
		now[t] = true
	}
	targets := linked
	for _, prev := range sent {
		if prev.Linked && !now[prev.Target] {
			targets = append(targets, prev.Target)
		}
	}
	change := ch.Change
	if change == "" {
		change = ch.Action + " " + changeTime(p)
	}
	out := make([]*jobs.Job, 0, len(targets))
	if visible(p) {
		out = append(out, s.contextJobs(p, change)...)
	}
	for _, t := range targets {
		payload, err := json.Marshal(sendPayload{Source: p.URL, Target: t, Linked: now[t]})
		if err != nil {
			return nil, err
		}
		out = append(out, &jobs.Job{Kind: KindSend, Key: p.URL + " " + t + " " + change, Payload: payload})
	}
	return out, nil
}

// Wants is the sender's interest in a post change (jobs.Interest), decided in the
// change's write from the post alone: every update, delete and undelete (a post may drop
// a link it sent to, or go away), and a create of a visible post that may link somewhere,
// by a response property or by its content. It may say yes to a post with no target,
// never no to one with a target.
func (s *Sender) Wants(c jobs.PostChange, p *post.Post) bool {
	if c.Action != jobs.ActionCreate {
		return true
	}
	if !visible(p) {
		return false
	}
	for _, prop := range responseProperties {
		for _, v := range p.Item.Properties[prop] {
			if _, nested := v.(map[string]any); prop != "category" || nested {
				return true
			}
		}
	}
	for _, v := range p.Item.Properties["content"] {
		if mayLink(v) {
			return true
		}
	}
	return false
}

// visible reports whether a post is on the website for everyone to fetch.
func visible(p *post.Post) bool {
	return !p.Deleted && p.Status == post.StatusPublished && p.Visibility != post.VisibilityPrivate
}

// changeTime names a version of a post: when it last changed.
func changeTime(p *post.Post) string {
	t := p.Updated
	if t.IsZero() {
		t = p.Published
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// Send is the KindSend job handler: it discovers the target's endpoint and notifies it
// (§3.1.3), and records the outcome. Failures that a retry may fix (the target's or the
// endpoint's 5xx, 429, timeouts, refused connections) are returned for the queue to retry;
// others (4xx, private addresses, no endpoint) are recorded and end the job.
func (s *Sender) Send(ctx context.Context, j *jobs.Job) (string, error) {
	var p sendPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return "", jobs.Permanent(fmt.Errorf("webmention job %d: %w", j.ID, err))
	}
	rec := Sent{Source: p.Source, Target: p.Target, Linked: p.Linked, At: s.cfg.Now().UTC()}
	err := s.send(ctx, &rec)
	if rerr := s.cfg.Store.RecordSent(ctx, rec); rerr != nil {
		return "", fmt.Errorf("record webmention to %s: %w", p.Target, rerr)
	}
	if err != nil {
		return "", err
	}
	return rec.Status + " " + rec.Endpoint, nil
}

// send discovers and notifies, filling in rec; the error says whether to retry.
func (s *Sender) send(ctx context.Context, rec *Sent) error {
	ep, code, err := Discover(ctx, s.cfg.Client, rec.Target)
	switch {
	case errors.Is(err, ErrNoEndpoint):
		rec.Status = StatusNoEndpoint
		return nil
	case err != nil:
		rec.Status, rec.Code, rec.Detail = StatusFailed, code, err.Error()
		return retryable(err, code, nil)
	}
	rec.Endpoint = ep
	resp, err := s.notify(ctx, ep, rec.Source, rec.Target)
	if err != nil {
		rec.Status, rec.Detail = StatusFailed, err.Error()
		return retryable(err, 0, nil)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	rec.Code = resp.StatusCode
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		rec.Status, rec.Detail = StatusSent, resp.Header.Get("Location")
		return nil
	}
	rec.Status, rec.Detail = StatusFailed, "endpoint answered "+resp.Status
	return retryable(errors.New(rec.Detail), resp.StatusCode, resp.Header)
}

// notify POSTs source and target, form-encoded, to the endpoint exactly as discovered:
// its query string stays in the URL (webmention.rocks test 21).
func (s *Sender) notify(ctx context.Context, endpoint, source, target string) (*http.Response, error) {
	form := url.Values{"source": {source}, "target": {target}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.cfg.Client.Do(req)
}

// retryable sorts a failure: 5xx, 408, 429 and network failures are retried (429 and 503
// no sooner than their Retry-After); private addresses and other answers are permanent.
func retryable(err error, code int, h http.Header) error {
	switch {
	case errors.Is(err, indieauth.ErrPrivateAddress):
		return jobs.Permanent(err)
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		if after := retryAfter(h); after > 0 {
			return &jobs.RetryError{After: after, Err: err}
		}
		return err
	case code == 0 || code >= 500 || code == http.StatusRequestTimeout:
		return err
	}
	return jobs.Permanent(err)
}

// retryAfter reads Retry-After in seconds (RFC 9110 §10.2.3), capped at a day.
func retryAfter(h http.Header) time.Duration {
	if h == nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || n <= 0 {
		return 0
	}
	return min(time.Duration(n)*time.Second, 24*time.Hour)
}
