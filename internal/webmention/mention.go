package webmention

import (
	"context"
	"errors"
	"time"
)

// KindVerify is the job that verifies one received webmention (§3.2.2).
const KindVerify = "webmention.verify"

// Statuses of a received webmention, as its status URL says them.
const (
	Pending  = "pending"  // received, not verified yet
	Verified = "verified" // the source links to the target; shown once approved
	Rejected = "rejected" // the source could not be fetched or does not link to the target
	Deleted  = "deleted"  // the source is gone (410) or no longer links to the target
)

// Held is, in counts of webmentions by state, the verified ones waiting for the owner's
// approval; the other states are the statuses.
const Held = "held"

// CountedState is the state a mention of status and approval is counted under: its
// status, or Held for a verified one not approved.
func CountedState(status string, approved bool) string {
	if status == Verified && !approved {
		return Held
	}
	return status
}

// Types of response a webmention's source is to its target.
const (
	TypeReply     = "reply"
	TypeLike      = "like"
	TypeRepost    = "repost"
	TypeBookmark  = "bookmark"
	TypeRSVP      = "rsvp"
	TypeQuotation = "quotation"
	TypeMention   = "mention"
)

// Moderation settings: which verified webmentions are shown without the owner's approval.
const (
	ModerateAll   = "all"   // every verified webmention is shown at once
	ModerateKnown = "known" // those from domains the owner approved before; others wait
	ModerateHold  = "hold"  // none: each waits for the owner
)

// Domain standings the owner gives a source's host.
const (
	DomainKnown   = "known"   // a webmention from it was approved
	DomainBlocked = "blocked" // its webmentions are rejected unread
)

// ErrNoMention is a mention ID or status key that names none.
var ErrNoMention = errors.New("no such webmention")

// Mention is one webmention received: a page (Source) that says it links to one of the
// owner's pages (Target), and what verifying it found.
type Mention struct {
	ID int64
	// Key names the mention in its status URL: random, so that status URLs cannot be
	// counted through.
	Key            string
	Source, Target string
	Status         string
	// Reason says why it was rejected or deleted.
	Reason string
	// Approved says the owner (or the moderation setting) lets it show on the site.
	Approved bool
	// What verification read from the source's microformats2.
	Type        string // TypeReply, TypeLike...
	RSVP        string // yes, no, maybe, interested
	AuthorName  string
	AuthorPhoto string
	AuthorURL   string
	URL         string // the source's own url (u-url), else Source
	Published   time.Time
	Content     string // sanitized HTML
	Created     time.Time
	Updated     time.Time
}

// Shown reports whether the mention appears on the owner's pages.
func (m *Mention) Shown() bool { return m.Status == Verified && m.Approved }

// MentionQuery selects received webmentions, newest first.
type MentionQuery struct {
	Target string // "" for any
	// Shown keeps only those that appear on the owner's pages.
	Shown bool
	// Held keeps only those verified and waiting for the owner.
	Held  bool
	Limit int
}

// MentionStore keeps received webmentions.
type MentionStore interface {
	// ReceiveMention records that source says it links to target: a new mention, pending,
	// or the one for the same source and target made pending again (same ID and Key,
	// what verification found kept until it runs again). It sets m.ID, m.Key, m.Created.
	ReceiveMention(ctx context.Context, m *Mention) error
	// MentionByKey and MentionByID return one mention; ErrNoMention when none.
	MentionByKey(ctx context.Context, key string) (*Mention, error)
	MentionByID(ctx context.Context, id int64) (*Mention, error)
	// SaveMention stores what verification or the owner decided about m (all fields but
	// ID, Key, Source, Target and Created).
	SaveMention(ctx context.Context, m *Mention) error
	// Mentions lists mentions, newest first (by Created).
	Mentions(ctx context.Context, q MentionQuery) ([]*Mention, error)
	// MentionCounts counts the shown mentions (verified and approved) of each of targets,
	// by type; a target with none has no entry.
	MentionCounts(ctx context.Context, targets []string) (map[string]map[string]int, error)
	// DomainStanding returns DomainKnown, DomainBlocked or "" for a host.
	DomainStanding(ctx context.Context, domain string) (string, error)
	// SetDomainStanding records a host's standing.
	SetDomainStanding(ctx context.Context, domain, standing string) error
}
