// Package mastodon copies posts to an account on a server that speaks the Mastodon API
// (Mastodon, GoToSocial, Akkoma): notes and photos become statuses, articles their title
// and link, replies threaded replies, likes favourites, reposts boosts
// (https://docs.joinmastodon.org/methods/statuses/).
package mastodon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/syndicate"
	"github.com/indiepub/indiepub/internal/syndicate/compose"
)

// Config is what a Mastodon target needs.
type Config struct {
	// Server is the server's base URL, e.g. https://mastodon.social.
	Server string
	// Token is the account's access token (scopes write:statuses, write:media,
	// write:favourites, read:search). It is sent only to Server and never logged.
	Token string
	// Client makes every request: the guarded outbound client
	// (indieauth.NewClient). Required.
	Client *http.Client
	// Service and User describe the target for q=syndicate-to; Service defaults to
	// {Name: "Mastodon", URL: Server}.
	Service, User syndicate.Service
	// Now is the clock for Retry-After dates; time.Now when nil.
	Now func() time.Time
	// PollInterval is how often an upload still processing (202) is asked after;
	// default 1 s.
	PollInterval time.Duration
}

// Publisher publishes to one Mastodon account. It is safe for concurrent use.
type Publisher struct {
	cfg    Config
	server *url.URL

	mu     sync.Mutex
	limits *limits
}

var _ syndicate.Publisher = (*Publisher)(nil)

