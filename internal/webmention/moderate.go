package webmention

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// The owner's decisions about received webmentions, shared by the admin pages and
// `indiepub mentions`.

// Approve shows the mention with id and makes its source's host known, so that under
// ModerateKnown its later webmentions show at once.
func Approve(ctx context.Context, s MentionStore, id int64, now time.Time) (*Mention, error) {
	m, err := s.MentionByID(ctx, id)
	if err != nil {
		return nil, err
	}
	m.Approved, m.Updated = true, now.UTC()
	if err := s.SaveMention(ctx, m); err != nil {
		return nil, err
	}
	if host := SourceHost(m.Source); host != "" {
		if standing, err := s.DomainStanding(ctx, host); err != nil {
			return nil, err
		} else if standing == "" {
			if err := s.SetDomainStanding(ctx, host, DomainKnown); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// Delete removes the mention with id from the site; its status URL says deleted. The
// same source sent again is verified afresh.
func Delete(ctx context.Context, s MentionStore, id int64, now time.Time) (*Mention, error) {
	m, err := s.MentionByID(ctx, id)
	if err != nil {
		return nil, err
	}
	m.Status, m.Reason, m.Approved, m.Updated = Deleted, "deleted by the site's owner", false, now.UTC()
	return m, s.SaveMention(ctx, m)
}

// Block rejects every webmention from a host: those already received (shown, held or
// pending) and, at verification, those to come. It returns how many were rejected.
func Block(ctx context.Context, s MentionStore, host string, now time.Time) (int, error) {
	host = strings.ToLower(strings.TrimSpace(host))
	if host == "" || strings.ContainsAny(host, "/: ") {
		return 0, fmt.Errorf("%w: %q is not a host name", errInvalid, host)
	}
	if err := s.SetDomainStanding(ctx, host, DomainBlocked); err != nil {
		return 0, err
	}
	ms, err := s.Mentions(ctx, MentionQuery{})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range ms {
		if SourceHost(m.Source) != host || m.Status == Rejected || m.Status == Deleted {
			continue
		}
		m.Status, m.Reason, m.Approved, m.Updated = Rejected, "the source's domain is blocked", false, now.UTC()
		if err := s.SaveMention(ctx, m); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// SourceHost is the lower-cased host name of a source URL, "" when it has none.
func SourceHost(source string) string {
	u, err := url.Parse(source)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}
