package post

import (
	"errors"
	"strings"
	"time"
)

// errDate is what ParseTime reports; callers wrap it with ErrInvalid and the value.
var errDate = errors.New("unrecognized date")

// ParseTime reads the date forms clients send: RFC 3339 (T or space, upper or lower case),
// offsets without a colon (+0200, IndiePass), minute precision (Quill events),
// "YYYY-MM-DD hh:mm:ss +zz:zz" (Quill's hidden field) and a date alone (Sparkles). The
// time keeps the offset written; a value without one is taken as UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) < 10 || len(s) > 64 {
		return time.Time{}, errDate
	}
	// Lower-case t and z are valid RFC 3339 (section 5.6 NOTE) but time.Parse wants capitals.
	s = strings.ToUpper(s)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errDate
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999 Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999 Z0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04Z07:00",
	"2006-01-02 15:04 Z07:00",
	"2006-01-02 15:04",
	"2006-01-02",
}

// Scheduled reports whether p is published with a date still to come at now: visitors,
// listings and feeds do not see it until then, and what a change sets off (syndication,
// webmentions, pushes) waits for that time.
func (p *Post) Scheduled(now time.Time) bool {
	return !p.Deleted && p.Status == StatusPublished && p.Published.After(now)
}

// ChangeDue is when the listeners of a change to p act on it: now, or for a scheduled
// post its published time.
func (p *Post) ChangeDue(now time.Time) time.Time {
	if p.Scheduled(now) {
		return p.Published
	}
	return now
}