// New checks cfg and returns its publisher.
func New(cfg Config) (*Publisher, error) {
	u, err := url.Parse(strings.TrimRight(cfg.Server, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("mastodon: server %q is not an http(s) URL", cfg.Server)
	}
	if cfg.Token == "" {
		return nil, errors.New("mastodon: no access token")
	}
	if cfg.Client == nil {
		return nil, errors.New("mastodon: no HTTP client")
	}
	if cfg.Service.Name == "" {
		cfg.Service = syndicate.Service{Name: "Mastodon", URL: u.String() + "/"}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	return &Publisher{cfg: cfg, server: u}, nil
}

// Service describes the server for q=syndicate-to.
func (c *Publisher) Service() syndicate.Service { return c.cfg.Service }

// User describes the account for q=syndicate-to.
func (c *Publisher) User() syndicate.Service { return c.cfg.User }

// Fragments that mark a copy that is a favourite or a boost of someone else's status:
// the copy's URL is that status's URL with one of these, so that Delete knows to undo it.
const (
	favouritedFragment = "favourited"
	rebloggedFragment  = "reblogged"
)

// Publish makes p a status, a favourite or a boost (see the package comment), or edits
// the status at prev. key is sent as Idempotency-Key when a status is created, which
// Mastodon honours for an hour: a job repeated after a crash gets the same status.
func (c *Publisher) Publish(ctx context.Context, p *post.Post, prev, key string, media syndicate.MediaOpener) (string, error) {
	switch p.Type {
	case "like", "repost":
		if prev != "" {
			return prev, nil // nothing of a favourite or a boost can be edited
		}
		return c.interact(ctx, p)
	}
	lim, err := c.serverLimits(ctx)
	if err != nil {
		return "", err
	}
	form := url.Values{}
	form.Set("status", statusText(p, lim.MaxCharacters))
	form.Set("visibility", visibility(p))
	ids, err := c.uploadPhotos(ctx, p, lim, media)
	if err != nil {
		return "", err
	}
	for _, id := range ids {
		form.Add("media_ids[]", id)
	}
	if prev != "" {
		id, err := c.ownStatusID(prev)
		if err != nil {
			return "", err
		}
		form.Del("visibility") // an edit cannot change it
		var st status
		if err := c.call(ctx, http.MethodPut, "/api/v1/statuses/"+url.PathEscape(id), form, nil, &st); err != nil {
			return "", err
		}
		return st.link(), nil
	}
	if reply := inReplyTo(p); reply != "" {
		st, err := c.resolve(ctx, reply)
		if err != nil {
			return "", err
		}
		form.Set("in_reply_to_id", st.ID)
	}
	var st status
	hdr := http.Header{}
	if key != "" {
		hdr.Set("Idempotency-Key", key)
	}
	if err := c.call(ctx, http.MethodPost, "/api/v1/statuses", form, hdr, &st); err != nil {
		return "", err
	}
	return st.link(), nil
}

// interact favourites (a like) or boosts (a repost) the status the post is about, found
// on the server by its URL.
func (c *Publisher) interact(ctx context.Context, p *post.Post) (string, error) {
	prop, action, fragment := "like-of", "favourite", favouritedFragment
	if p.Type == "repost" {
		prop, action, fragment = "repost-of", "reblog", rebloggedFragment
	}
	target := compose.First(p, prop)
	st, err := c.resolve(ctx, target)
	if err != nil {
		return "", err
	}
	if err := c.call(ctx, http.MethodPost, "/api/v1/statuses/"+url.PathEscape(st.ID)+"/"+action, nil, nil, nil); err != nil {
		return "", err
	}
	return withoutFragment(st.link()) + "#" + fragment, nil
}

// Delete removes the copy at copyURL: deletes the status, or undoes the favourite or
// boost. A copy already gone is not an error.
func (c *Publisher) Delete(ctx context.Context, copyURL string) error {
	u, err := url.Parse(copyURL)
	if err != nil {
		return jobs.Permanent(fmt.Errorf("mastodon: copy URL %q: %w", copyURL, err))
	}
	if u.Fragment == favouritedFragment || u.Fragment == rebloggedFragment {
		st, err := c.resolve(ctx, withoutFragment(copyURL))
		if jobs.IsPermanent(err) && errors.Is(err, syndicate.ErrUnsupported) {
			return nil // the status is gone, and the favourite or boost with it
		}
		if err != nil {
			return err
		}
		action := "unfavourite"
		if u.Fragment == rebloggedFragment {
			action = "unreblog"
		}
		return c.call(ctx, http.MethodPost, "/api/v1/statuses/"+url.PathEscape(st.ID)+"/"+action, nil, nil, nil)
	}
	id, err := c.ownStatusID(copyURL)
	if err != nil {
		return err
	}
	err = c.call(ctx, http.MethodDelete, "/api/v1/statuses/"+url.PathEscape(id), nil, nil, nil)
	if errors.Is(err, errNotFound) {
		return nil
	}
	return err
}

// ownStatusID is the ID of a status of this server from its URL: the last path segment
// in every form servers give (Mastodon /@user/ID, GoToSocial /@user/statuses/ID, Akkoma
// /notice/ID).
func (c *Publisher) ownStatusID(statusURL string) (string, error) {
	u, err := url.Parse(statusURL)
	if err != nil || u.Host != c.server.Host {
		return "", jobs.Permanent(fmt.Errorf("mastodon: %q is not a status of %s", statusURL, c.server.Host))
	}
	id := path.Base(strings.TrimSuffix(u.Path, "/"))
	if id == "" || id == "/" || id == "." {
		return "", jobs.Permanent(fmt.Errorf("mastodon: no status ID in %q", statusURL))
	}
	return id, nil
}

// resolve finds the status at statusURL on the server: GET /api/v2/search with
// resolve=true, which fetches a remote status the server does not know yet
// (https://docs.joinmastodon.org/methods/search/#v2).
func (c *Publisher) resolve(ctx context.Context, statusURL string) (*status, error) {
	if !strings.HasPrefix(statusURL, "https://") && !strings.HasPrefix(statusURL, "http://") {
		return nil, jobs.Permanent(fmt.Errorf("mastodon: %w: %q is not a URL", syndicate.ErrUnsupported, statusURL))
	}
	q := url.Values{"q": {statusURL}, "resolve": {"true"}, "type": {"statuses"}, "limit": {"1"}}
	var res struct {
		Statuses []status `json:"statuses"`
	}
	if err := c.call(ctx, http.MethodGet, "/api/v2/search?"+q.Encode(), nil, nil, &res); err != nil {
		return nil, err
	}
	if len(res.Statuses) == 0 {
		return nil, jobs.Permanent(fmt.Errorf("mastodon: %w: %s finds no status at %s", syndicate.ErrUnsupported, c.server.Host, statusURL))
	}
	return &res.Statuses[0], nil
}

// status is the part of the Status entity the publisher reads
// (https://docs.joinmastodon.org/entities/Status/).
type status struct {
	ID  string `json:"id"`
	URI string `json:"uri"`
	URL string `json:"url"`
}

// link is the status's web address: url, or uri where a server leaves url null.
func (s *status) link() string {
	if s.URL != "" {
		return s.URL
	}
	return s.URI
}

func withoutFragment(u string) string {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		return u[:i]
	}
	return u
}

func inReplyTo(p *post.Post) string { return compose.First(p, "in-reply-to") }

// visibility maps the post's visibility to a status's: public, unlisted, and private
// (followers only).
func visibility(p *post.Post) string {
	switch p.Visibility {
	case post.VisibilityUnlisted:
		return "unlisted"
	case post.VisibilityPrivate:
		return "private"
	}
	return "public"
}

// errNotFound marks a 404, which Delete takes for a copy already gone.
var errNotFound = errors.New("not found")

// maxAnswer bounds what is read of an answer.
const maxAnswer = 4 << 20

// Check asks the server whose account the token is (GET
// /api/v1/accounts/verify_credentials, https://docs.joinmastodon.org/methods/accounts/#verify_credentials)
// and returns the account's URL, or else its acct; a wrong token is the server's 401.
func (c *Publisher) Check(ctx context.Context) (string, error) {
	var acct struct {
		Acct string `json:"acct"`
		URL  string `json:"url"`
	}
	if err := c.call(ctx, http.MethodGet, "/api/v1/accounts/verify_credentials", nil, nil, &acct); err != nil {
		return "", err
	}
	if acct.URL != "" {
		return acct.URL, nil
	}
	return acct.Acct, nil
}

// call sends one API request with the bearer token: form as a urlencoded body (nil: no
// body), and decodes a 2xx answer into out (nil: discarded). Other answers become the
// errors the job queue acts on (syndicate.ResponseError).
func (c *Publisher) call(ctx context.Context, method, pathQuery string, form url.Values, hdr http.Header, out any) error {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, c.server.String()+pathQuery, body)
	if err != nil {
		return jobs.Permanent(fmt.Errorf("mastodon: %w", err))
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	_, err = c.do(req, out)
	return err
}

// do sends req with the token and reads its answer; it returns the status code.
func (c *Publisher) do(req *http.Request, out any) (int, error) {
	op := "mastodon: " + req.Method + " " + req.URL.Path
	req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	req.Header.Set("Accept", "application/json")
	resp, err := c.cfg.Client.Do(req)
	if err != nil {
		return 0, syndicate.TransportError(op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return 0, syndicate.TransportError(op, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var e struct {
			Error string `json:"error"`
		}
		json.Unmarshal(data, &e)
		err := syndicate.ResponseError(op, resp, e.Error, c.cfg.Now())
		if resp.StatusCode == http.StatusNotFound {
			err = fmt.Errorf("%w (%w)", err, errNotFound)
		}
		return resp.StatusCode, err
	}
	if out != nil && resp.StatusCode != http.StatusNoContent {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, &jobs.RetryError{After: syndicate.DefaultRetryAfter, Err: fmt.Errorf("%s: decode answer: %w", op, err)}
		}
	}
	return resp.StatusCode, nil
}

// limits is the part of the instance's configuration the publisher follows
// (https://docs.joinmastodon.org/entities/Instance/#configuration).
type limits struct {
	MaxCharacters       int
	MaxMediaAttachments int
	ImageSizeLimit      int
}

// serverLimits reads GET /api/v2/instance once and keeps it; a server that does not
// say gets Mastodon's defaults (500 characters, 4 attachments, 16 MB images).
func (c *Publisher) serverLimits(ctx context.Context) (limits, error) {
	c.mu.Lock()
	l := c.limits
	c.mu.Unlock()
	if l != nil {
		return *l, nil
	}
	var inst struct {
		Configuration struct {
			Statuses struct {
				MaxCharacters       int `json:"max_characters"`
				MaxMediaAttachments int `json:"max_media_attachments"`
			} `json:"statuses"`
			MediaAttachments struct {
				ImageSizeLimit int `json:"image_size_limit"`
			} `json:"media_attachments"`
		} `json:"configuration"`
	}
	if err := c.call(ctx, http.MethodGet, "/api/v2/instance", nil, nil, &inst); err != nil {
		return limits{}, err
	}
	l = &limits{
		MaxCharacters:       inst.Configuration.Statuses.MaxCharacters,
		MaxMediaAttachments: inst.Configuration.Statuses.MaxMediaAttachments,
		ImageSizeLimit:      inst.Configuration.MediaAttachments.ImageSizeLimit,
	}
	if l.MaxCharacters <= 0 {
		l.MaxCharacters = 500
	}
	if l.MaxMediaAttachments <= 0 {
		l.MaxMediaAttachments = 4
	}
	if l.ImageSizeLimit <= 0 {
		l.ImageSizeLimit = 16 << 20
	}
	c.mu.Lock()
	c.limits = l
	c.mu.Unlock()
	return *l, nil
}

// multipartBody builds an upload's body: the part "file" with its type and the field
// "description" (https://docs.joinmastodon.org/methods/media/#v2).
func multipartBody(name, contentType string, data []byte, description string) (*bytes.Buffer, string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, name))
	h.Set("Content-Type", contentType)
	pw, err := mw.CreatePart(h)
	if err != nil {
		return nil, "", err
	}
	pw.Write(data)
	if description != "" {
		mw.WriteField("description", description)
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return &buf, mw.FormDataContentType(), nil
}
