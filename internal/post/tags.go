package post

import (
	"strings"
)

// TagCount is a tag in use, in the display form first written, with how many posts
// carry it.
type TagCount struct {
	Tag   string // display form
	Norm  string // lookup key (NormalizeTag)
	Count int
}

// NormalizeTag is the lookup key of a tag: trimmed, inner whitespace collapsed to single
// spaces, a leading '#' dropped and lower-cased, so "#Coffee", "coffee" and " COFFEE "
// are one tag while each post keeps the form it was written in.
func NormalizeTag(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	return strings.ToLower(collapse(s))
}

// Tags is the item's plain-text tags: its category values that are strings and not URLs,
// without repeats by NormalizeTag.
// Person tags (nested h-cards, as Swarm sends, and profile URLs, as OwnYourGram sends) are
// not tags: they stay in the item and are listed by PersonTags.
func (it Item) Tags() []string {
	var tags []string
	seen := map[string]bool{}
	for _, c := range it.Properties["category"] {
		s, ok := c.(string)
		if !ok || isURL(s) {
			continue
		}
		norm := NormalizeTag(s)
		if norm == "" || seen[norm] {
			continue
		}
		seen[norm] = true
		tags = append(tags, strings.TrimSpace(s))
	}
	return tags
}

// PersonTags is the URLs of the people the item tags: the url (or value) of each nested
// h-card in category, and each category value that is itself a URL.
func (it Item) PersonTags() []string {
	var urls []string
	for _, c := range it.Properties["category"] {
		switch x := c.(type) {
		case string:
			if isURL(x) {
				urls = append(urls, strings.TrimSpace(x))
			}
		case map[string]any:
			u := ""
			if props, ok := x["properties"].(map[string]any); ok {
				if list, ok := props["url"].([]any); ok && len(list) > 0 {
					u, _ = list[0].(string)
				}
			}
			if u == "" {
				u, _ = x["value"].(string)
			}
			if u != "" {
				urls = append(urls, u)
			}
		}
	}
	return urls
}

func isURL(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}
