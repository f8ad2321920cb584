package mastodon

import (
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/syndicate/compose"
)

// urlCost is what Mastodon counts a URL as, whatever its length
// (configuration.statuses.characters_reserved_per_url; StatusLengthValidator).
const urlCost = 23

// statusText is the status of a post within max characters: an article's title and
// link; any other post's text, cut with a link back when it is too long; then its tags
// as hashtags. A post with no text but a title or nothing at all says its title or its
// link. Mastodon has no byte limit; the one set here only bounds the work of cutting a
// long text.
func statusText(p *post.Post, max int) string {
	parts := compose.Parts{Link: p.URL, Tags: compose.Hashtags(p)}
	switch text := compose.Text(p); {
	case p.Type == "article":
		parts.Body, parts.AlwaysLink = compose.Name(p), true
	case text != "":
		parts.Body = text
	case len(compose.Photos(p)) == 0:
		parts.Body, parts.AlwaysLink = compose.Name(p), true
	}
	return compose.Fit(parts, compose.Limit{Max: max, MaxBytes: 64 * max, URLCost: urlCost}).Text
}
