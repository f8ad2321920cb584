package indieauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrNoEndpoint means the owner's homepage advertises no token or introspection endpoint.
// It comes wrapped with ErrUnavailable: no token can be verified until that is fixed.
var ErrNoEndpoint = errors.New("no token endpoint found")

// Limits on what is read from other servers.
const (
	maxPageBytes     = 1 << 20  // a homepage; discovery links are near the top
	maxMetadataBytes = 64 << 10 // an authorization server metadata document
	maxReplyBytes    = 64 << 10 // a token verification reply
	// rediscoverAfter bounds how long discovered endpoints are trusted even while they
	// keep working, so that a moved endpoint is picked up eventually.
	rediscoverAfter = time.Hour
)

// External verifies tokens with the owner's IndieAuth server over HTTP, as a site that
// leaves sign-in to someone else's server does.
//
// Without a configured endpoint it discovers one from Me (IndieAuth §4.1): the HTTP Link
// header first, then <link rel> in the HTML; rel="indieauth-metadata" leads to the
// metadata document, whose introspection_endpoint is preferred (IndieAuth §6.1, RFC 7662),
// over the legacy rel="token_endpoint", which is asked with GET and the token as Bearer.
// When the introspection endpoint answers 404 or 405, or 401 because it wants credentials
// (IntrospectionAuth) that were not given, the legacy GET is tried at the token endpoint,
// because servers of both generations are in use. Discovery results are reused
// until a verification fails to reach the server, then discovered again.
//
// A token whose me is not Me (after CanonicalURL) is ErrInvalidToken. A timeout, a refused
// connection or a 5xx answer is ErrUnavailable. Put a Cache in front of External so that
// not every request costs a round trip.
type External struct {
	// Me is the owner's profile URL: discovery starts there, and only tokens for it pass.
	Me string
	// TokenEndpoint, if set, is asked with the legacy GET and discovery is skipped.
	TokenEndpoint string
	// IntrospectionEndpoint, if set, is asked with the introspection POST and discovery is
	// skipped; TokenEndpoint is then the fallback for 404 and 405.
	IntrospectionEndpoint string
	// IntrospectionAuth is the Authorization header sent with introspection requests, e.g.
	// "Bearer <secret>"; IndieAuth §6.1 lets servers require the resource server to
	// authenticate there.
	IntrospectionAuth string
	// Client makes the requests; nil means NewClient(FetchOptions{}), which refuses
	// private addresses.
	Client *http.Client
	// Timeout bounds one verification, discovery included; 0 means 5 s.
	Timeout time.Duration
	// Now is the clock for token expiry; nil means time.Now.
	Now func() time.Time

	once   sync.Once
	client *http.Client

	mu    sync.Mutex
	found *endpoints
}

type endpoints struct {
	introspection string
	token         string
	discovered    bool
	at            time.Time
}

