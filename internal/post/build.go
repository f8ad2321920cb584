package post

import (
	"fmt"
	"strings"
	"time"
)

// Normalize turns loose client input into proper mf2: a bare type string becomes a list,
// "entry" becomes "h-entry", and bare property values become one-element lists.
func Normalize(raw map[string]any) (Item, error) {
	var it Item
	switch t := raw["type"].(type) {
	case string:
		it.Type = []string{hType(t)}
	case []any:
		for _, v := range t {
			s, ok := v.(string)
			if !ok {
				return it, fmt.Errorf("%w: type must be a string or a list of strings", ErrInvalid)
			}
			it.Type = append(it.Type, hType(s))
		}
	case nil:
		it.Type = []string{"h-entry"}
	default:
		return it, fmt.Errorf("%w: type must be a string or a list of strings", ErrInvalid)
	}
	props, ok := raw["properties"].(map[string]any)
	if !ok && raw["properties"] != nil {
		return it, fmt.Errorf("%w: properties must be an object", ErrInvalid)
	}
	it.Properties = make(map[string][]any, len(props))
	for k, v := range props {
		if list, ok := v.([]any); ok {
			it.Properties[k] = list
		} else {
			it.Properties[k] = []any{v}
		}
	}
	if c, ok := raw["children"].([]any); ok {
		it.Children = c
	}
	return it, nil
}

func hType(s string) string {
	if strings.HasPrefix(s, "h-") {
		return s
	}
	return "h-" + s
}

// First returns the first value of a property as a string ("" if absent or not a string;
// for {"value": ...} maps, the value).
func (it Item) First(name string) string {
	vs := it.Properties[name]
	if len(vs) == 0 {
		return ""
	}
	return StringValue(vs[0])
}

// StringValue is the plain text of a property value: the string itself, the "value" of an
// object, or "" for anything else.
func StringValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if s, ok := x["value"].(string); ok {
			return s
		}
		if s, ok := x["html"].(string); ok {
			return s
		}
	}
	return ""
}

// New builds a post from a normalized item: it reads the indexed fields, fills in
// published with now when missing, and discovers the post type. The slug and URL are left
// to the caller, which knows the site's URL patterns and what is already taken.
func New(it Item, now time.Time) (*Post, error) {
	if len(it.Type) == 0 {
		return nil, fmt.Errorf("%w: missing type", ErrInvalid)
	}
	if it.Properties == nil {
		it.Properties = map[string][]any{}
	}
	p := &Post{Item: it, Status: StatusPublished, Visibility: VisibilityPublic}
	if err := p.Reindex(now); err != nil {
		return nil, err
	}
	return p, nil
}

// Reindex recomputes the indexed fields from the item after it changed.
func (p *Post) Reindex(now time.Time) error {
	it := p.Item
	if pub := it.First("published"); pub != "" {
		t, err := ParseTime(pub)
		if err != nil {
			return fmt.Errorf("%w: published %q: %v", ErrInvalid, pub, err)
		}
		p.Published = t.UTC()
	} else {
		if p.Published.IsZero() {
			p.Published = now.UTC()
		}
		it.Properties["published"] = []any{p.Published.Format(time.RFC3339)}
	}
	p.Status = StatusPublished
	if s := it.First("post-status"); s != "" {
		if s != StatusPublished && s != StatusDraft {
			return fmt.Errorf("%w: post-status %q", ErrInvalid, s)
		}
		p.Status = s
	}
	p.Visibility = VisibilityPublic
	if v := it.First("visibility"); v != "" {
		if v != VisibilityPublic && v != VisibilityUnlisted && v != VisibilityPrivate {
			return fmt.Errorf("%w: visibility %q", ErrInvalid, v)
		}
		p.Visibility = v
	}
	p.Categories = p.Categories[:0]
	for _, c := range it.Properties["category"] {
		if s := StringValue(c); s != "" {
			p.Categories = append(p.Categories, s)
		}
	}
	p.Type = DiscoverType(it)
	return nil
}

// ParseTime reads the date forms clients send: RFC 3339, offsets without a colon (+0200),
// minute precision, a space instead of T, and date only (taken as midnight UTC).
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognized date")
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05 Z07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
	"2006-01-02",
}
