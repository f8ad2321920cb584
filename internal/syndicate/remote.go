package syndicate

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
)

// DefaultRetryAfter is how long a publisher asks the queue to wait after a failure that
// names no time (a 5xx without Retry-After, a timeout, a refused connection).
const DefaultRetryAfter = 30 * time.Second

// maxRetryAfter bounds what a remote server can ask for, so that a wrong header cannot
// park a job for months.
const maxRetryAfter = 24 * time.Hour

// ResponseError turns a service's failed answer into the error the job queue acts on:
// 408, 429 and 5xx are retried after the time the server names (RetryAfter, and for a
// 429 RateLimitReset) or DefaultRetryAfter; any other status is permanent (401: the token or password is wrong;
// 404, 422: the request itself is refused). detail is the service's own message.
func ResponseError(op string, resp *http.Response, detail string, now time.Time) error {
	err := fmt.Errorf("%s: %s", op, resp.Status)
	if detail != "" {
		err = fmt.Errorf("%s: %s: %s", op, resp.Status, detail)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusRequestTimeout,
		resp.StatusCode >= 500:
		after, ok := RetryAfter(resp.Header, now)
		if !ok && resp.StatusCode == http.StatusTooManyRequests {
			after, ok = RateLimitReset(resp.Header, now)
		}
		if !ok {
			after = DefaultRetryAfter
		}
		return &jobs.RetryError{After: after, Err: err}
	}
	return jobs.Permanent(err)
}

// TransportError is the error of a request that got no answer (a timeout, a refused or
// reset connection, a refused private address): retried after DefaultRetryAfter.
func TransportError(op string, err error) error {
	return &jobs.RetryError{After: DefaultRetryAfter, Err: fmt.Errorf("%s: %w", op, err)}
}

// RetryAfter reads how long a server asks to be left alone: Retry-After in seconds or
// as an HTTP date (RFC 9110 §10.2.3).
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			return clampRetry(time.Duration(n) * time.Second), true
		}
		if t, err := http.ParseTime(v); err == nil {
			return clampRetry(t.Sub(now)), true
		}
	}
	return 0, false
}

// RateLimitReset reads when a rate limit's window ends, which is when a 429 without
// Retry-After may be retried: as Mastodon sends it (X-RateLimit-Reset, an ISO 8601 time:
// https://docs.joinmastodon.org/api/rate-limits/) or as atproto servers do
// (RateLimit-Reset, Unix seconds, or seconds from now as the IETF RateLimit header draft
// has it).
func RateLimitReset(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return clampRetry(t.Sub(now)), true
		}
	}
	if v := strings.TrimSpace(h.Get("RateLimit-Reset")); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			if n > 1_000_000_000 { // a Unix time, not a delay
				return clampRetry(time.Unix(n, 0).Sub(now)), true
			}
			return clampRetry(time.Duration(n) * time.Second), true
		}
	}
	return 0, false
}

func clampRetry(d time.Duration) time.Duration {
	return min(max(d, 0), maxRetryAfter)
}

// ErrUnsupported says that a post cannot become anything on a service (a like of a page
// that is not on it, say); publishers return it marked jobs.Permanent.
var ErrUnsupported = errors.New("not possible on this service")
