package authserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/indiepub/indiepub/indieauth"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ClientInfo is what the consent page shows about an app, and the redirect URIs it
// registered.
type ClientInfo struct {
	ID   string
	Name string
	Logo string
	URL  string
	// RedirectURIs are the redirect URIs the client published, absolute.
	RedirectURIs []string
	// Fetched is false when the client_id could not be fetched.
	Fetched bool
}

// maxClientPage bounds how much of a client page is read.
const maxClientPage = 512 << 10

// fetchClient fetches client information (IndieAuth section 4.2) from the client_id URL:
// a JSON client metadata document, or an HTML page with an h-app (or h-x-app) and
// <link rel="redirect_uri">s. Failing that, the app is known by its host name.
func (s *Server) fetchClient(ctx context.Context, clientID *url.URL) *ClientInfo {
	info, err := s.tryFetchClient(ctx, clientID)
	if err != nil {
		s.cfg.Logger.InfoContext(ctx, "client information unavailable", "client_id", clientID.String(), "err", err)
		return &ClientInfo{ID: clientID.String(), Name: clientID.Hostname(), URL: clientID.String()}
	}
	return info
}

func (s *Server) tryFetchClient(ctx context.Context, clientID *url.URL) (*ClientInfo, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, clientID.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json, text/html;q=0.9, */*;q=0.1")
	req.Header.Set("User-Agent", "indiepub (IndieAuth client discovery)")
	resp, err := s.cfg.Fetch.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", clientID, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxClientPage))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", clientID, err)
	}
	info := ParseClientPage(clientID.String(), resp.Header.Get("Content-Type"), body, resp.Header.Values("Link"))
	info.Fetched = true
	return info, nil
}

// ParseClientPage reads client information from a fetched client_id page: its content
// type, body and Link headers. It never fails; what it cannot read is left empty, and the
// name falls back to the host.
func ParseClientPage(clientID, contentType string, body []byte, links []string) *ClientInfo {
	base, err := url.Parse(clientID)
	if err != nil {
		return &ClientInfo{ID: clientID, Name: clientID}
	}
	info := &ClientInfo{ID: clientID}
	mt, _, _ := mime.ParseMediaType(contentType)
	trimmed := bytes.TrimSpace(body)
	if mt == "application/json" || strings.HasSuffix(mt, "+json") || (mt == "" && bytes.HasPrefix(trimmed, []byte("{"))) {
		parseClientMetadata(info, base, body)
	} else {
		parseClientHTML(info, base, body)
	}
	// A native app may publish a redirect_uri of its own scheme, which ParseLinkHeader
	// would drop: the targets are resolved here, as the page's links are.
	for _, l := range indieauth.ParseLinkHeaderRaw(links...) {
		if l.HasRel("redirect_uri") {
			info.addRedirect(base, l.URL)
		}
	}
	if info.Name == "" {
		info.Name = base.Hostname()
	}
	if info.URL == "" {
		info.URL = clientID
	}
	return info
}

// parseClientMetadata reads a client metadata document. Per the spec its client_id must be
// the URL it was fetched from, and client_uri must share that origin; a document that
// fails this is ignored.
func parseClientMetadata(info *ClientInfo, base *url.URL, body []byte) {
	var doc struct {
		ClientID     string   `json:"client_id"`
		ClientName   string   `json:"client_name"`
		ClientURI    string   `json:"client_uri"`
		LogoURI      string   `json:"logo_uri"`
		RedirectURIs []string `json:"redirect_uris"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.ClientID != base.String() {
		return
	}
	info.Name = cleanText(doc.ClientName)
	if u := resolveHTTP(base, doc.ClientURI); u != nil && sameOrigin(u, base) {
		info.URL = u.String()
	}
	if u := resolveHTTP(base, doc.LogoURI); u != nil {
		info.Logo = u.String()
	}
	for _, r := range doc.RedirectURIs {
		info.addRedirect(base, r)
	}
}

// parseClientHTML reads the first h-app or h-x-app (name, url, logo) and every
// <link rel="redirect_uri"> of a page.
func parseClientHTML(info *ClientInfo, base *url.URL, body []byte) {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return
	}
	var happ *html.Node
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		if (n.DataAtom == atom.Link || n.DataAtom == atom.A) && hasToken(attr(n, "rel"), "redirect_uri") {
			info.addRedirect(base, attr(n, "href"))
		}
		if happ == nil && (hasToken(attr(n, "class"), "h-app") || hasToken(attr(n, "class"), "h-x-app")) {
			happ = n
		}
	}
	if happ == nil {
		return
	}
	readHApp(info, base, happ)
}

func readHApp(info *ClientInfo, base *url.URL, root *html.Node) {
	for n := range root.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		class := attr(n, "class")
		if info.Name == "" && hasToken(class, "p-name") {
			info.Name = cleanText(textOf(n))
			if info.Name == "" {
				info.Name = cleanText(attr(n, "alt"))
			}
		}
		if info.URL == "" && hasToken(class, "u-url") {
			if u := resolveHTTP(base, firstAttr(n, "href", "src", "value")); u != nil {
				info.URL = u.String()
			}
		}
		if info.Logo == "" && hasToken(class, "u-logo") {
			if u := resolveHTTP(base, firstAttr(n, "src", "href", "data")); u != nil {
				info.Logo = u.String()
			}
		}
	}
	if info.Name == "" {
		// The implied name of an h-app without p-name is its text (or an image's alt).
		name := cleanText(textOf(root))
		if name == "" {
			name = cleanText(attr(root, "alt"))
		}
		if len(name) <= 80 {
			info.Name = name
		}
	}
	if info.URL == "" {
		if u := resolveHTTP(base, attr(root, "href")); u != nil {
			info.URL = u.String()
		}
	}
}

func (info *ClientInfo) addRedirect(base *url.URL, href string) {
	href = strings.TrimSpace(href)
	if href == "" {
		return
	}
	u, err := base.Parse(href)
	if err != nil {
		return
	}
	if s := u.String(); !slices.Contains(info.RedirectURIs, s) {
		info.RedirectURIs = append(info.RedirectURIs, s)
	}
}

// allowsRedirect reports whether redirect is a redirect URI the client published.
func (info *ClientInfo) allowsRedirect(redirect string) bool {
	return slices.Contains(info.RedirectURIs, redirect)
}

// resolveHTTP resolves ref against base and keeps it only if it is an http(s) URL, so
// that a logo or link shown on the consent page cannot be a javascript: or data: URL.
func resolveHTTP(base *url.URL, ref string) *url.URL {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil
	}
	u, err := base.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil
	}
	return u
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

func firstAttr(n *html.Node, keys ...string) string {
	for _, k := range keys {
		if v := attr(n, k); v != "" {
			return v
		}
	}
	return ""
}

func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, tok) {
			return true
		}
	}
	return false
}

func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
		if b.Len() > 1024 {
			break
		}
	}
	return b.String()
}

// cleanText collapses white space and caps the length of a name shown on a page.
func cleanText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 100 {
		s = string(r[:100]) + "…"
	}
	return s
}