// Verify implements Verifier.
func (x *External) Verify(ctx context.Context, raw string) (*Token, error) {
	timeout := x.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ep, err := x.endpoints(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := x.ask(ctx, ep, raw)
	if errors.Is(err, ErrUnavailable) && ep.discovered {
		x.forget(ep)
	}
	if err != nil {
		return nil, err
	}
	return tok, nil
}

// ask verifies raw at the endpoints and checks the answer.
func (x *External) ask(ctx context.Context, ep *endpoints, raw string) (*Token, error) {
	var r *reply
	var err error
	if ep.introspection != "" {
		r, err = x.introspect(ctx, ep.introspection, raw)
		if errors.Is(err, errNotSupported) && ep.token != "" {
			r, err = x.legacy(ctx, ep.token, raw)
		}
	} else {
		r, err = x.legacy(ctx, ep.token, raw)
	}
	if errors.Is(err, errNotSupported) {
		err = fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if err != nil {
		return nil, err
	}
	return x.check(r)
}

// check turns a successful reply into a Token, or says why it is not one.
func (x *External) check(r *reply) (*Token, error) {
	if !r.active {
		return nil, fmt.Errorf("%w: the token endpoint says it is not active", ErrInvalidToken)
	}
	if r.me == "" {
		return nil, fmt.Errorf("%w: the token endpoint named no me", ErrInvalidToken)
	}
	if !SameURL(r.me, x.Me) {
		return nil, fmt.Errorf("%w: the token is for %.200s, not %s", ErrInvalidToken, r.me, x.Me)
	}
	now := time.Now()
	if x.Now != nil {
		now = x.Now()
	}
	t := &Token{Me: r.me, ClientID: r.clientID, Scope: strings.Fields(r.scope)}
	if r.exp > 0 {
		t.ExpiresAt = time.Unix(r.exp, 0)
		if !now.Before(t.ExpiresAt) {
			return nil, fmt.Errorf("%w: the token has expired", ErrInvalidToken)
		}
	}
	return t, nil
}

func (x *External) httpClient() *http.Client {
	x.once.Do(func() {
		x.client = x.Client
		if x.client == nil {
			x.client = NewClient(FetchOptions{})
		}
	})
	return x.client
}

// endpoints returns the configured endpoints, or the discovered ones.
func (x *External) endpoints(ctx context.Context) (*endpoints, error) {
	if x.TokenEndpoint != "" || x.IntrospectionEndpoint != "" {
		return &endpoints{introspection: x.IntrospectionEndpoint, token: x.TokenEndpoint}, nil
	}
	x.mu.Lock()
	ep := x.found
	x.mu.Unlock()
	if ep != nil && time.Since(ep.at) < rediscoverAfter {
		return ep, nil
	}
	ep, err := x.discover(ctx)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	x.found = ep
	x.mu.Unlock()
	return ep, nil
}

// forget drops discovered endpoints that just failed, unless they were already replaced.
func (x *External) forget(ep *endpoints) {
	x.mu.Lock()
	if x.found == ep {
		x.found = nil
	}
	x.mu.Unlock()
}

// discover finds the endpoints advertised by the owner's homepage.
func (x *External) discover(ctx context.Context) (*endpoints, error) {
	resp, err := x.get(ctx, x.Me, "text/html")
	if err != nil {
		return nil, fmt.Errorf("%w: discovery at %s: %w", ErrUnavailable, x.Me, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: discovery at %s: status %d", ErrUnavailable, x.Me, resp.StatusCode)
	}
	base := resp.Request.URL
	header := ParseLinkHeader(base, resp.Header.Values("Link")...)
	metadata, token := FindRel(header, "indieauth-metadata"), FindRel(header, "token_endpoint")
	if metadata == "" || token == "" {
		if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "" || mt == "text/html" || mt == "application/xhtml+xml" {
			page, err := ParseHTMLLinks(base, io.LimitReader(resp.Body, maxPageBytes))
			if err != nil {
				return nil, fmt.Errorf("%w: discovery at %s: %w", ErrUnavailable, x.Me, err)
			}
			metadata = cmp(metadata, FindRel(page, "indieauth-metadata"))
			token = cmp(token, FindRel(page, "token_endpoint"))
		}
	}
	ep := &endpoints{token: token, discovered: true, at: time.Now()}
	if metadata != "" {
		md, err := x.metadata(ctx, metadata)
		if err != nil && token == "" {
			return nil, fmt.Errorf("%w: metadata %s: %w", ErrUnavailable, metadata, err)
		}
		if err == nil {
			ep.introspection = md.introspection
			ep.token = cmp(md.token, token)
		}
	}
	if ep.introspection == "" && ep.token == "" {
		return nil, fmt.Errorf("%w: %w at %s", ErrUnavailable, ErrNoEndpoint, x.Me)
	}
	return ep, nil
}

// cmp returns the first of a, b that is not empty.
func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// metadata fetches an authorization server metadata document (IndieAuth §4.1.1).
func (x *External) metadata(ctx context.Context, u string) (*endpoints, error) {
	resp, err := x.get(ctx, u, "application/json")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	b, err := ReadLimited(resp.Body, maxMetadataBytes)
	if err != nil {
		return nil, err
	}
	var md struct {
		TokenEndpoint         string `json:"token_endpoint"`
		IntrospectionEndpoint string `json:"introspection_endpoint"`
	}
	if err := json.Unmarshal(b, &md); err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	base := resp.Request.URL
	return &endpoints{introspection: resolve(base, md.IntrospectionEndpoint), token: resolve(base, md.TokenEndpoint)}, nil
}

func (x *External) get(ctx context.Context, u, accept string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	return x.httpClient().Do(req)
}

// errNotSupported means an endpoint answered 404 or 405: it does not speak that protocol.
// An introspection endpoint that answers 401 is treated alike: RFC 7662 §2.3 uses 401 for
// a resource server that failed to authenticate, not for a bad token (that is a 200 with
// "active": false), so the legacy GET, which needs no credentials of its own, gets its turn.
var errNotSupported = errors.New("endpoint answered 404 or 405")

// errNeedsAuth means an introspection endpoint refused our credentials, or the lack of them.
var errNeedsAuth = fmt.Errorf("%w: the introspection endpoint requires authentication (IntrospectionAuth)", errNotSupported)

// introspect asks an introspection endpoint (IndieAuth §6.1, RFC 7662 §2).
func (x *External) introspect(ctx context.Context, endpoint, raw string) (*reply, error) {
	body := strings.NewReader(url.Values{"token": {raw}}.Encode())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, body)
	if err != nil {
		return nil, fmt.Errorf("%w: introspection endpoint %q: %w", ErrUnavailable, endpoint, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if x.IntrospectionAuth != "" {
		req.Header.Set("Authorization", x.IntrospectionAuth)
	}
	return x.verifyRequest(req, true)
}

// legacy asks a token endpoint with GET and the token as Bearer (IndieAuth 2020, §6.3).
func (x *External) legacy(ctx context.Context, endpoint, raw string) (*reply, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: token endpoint %q: %w", ErrUnavailable, endpoint, err)
	}
	req.Header.Set("Authorization", "Bearer "+raw)
	return x.verifyRequest(req, false)
}

// verifyRequest sends a verification request and classifies the answer.
func (x *External) verifyRequest(req *http.Request, introspection bool) (*reply, error) {
	req.Header.Set("Accept", "application/json, application/x-www-form-urlencoded;q=0.8")
	resp, err := x.httpClient().Do(req)
	if err != nil {
		// The URL in a *url.Error may carry nothing secret (the token is in a header or
		// the body), but keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%w: %s %s: %w", ErrUnavailable, req.Method, req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	switch s := resp.StatusCode; {
	case s == http.StatusOK:
	case introspection && s == http.StatusUnauthorized:
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Redacted(), errNeedsAuth)
	case s == http.StatusBadRequest, s == http.StatusUnauthorized, s == http.StatusForbidden:
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxReplyBytes))
		return nil, fmt.Errorf("%w: the token endpoint answered %d", ErrInvalidToken, s)
	case s == http.StatusNotFound, s == http.StatusMethodNotAllowed:
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Redacted(), errNotSupported)
	default:
		return nil, fmt.Errorf("%w: %s %s: status %d", ErrUnavailable, req.Method, req.URL.Redacted(), s)
	}
	b, err := ReadLimited(resp.Body, maxReplyBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: %w", ErrUnavailable, req.Method, req.URL.Redacted(), err)
	}
	r, err := parseReply(resp.Header.Get("Content-Type"), b)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: %w", ErrUnavailable, req.Method, req.URL.Redacted(), err)
	}
	if !introspection {
		// A legacy token endpoint answers 200 only for a valid token and has no "active".
		r.active = true
	}
	return r, nil
}

