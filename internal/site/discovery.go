package site

// discoveryLink is one endpoint a client discovers from the site's pages.
type discoveryLink struct {
	Rel, Href string
}

// header is the link-value for a Link header: exactly one rel per value, because IndiePass
// splits Link headers naively. The URL is written as configured; the header carries only
// absolute URLs from Config, which never contain '>'.
func (l discoveryLink) header() string {
	return "<" + l.Href + `>; rel="` + l.Rel + `"`
}

// discoveryLinks lists the endpoints to advertise, both as Link headers and as <link>
// elements: Sparkles, Sunlit and the Micro.blog apps read only the HTML, IndiePass only the
// headers. There is deliberately no rel="EditURI": Sunlit switches to XML-RPC when it sees
// one.
func discoveryLinks(cfg Config) []discoveryLink {
	var links []discoveryLink
	add := func(rel, href string) {
		if href != "" {
			links = append(links, discoveryLink{Rel: rel, Href: href})
		}
	}
	add("micropub", cfg.MicropubEndpoint)
	// The Micropub spec advertises the media endpoint in q=config; the rel is harmless
	// and some clients look for it.
	add("micropub_media", cfg.MediaEndpoint)
	add("indieauth-metadata", cfg.MetadataEndpoint)
	add("authorization_endpoint", cfg.AuthorizationEndpoint)
	add("token_endpoint", cfg.TokenEndpoint)
	add("webmention", cfg.WebmentionEndpoint)
	return links
}
