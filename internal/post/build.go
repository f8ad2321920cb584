package post

import (
	"fmt"
	"strings"
	"time"
)

// Normalize turns loose client input into proper mf2: a bare type string becomes a list,
// "entry" becomes "h-entry", bare property values become one-element lists and null
// values are dropped (mf2 has no null). Nested objects are kept as they came.
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
	for _, t := range it.Type {
		if t == "h-" {
			return it, fmt.Errorf("%w: empty type", ErrInvalid)
		}
	}
	props, ok := raw["properties"].(map[string]any)
	// PHP's json_encode writes an empty map as [] (OwnYourSwarm's "replace":[]).
	if list, isList := raw["properties"].([]any); isList && len(list) == 0 {
		ok = true
	}
	if !ok && raw["properties"] != nil {
		return it, fmt.Errorf("%w: properties must be an object", ErrInvalid)
	}
	it.Properties = make(map[string][]any, len(props))
	for k, v := range props {
		if strings.TrimSpace(k) == "" {
			return it, fmt.Errorf("%w: empty property name", ErrInvalid)
		}
		list, ok := v.([]any)
		if !ok {
			list = []any{v}
		}
		if list = dropNil(list); len(list) > 0 {
			it.Properties[k] = list
		}
	}
	if c, ok := raw["children"].([]any); ok {
		it.Children = c
	}
	return it, nil
}

func hType(s string) string {
	s = strings.TrimSpace(s)
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
// to the caller, which knows the site's URL patterns and what is already taken
// (ChooseSlug, NthSlug, Path). Commands must already be out of the item (StripCommands).
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

// Reindex recomputes the indexed fields from the item after it changed: published (the
// item keeps the text as written; a missing one becomes now, or stays what it was for a
// post that had one), status, visibility, tags and type.
func (p *Post) Reindex(now time.Time) error {
	if p.Item.Properties == nil {
		p.Item.Properties = map[string][]any{}
	}
	if err := p.reindexPublished(now); err != nil {
		return err
	}
	status, err := oneOf(p.Item, "post-status", StatusPublished, StatusDraft)
	if err != nil {
		return err
	}
	visibility, err := oneOf(p.Item, "visibility", VisibilityPublic, VisibilityUnlisted, VisibilityPrivate)
	if err != nil {
		return err
	}
	if len(p.Item.Audience()) > 0 {
		visibility = VisibilityPrivate // limited to its audience (Audience)
	}
	p.Status, p.Visibility = status, visibility
	p.Categories = p.Item.Tags()
	p.Type = DiscoverType(p.Item)
	return nil
}

func (p *Post) reindexPublished(now time.Time) error {
	vs := p.Item.Properties["published"]
	if len(vs) > 0 {
		s, ok := vs[0].(string)
		if !ok {
			return fmt.Errorf("%w: published must be a date string", ErrInvalid)
		}
		if strings.TrimSpace(s) != "" {
			t, err := ParseTime(s)
			if err != nil {
				return fmt.Errorf("%w: published %q: %v", ErrInvalid, s, err)
			}
			p.Published = t.UTC()
			return nil
		}
	}
	if p.Published.IsZero() {
		// Whole seconds, as written into the item, so that reindexing after an update
		// reads back the same instant and the post keeps its place in listings.
		p.Published = now.UTC().Truncate(time.Second)
	}
	p.Item.Properties["published"] = []any{p.Published.Format(time.RFC3339)}
	return nil
}

// oneOf reads a property that must hold one of the allowed values (the first is the
// default when it is absent or empty).
func oneOf(it Item, name string, allowed ...string) (string, error) {
	v := strings.ToLower(strings.TrimSpace(it.First(name)))
	if v == "" {
		return allowed[0], nil
	}
	for _, a := range allowed {
		if v == a {
			return a, nil
		}
	}
	return "", fmt.Errorf("%w: %s %q", ErrInvalid, name, it.First(name))
}
