package webmention

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/indiepub/indiepub/indieauth"
)

// maxDiscoveryBody bounds the part of a target page read for its endpoint; the links
// that advertise one sit in <head> or early in the body.
const maxDiscoveryBody = 1 << 20

// maxDiscoveryTokens bounds the work spent tokenizing one page.
const maxDiscoveryTokens = 100000

// Discover fetches target through client (the guarded client, which follows a few
// redirects and refuses private addresses) and returns its Webmention endpoint as
// Webmention §3.1.2 says, resolved against the URL the redirects ended at; ErrNoEndpoint
// when it advertises none. code is the target's HTTP status (0 when it did not answer).
func Discover(ctx context.Context, client *http.Client, target string) (endpoint string, code int, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return "", 0, fmt.Errorf("discover %s: %w", target, err)
	}
	req.Header.Set("Accept", "text/html, application/xhtml+xml;q=0.9, */*;q=0.1")
	resp, err := client.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("discover %s: %w", target, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", resp.StatusCode, fmt.Errorf("discover %s: %s", target, resp.Status)
	}
	ep := FindEndpoint(resp.Request.URL, resp.Header, io.LimitReader(resp.Body, maxDiscoveryBody))
	if ep == "" {
		return "", resp.StatusCode, ErrNoEndpoint
	}
	return ep, resp.StatusCode, nil
}

// FindEndpoint returns the Webmention endpoint a response advertises (§3.1.2): the first
// Link header value with rel webmention (every Link header, each with any number of
// values, rel quoted or not and listing several types), else, in an HTML document, the
// first <link> or <a> element with rel webmention and an href, in document order
// (comments and escaped markup are text, not elements). The endpoint is resolved against
// page, the URL after redirects; an empty href is the page itself; the query string is
// kept. It returns "" when there is none, or when it is not http or https.
func FindEndpoint(page *url.URL, header http.Header, body io.Reader) string {
	for _, l := range indieauth.ParseLinkHeaderRaw(header.Values("Link")...) {
		if l.HasRel("webmention") {
			return resolve(page, l.URL)
		}
	}
	if !isHTML(header.Get("Content-Type")) {
		return ""
	}
	href, ok := htmlEndpoint(body)
	if !ok {
		return ""
	}
	return resolve(page, href)
}

// isHTML reports whether a Content-Type is HTML; a missing one is sniffed as HTML, as
// browsers would for a page.
func isHTML(contentType string) bool {
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "text/html" || mt == "application/xhtml+xml")
}

// htmlEndpoint returns the href of the first <link> or <a> whose rel lists webmention
// and that has an href attribute (an element without one is skipped, webmention.rocks
// test 20).
func htmlEndpoint(r io.Reader) (string, bool) {
	z := html.NewTokenizer(r)
	for range maxDiscoveryTokens {
		switch z.Next() {
		case html.ErrorToken:
			return "", false
		case html.StartTagToken, html.SelfClosingTagToken:
		default:
			continue
		}
		name, hasAttr := z.TagName()
		if tag := atom.Lookup(name); !hasAttr || (tag != atom.Link && tag != atom.A) {
			continue
		}
		var href, rel string
		var hasHref, hasRel bool
		for more := true; more; {
			var k, v []byte
			k, v, more = z.TagAttr()
			switch string(k) {
			case "href":
				if !hasHref {
					href, hasHref = string(v), true
				}
			case "rel":
				if !hasRel {
					rel, hasRel = string(v), true
				}
			}
		}
		if hasHref && hasRel && hasRelType(rel, "webmention") {
			return href, true
		}
	}
	return "", false
}

// hasRelType reports whether a space-separated rel value lists typ (ASCII
// case-insensitively, as HTML's rel keywords are).
func hasRelType(rel, typ string) bool {
	for _, r := range strings.Fields(rel) {
		if strings.EqualFold(r, typ) {
			return true
		}
	}
	return false
}

// resolve resolves ref against page; "" when the result is not an absolute http or https
// URL. An empty ref is the page itself (URL §4.4: the empty string is a relative
// reference to the same document), minus its fragment.
func resolve(page *url.URL, ref string) string {
	u, err := page.Parse(strings.TrimSpace(ref))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}
