package post

import (
	"fmt"
	"strings"
	"time"
)

// DefaultURLPattern is where posts live when no pattern is configured for their type:
// /notes/2024/05/espresso, /replies/2024/05/re-espresso, /audio/2024/05/interview.
const DefaultURLPattern = "/{type}s/{yyyy}/{mm}/{slug}"

// Path expands a URL pattern for the post. Placeholders: {type} (the post type), {type}s
// and {types} (its plural: replies, rsvps, watches, audio), {yyyy}, {mm}, {dd} and {slug}.
// The date parts come from published in the offset the client wrote it with, so a post
// written at 23:30 local time on the 31st is filed under that day, not the UTC one.
func (p *Post) Path(pattern string) string { return p.PathFor(pattern, p.Slug) }

// PathFor is the post's path under pattern with slug in place of its own (as Path).
func (p *Post) PathFor(pattern, slug string) string {
	if pattern == "" {
		pattern = DefaultURLPattern
	}
	t := p.LocalPublished()
	// One pass over the pattern, each placeholder tried in this order at each '{' ({type}s
	// before {type}): what strings.Replacer does, without building one per post.
	b := make([]byte, 0, len(pattern)+len(slug)+16)
	for i := 0; i < len(pattern); {
		rest := pattern[i:]
		switch {
		case rest[0] != '{':
			b = append(b, rest[0])
			i++
			continue
		case strings.HasPrefix(rest, "{type}s"):
			b, i = append(b, Plural(p.Type)...), i+len("{type}s")
		case strings.HasPrefix(rest, "{types}"):
			b, i = append(b, Plural(p.Type)...), i+len("{types}")
		case strings.HasPrefix(rest, "{type}"):
			b, i = append(b, p.Type...), i+len("{type}")
		case strings.HasPrefix(rest, "{yyyy}"):
			b, i = fmt.Appendf(b, "%04d", t.Year()), i+len("{yyyy}")
		case strings.HasPrefix(rest, "{mm}"):
			b, i = fmt.Appendf(b, "%02d", int(t.Month())), i+len("{mm}")
		case strings.HasPrefix(rest, "{dd}"):
			b, i = fmt.Appendf(b, "%02d", t.Day()), i+len("{dd}")
		case strings.HasPrefix(rest, "{slug}"):
			b, i = append(b, slug...), i+len("{slug}")
		default:
			b = append(b, '{')
			i++
		}
	}
	return string(b)
}

// LocalPublished is the published time in the offset of the item's published value (UTC
// when it has none or it does not parse).
func (p *Post) LocalPublished() time.Time {
	if pub := p.Item.First("published"); pub != "" {
		if t, err := ParseTime(pub); err == nil {
			return t
		}
	}
	return p.Published.UTC()
}

// uncountable post types read better unchanged in a path (/audio/, not /audios/).
var uncountable = map[string]bool{"audio": true}

// Plural is the English plural of a post type for URL paths: replies, rsvps, watches,
// itineraries, audio.
func Plural(typ string) string {
	switch {
	case typ == "" || uncountable[typ]:
		return typ
	case strings.HasSuffix(typ, "y") && len(typ) > 1 && !strings.ContainsRune("aeiou", rune(typ[len(typ)-2])):
		return typ[:len(typ)-1] + "ies"
	case strings.HasSuffix(typ, "s"), strings.HasSuffix(typ, "x"),
		strings.HasSuffix(typ, "ch"), strings.HasSuffix(typ, "sh"):
		return typ + "es"
	}
	return typ + "s"
}
