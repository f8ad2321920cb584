package post

import (
	"fmt"
	"strings"
)

// DefaultURLPattern is where posts live when no pattern is configured for their type.
const DefaultURLPattern = "/{type}s/{yyyy}/{mm}/{slug}"

// Path expands a URL pattern for the post: {type}, {yyyy}, {mm}, {dd} and {slug}. The date
// parts come from the published time in its original offset where the item has one.
func (p *Post) Path(pattern string) string {
	if pattern == "" {
		pattern = DefaultURLPattern
	}
	t := p.Published
	if pub := p.Item.First("published"); pub != "" {
		if lt, err := ParseTime(pub); err == nil {
			t = lt
		}
	}
	r := strings.NewReplacer(
		"{type}", p.Type,
		"{yyyy}", fmt.Sprintf("%04d", t.Year()),
		"{mm}", fmt.Sprintf("%02d", int(t.Month())),
		"{dd}", fmt.Sprintf("%02d", t.Day()),
		"{slug}", p.Slug,
	)
	return r.Replace(pattern)
}
