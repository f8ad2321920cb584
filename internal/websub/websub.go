// Package websub tells a WebSub hub (https://www.w3.org/TR/websub/) that pages and
// feeds of the site have changed, so that the hub fetches them and delivers the news to
// their subscribers. It runs as a job of the queue (internal/jobs), never on a request's
// path.
package websub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
)

// Kind is the kind of the job that publishes a change to the hub; its payload is a
// Payload.
const Kind = "websub.publish"

// Payload is what a Kind job publishes: the URLs (topics) that changed.
type Payload struct {
	URLs []string `json:"urls"`
}

// Publish tells hub that each of urls has new content, one form POST per URL with
// hub.mode=publish and hub.url (the publish request of the hubs in use: Superfeedr,
// Switchboard, websub.rocks; WebSub §5 leaves it to the hub). client must be the guarded
// client (indieauth.NewClient). A failure says whether trying again may help: a hub
// that is down, overloaded (5xx, 429) or unreachable is retried, after its Retry-After
// when it gives one (jobs.RetryError); a hub that refuses the request (another 4xx) gets
// jobs.Permanent.
func Publish(ctx context.Context, client *http.Client, hub string, urls []string) error {
	for _, u := range urls {
		if err := publishOne(ctx, client, hub, u); err != nil {
			return fmt.Errorf("websub publish %s to %s: %w", u, hub, err)
		}
	}
	return nil
}

func publishOne(ctx context.Context, client *http.Client, hub, topic string) error {
	form := url.Values{"hub.mode": {"publish"}, "hub.url": {topic}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hub, strings.NewReader(form.Encode()))
	if err != nil {
		return jobs.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		return err // unreachable, refused, timed out: retried
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return classify(resp)
}

// classify turns the hub's answer into nil, a retry or a permanent failure.
func classify(resp *http.Response) error {
	status := resp.StatusCode
	switch {
	case status >= 200 && status < 300:
		return nil
	case status == http.StatusTooManyRequests || status >= 500 || status == http.StatusRequestTimeout:
		err := fmt.Errorf("hub answered %d", status)
		if after, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
			return &jobs.RetryError{After: after, Err: err}
		}
		return err
	}
	return jobs.Permanent(fmt.Errorf("hub answered %d", status))
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date (RFC 9110 §10.2.3).
func retryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// Handler runs Kind jobs: it publishes the payload's URLs to hub through client.
func Handler(client *http.Client, hub string) jobs.Handler {
	return func(ctx context.Context, j *jobs.Job) (string, error) {
		var p Payload
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return "", jobs.Permanent(fmt.Errorf("websub payload: %w", err))
		}
		if len(p.URLs) == 0 {
			return "", jobs.Permanent(errors.New("websub payload: no urls"))
		}
		if err := Publish(ctx, client, hub, p.URLs); err != nil {
			return "", err
		}
		return fmt.Sprintf("published %d urls to %s", len(p.URLs), hub), nil
	}
}

// Topics gives the URLs that a change to the post at url concerns (site.Handler.Topics
// of the post); none for a post that is not public.
type Topics func(ctx context.Context, url string) ([]string, error)

// Job is the publish job for one change (jobs.PostChange) to the post at url: a Kind job
// keyed by the change, so that a fan-out repeated after a crash adds nothing and the next
// change adds its own; nil when the change concerns no public page.
func Job(ctx context.Context, topics Topics, url, change string) (*jobs.Job, error) {
	urls, err := topics(ctx, url)
	if err != nil || len(urls) == 0 {
		return nil, err
	}
	payload, err := json.Marshal(Payload{URLs: urls})
	if err != nil {
		return nil, err
	}
	return &jobs.Job{Kind: Kind, Key: change, Payload: payload}, nil
}
