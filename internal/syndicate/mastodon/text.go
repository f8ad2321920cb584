package mastodon

import (
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/syndicate/compose"
)

// urlCost is what Mastodon counts a URL as, whatever its length
// (configuration.statuses.characters_reserved_per_url; StatusLengthValidator).
const urlCost = 23

// statusText is the status of a post within max characters (compose.PostParts).
// Mastodon has no byte limit; the one set here only bounds the work of cutting a long
// text.
func statusText(p *post.Post, max int) string {
	return compose.Fit(compose.PostParts(p), compose.Limit{Max: max, MaxBytes: 64 * max, URLCost: urlCost}).Text
}
