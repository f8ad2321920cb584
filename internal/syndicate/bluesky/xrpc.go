package bluesky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/syndicate"
)

// xrpcError is an XRPC error answer: {"error", "message"}
// (https://atproto.com/specs/xrpc#error-responses).
type xrpcError struct {
	Status  int
	Name    string `json:"error"`
	Message string `json:"message"`
}

func (e *xrpcError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Name, e.Message)
}

// expired reports whether err is the PDS refusing an access token that has expired
// (400 ExpiredToken), which a new session fixes.
func expired(err error) bool {
	var e *xrpcError
	return errors.As(err, &e) && (e.Name == "ExpiredToken" || e.Name == "InvalidToken")
}

// maxAnswer bounds what is read of an answer.
const maxAnswer = 4 << 20

// call is one XRPC request (https://atproto.com/specs/xrpc): a query (GET, params in
// the URL) when in is nil and contentType empty, else a procedure (POST) with in as JSON,
// or as the raw body of contentType when in is []byte. token is the bearer JWT. The
// answer is decoded into out. A failure is an *xrpcError wrapped as the job queue wants
// it (syndicate.ResponseError).
func (c *Publisher) call(ctx context.Context, nsid string, params url.Values, in any, contentType, token string, out any) error {
	op := "bluesky: " + nsid
	u := c.pds.String() + "/xrpc/" + nsid
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	method, body := http.MethodGet, io.Reader(nil)
	switch x := in.(type) {
	case nil:
		if contentType != "" {
			method = http.MethodPost
		}
	case []byte:
		method, body = http.MethodPost, bytes.NewReader(x)
	default:
		data, err := json.Marshal(in)
		if err != nil {
			return jobs.Permanent(fmt.Errorf("%s: %w", op, err))
		}
		method, body, contentType = http.MethodPost, bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return jobs.Permanent(fmt.Errorf("%s: %w", op, err))
	}
	if contentType != "" && body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.cfg.Client.Do(req)
	if err != nil {
		return syndicate.TransportError(op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return syndicate.TransportError(op, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		xe := &xrpcError{Status: resp.StatusCode}
		json.Unmarshal(data, xe)
		return fmt.Errorf("%w (%w)", syndicate.ResponseError(op, resp, xe.Name+": "+xe.Message, c.cfg.Now()), xe)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return &jobs.RetryError{After: syndicate.DefaultRetryAfter, Err: fmt.Errorf("%s: decode answer: %w", op, err)}
		}
	}
	return nil
}

// session is what createSession and refreshSession answer
// (lexicons/com/atproto/server/createSession.json).
type session struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	Handle     string `json:"handle"`
	DID        string `json:"did"`
}

// currentSession is the session, made with the identifier and app password the first
// time.
func (c *Publisher) currentSession(ctx context.Context) (session, error) {
	c.mu.Lock()
	s := c.session
	c.mu.Unlock()
	if s != nil {
		return *s, nil
	}
	var ns session
	in := map[string]string{"identifier": c.cfg.Identifier, "password": c.cfg.AppPassword}
	if err := c.call(ctx, "com.atproto.server.createSession", nil, in, "", "", &ns); err != nil {
		return session{}, err
	}
	c.setSession(&ns)
	return ns, nil
}

// Check signs in afresh with the identifier and app password (createSession) and returns
// the account's handle; the new session replaces the one kept.
func (c *Publisher) Check(ctx context.Context) (string, error) {
	var ns session
	in := map[string]string{"identifier": c.cfg.Identifier, "password": c.cfg.AppPassword}
	if err := c.call(ctx, "com.atproto.server.createSession", nil, in, "", "", &ns); err != nil {
		return "", err
	}
	c.setSession(&ns)
	return ns.Handle, nil
}

func (c *Publisher) setSession(s *session) {
	c.mu.Lock()
	c.session = s
	c.mu.Unlock()
}

// renew replaces an expired session: refreshSession with the refresh token, or, when
// that is refused too, a new session from the app password.
func (c *Publisher) renew(ctx context.Context, old session) error {
	c.mu.Lock()
	renewed := c.session != nil && c.session.AccessJwt != old.AccessJwt
	c.mu.Unlock()
	if renewed {
		return nil // another job renewed it meanwhile
	}
	var ns session
	err := c.call(ctx, "com.atproto.server.refreshSession", nil, nil, "application/json", old.RefreshJwt, &ns)
	if err == nil {
		c.setSession(&ns)
		return nil
	}
	var xe *xrpcError
	if !errors.As(err, &xe) || xe.Status >= 500 || xe.Status == http.StatusTooManyRequests {
		return err
	}
	c.setSession(nil)
	_, err = c.currentSession(ctx)
	return err
}

// authed runs one call with the session's access token, renewing the session and
// trying once more when the token has expired.
func (c *Publisher) authed(ctx context.Context, nsid string, params url.Values, in any, contentType string, out any) error {
	s, err := c.currentSession(ctx)
	if err != nil {
		return err
	}
	err = c.call(ctx, nsid, params, in, contentType, s.AccessJwt, out)
	if !expired(err) {
		return err
	}
	if err := c.renew(ctx, s); err != nil {
		return err
	}
	s, err = c.currentSession(ctx)
	if err != nil {
		return err
	}
	return c.call(ctx, nsid, params, in, contentType, s.AccessJwt, out)
}