// reply is what a token or introspection endpoint says about a token.
type reply struct {
	active   bool
	me       string
	clientID string
	scope    string
	exp      int64
}

// parseReply reads a JSON or form-encoded reply, trying JSON first unless the content type
// says form: older token endpoints answer in form encoding.
func parseReply(contentType string, b []byte) (*reply, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt != "application/x-www-form-urlencoded" {
		if r, err := parseJSONReply(b); err == nil {
			return r, nil
		} else if mt == "application/json" {
			return nil, err
		}
	}
	v, err := url.ParseQuery(strings.TrimSpace(string(b)))
	if err != nil || len(v) == 0 {
		return nil, fmt.Errorf("reply is neither JSON nor a form")
	}
	exp, _ := strconv.ParseInt(v.Get("exp"), 10, 64)
	active, _ := strconv.ParseBool(v.Get("active"))
	return &reply{active: active, me: v.Get("me"), clientID: v.Get("client_id"), scope: v.Get("scope"), exp: exp}, nil
}

func parseJSONReply(b []byte) (*reply, error) {
	var j struct {
		Active   bool        `json:"active"`
		Me       string      `json:"me"`
		ClientID string      `json:"client_id"`
		Scope    string      `json:"scope"`
		Exp      json.Number `json:"exp"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("reply: %w", err)
	}
	r := &reply{active: j.Active, me: j.Me, clientID: j.ClientID, scope: j.Scope}
	if j.Exp != "" {
		f, err := j.Exp.Float64()
		if err != nil {
			return nil, fmt.Errorf("reply: exp %q: %w", j.Exp, err)
		}
		r.exp = int64(f)
	}
	return r, nil
}
