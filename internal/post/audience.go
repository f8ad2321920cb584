package post

import "strings"

// Audience returns the URLs of the people a post is limited to: the "audience"
// property, each value a URL or an h-card with a url (or a value). A post with an
// audience is limited: Reindex makes it private, so that listings, feeds and other
// readers never see it; the website shows it to the people named once they sign in.
func (it Item) Audience() []string {
	var out []string
	for _, v := range it.Properties["audience"] {
		s := StringValue(v)
		if m, ok := v.(map[string]any); ok {
			if props, ok := m["properties"].(map[string]any); ok {
				if urls, ok := props["url"].([]any); ok && len(urls) > 0 {
					s = StringValue(urls[0])
				}
			}
		}
		if s = strings.TrimSpace(s); strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
			out = append(out, s)
		}
	}
	return out
}
