package post

import "strings"

// DiscoverType implements IndieWeb Post Type Discovery
// (https://www.w3.org/TR/post-type-discovery/), extended with checkin, quotation and
// itinerary, which the IndieWeb wiki lists.
func DiscoverType(it Item) string {
	if len(it.Type) > 0 && it.Type[0] == "h-event" {
		return "event"
	}
	has := func(name string) bool { return len(it.Properties[name]) > 0 }
	switch {
	case has("rsvp"):
		return "rsvp"
	case has("in-reply-to"):
		return "reply"
	case has("repost-of"):
		return "repost"
	case has("like-of"):
		return "like"
	case has("bookmark-of"):
		return "bookmark"
	case has("quotation-of"):
		return "quotation"
	case has("checkin"):
		return "checkin"
	case has("video"):
		return "video"
	case has("audio"):
		return "audio"
	case has("photo"):
		return "photo"
	}
	name := strings.TrimSpace(it.First("name"))
	content := strings.TrimSpace(contentText(it))
	if name == "" {
		return "note"
	}
	if content == "" || !strings.HasPrefix(collapse(content), collapse(name)) {
		return "article"
	}
	return "note"
}

func contentText(it Item) string {
	vs := it.Properties["content"]
	if len(vs) == 0 {
		if s := it.First("summary"); s != "" {
			return s
		}
		return ""
	}
	return StringValue(vs[0])
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }
