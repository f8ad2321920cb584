package post

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cursor is the opaque paging cursor that lists the posts after p in the newest-first
// order (Query.After): its normalized published time and ID, so a page stays stable when
// posts are added before it or several share a published time.
func (p *Post) Cursor() string {
	raw := p.Published.UTC().Format(time.RFC3339Nano) + " " + strconv.FormatInt(p.ID, 10)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// ParseCursor reads a cursor made by Cursor; anything else is ErrInvalid.
func ParseCursor(s string) (published time.Time, id int64, err error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("%w: malformed cursor", ErrInvalid)
	}
	ts, ids, ok := strings.Cut(string(raw), " ")
	if !ok {
		return time.Time{}, 0, fmt.Errorf("%w: malformed cursor", ErrInvalid)
	}
	published, err1 := time.Parse(time.RFC3339Nano, ts)
	id, err2 := strconv.ParseInt(ids, 10, 64)
	if err1 != nil || err2 != nil || id < 0 {
		return time.Time{}, 0, fmt.Errorf("%w: malformed cursor", ErrInvalid)
	}
	return published.UTC(), id, nil
}
