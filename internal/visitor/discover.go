package visitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/indiepub/indiepub/indieauth"
)

// Failures of discovery and of the visitor's servers, each shown in its own words.
var (
	// ErrNoEndpoints means the visitor's site advertises no authorization endpoint.
	ErrNoEndpoints = errors.New("no IndieAuth endpoints found")
	// ErrUnreachable means the visitor's site or server could not be reached, or failed.
	ErrUnreachable = errors.New("their server could not be reached")
)

// Limits on what is read from the visitor's servers.
const (
	maxPage     = 1 << 20
	maxMetadata = 64 << 10
	maxReply    = 64 << 10
)

// endpoints are what a visitor's profile URL advertises.
type endpoints struct {
	// Me is the profile URL discovery started from.
	Me string `json:"me"`
	// Issuer is the authorization server's issuer, from its metadata; "" for a server
	// found through the legacy links, which sends no iss.
	Issuer        string `json:"iss,omitempty"`
	Authorization string `json:"auth"`
	Token         string `json:"token"`
	Revocation    string `json:"revoke,omitempty"`
	Micropub      string `json:"micropub,omitempty"`
}

// discover reads the endpoints of the profile URL me (IndieAuth §4.1): the Link headers
// first, then the page's <link> elements; indieauth-metadata before the legacy
// authorization_endpoint and token_endpoint. Everything goes through the guarded client.
func (s *Service) discover(ctx context.Context, me string) (*endpoints, error) {
	resp, err := s.get(ctx, me, "text/html, application/xhtml+xml;q=0.9, */*;q=0.1")
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnreachable, me, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s answered %d", ErrUnreachable, me, resp.StatusCode)
	}
	base := resp.Request.URL
	links := indieauth.ParseLinkHeader(base, resp.Header.Values("Link")...)
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "" || mt == "text/html" || mt == "application/xhtml+xml" {
		page, err := indieauth.ParseHTMLLinks(base, io.LimitReader(resp.Body, maxPage))
		if err == nil {
			links = append(links, page...) // the headers come first and win
		}
	}
	ep := &endpoints{Me: me, Micropub: indieauth.FindRel(links, "micropub")}
	if md := indieauth.FindRel(links, "indieauth-metadata"); md != "" {
		if err := s.metadata(ctx, md, ep); err != nil {
			return nil, err
		}
	} else {
		ep.Authorization = indieauth.FindRel(links, "authorization_endpoint")
		ep.Token = indieauth.FindRel(links, "token_endpoint")
	}
	if !httpURL(ep.Authorization) || !httpURL(ep.Token) {
		return nil, fmt.Errorf("%w at %s", ErrNoEndpoints, me)
	}
	if ep.Micropub != "" && !httpURL(ep.Micropub) {
		ep.Micropub = ""
	}
	return ep, nil
}

// metadata reads an authorization server metadata document (IndieAuth §4.1.1).
func (s *Service) metadata(ctx context.Context, u string, ep *endpoints) error {
	resp, err := s.get(ctx, u, "application/json")
	if err != nil {
		return fmt.Errorf("%w: metadata %s: %w", ErrUnreachable, u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: metadata %s answered %d", ErrUnreachable, u, resp.StatusCode)
	}
	b, err := indieauth.ReadLimited(resp.Body, maxMetadata)
	if err != nil {
		return fmt.Errorf("%w: metadata %s: %w", ErrUnreachable, u, err)
	}
	var md struct {
		Issuer        string `json:"issuer"`
		Authorization string `json:"authorization_endpoint"`
		Token         string `json:"token_endpoint"`
		Revocation    string `json:"revocation_endpoint"`
	}
	if err := json.Unmarshal(b, &md); err != nil {
		return fmt.Errorf("%w: metadata %s is not JSON", ErrNoEndpoints, u)
	}
	// The issuer is an https URL that is a prefix of the metadata URL (IndieAuth
	// §4.1.1); http is accepted too, for sites that are not on https.
	if !httpURL(md.Issuer) {
		return fmt.Errorf("%w: metadata %s names no issuer", ErrNoEndpoints, u)
	}
	ep.Issuer, ep.Authorization, ep.Token = md.Issuer, md.Authorization, md.Token
	if httpURL(md.Revocation) {
		ep.Revocation = md.Revocation
	}
	return nil
}

func (s *Service) get(ctx context.Context, u, accept string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "indiepub (IndieAuth client)")
	return s.cfg.Client.Do(req)
}

// httpURL reports whether s is an absolute http or https URL.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
