// Package webmention is indiepub's Webmention (https://www.w3.org/TR/webmention/): sending
// a post's webmentions after it changes (endpoint discovery, §3.1.2, and notification,
// §3.1.3), receiving them (§3.2: the endpoint, status URLs, verification with the source's
// microformats2) and the owner's moderation, the outbound work as jobs of the job queue.
// It knows no SQL and no route table: the store is behind the small interfaces declared
// here, and every fetch goes through the guarded client it is given.
package webmention

import (
	"errors"
	"time"
)

// Job kinds.
const (
	// KindSend is the job that sends one webmention: one source, one target.
	KindSend = "webmention.send"
)

// ErrNoEndpoint means the target advertises no Webmention endpoint: nothing is sent.
var ErrNoEndpoint = errors.New("no webmention endpoint")

// Sent is the outcome of the latest webmention sent from one of the owner's posts
// (Source) to one page it links to or linked to (Target). Stores keep one per pair.
type Sent struct {
	Source string `json:"-"`
	Target string `json:"target"`
	// Endpoint is the target's discovered endpoint, "" when it has none.
	Endpoint string `json:"endpoint,omitempty"`
	// Status is "sent" (the endpoint accepted it: 2xx), "no-endpoint", or "failed".
	Status string `json:"status"`
	// Code is the endpoint's HTTP status, 0 when nothing was sent.
	Code int `json:"code,omitempty"`
	// Detail says why it failed, or the endpoint's Location (a status URL).
	Detail string `json:"detail,omitempty"`
	// Linked says whether the source linked to the target when it was sent: a target that
	// is no longer linked was sent its last webmention (the link's removal) and gets no
	// more.
	Linked bool      `json:"-"`
	At     time.Time `json:"sent"`
}

// Statuses of Sent.
const (
	StatusSent       = "sent"
	StatusNoEndpoint = "no-endpoint"
	StatusFailed     = "failed"
)
