package webmention

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
)

// ReceiverStore is what receiving and verifying need from storage.
type ReceiverStore interface {
	// PostByURL returns the post at url, deleted or not; post.ErrNotFound if none.
	PostByURL(ctx context.Context, url string) (*post.Post, error)
	MentionStore
}

// VisitorDomains are the hosts of visitors who signed in with their website through the
// site (internal/visitor).
type VisitorDomains interface {
	// IsVisitorDomain reports whether a visitor from domain signed in.
	IsVisitorDomain(ctx context.Context, domain string) (bool, error)
}

// ReceiverConfig configures a Receiver.
type ReceiverConfig struct {
	// URL is the site's absolute URL with a trailing slash: targets must be under it.
	URL   string
	Store ReceiverStore
	// Enqueue adds the verification job of a webmention received; nil enqueues nothing
	// (the job is then run by whoever calls Verify).
	Enqueue func(ctx context.Context, js ...*jobs.Job) (int, error)
	// Client fetches sources: the guarded client.
	Client *http.Client
	// Sanitize makes a source's HTML content safe to show: the site's allow-list.
	Sanitize func(string) string
	// Photos keeps the authors' photos in the media store; nil keeps none (a mention
	// then has no photo).
	Photos Photos
	// MaxPhoto caps an author's photo; 0 means DefaultMaxPhoto. A larger one is not kept.
	MaxPhoto int64
	// Moderation is ModerateAll, ModerateKnown (the default) or ModerateHold.
	Moderation string
	// Visitors, if set, approves the verified webmentions whose source is on the host of a
	// visitor who signed in through the site (the owner's setting; off by default).
	Visitors VisitorDomains
	// MaxBody caps the request body (source and target); 0 means 16 KiB.
	MaxBody int64
	// MaxSource caps a source page; 0 means 1 MiB. A larger one is rejected.
	MaxSource int64
	// RateLimit is how many webmentions one source host may send per RateWindow; 0 means
	// 30 a minute.
	RateLimit  int
	RateWindow time.Duration
	Now        func() time.Time
	Logger     *slog.Logger
}

// Receiver is the Webmention endpoint (§3.2): it takes webmentions, answers their status
// URLs and verifies them as jobs.
type Receiver struct {
	cfg    ReceiverConfig
	photos photoKeeper
	mu     sync.Mutex
	rate   map[string]*window
}

// window counts one source host's webmentions in the current window.
type window struct {
	start time.Time
	n     int
}

// NewReceiver returns a Receiver.
func NewReceiver(cfg ReceiverConfig) *Receiver {
	if !strings.HasSuffix(cfg.URL, "/") {
		cfg.URL += "/"
	}
	if cfg.Client == nil {
		cfg.Client = indieauth.NewClient(indieauth.FetchOptions{})
	}
	if cfg.Sanitize == nil {
		cfg.Sanitize = htmlEscape
	}
	if cfg.Moderation == "" {
		cfg.Moderation = ModerateKnown
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 16 << 10
	}
	if cfg.MaxSource <= 0 {
		cfg.MaxSource = 1 << 20
	}
	if cfg.RateLimit <= 0 {
		cfg.RateLimit = 30
	}
	if cfg.RateWindow <= 0 {
		cfg.RateWindow = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxPhoto <= 0 {
		cfg.MaxPhoto = DefaultMaxPhoto
	}
	return &Receiver{cfg: cfg, rate: map[string]*window{},
		photos: photoKeeper{client: cfg.Client, photos: cfg.Photos, max: cfg.MaxPhoto, logger: cfg.Logger}}
}

// Endpoint returns the URL the site advertises as its Webmention endpoint.
func (rc *Receiver) Endpoint() string { return rc.cfg.URL + "webmention" }

// StatusURL is the status URL of the mention with key.
func (rc *Receiver) StatusURL(key string) string { return rc.cfg.URL + "webmention/status/" + key }

// Errors of the endpoint.
var (
	errInvalid     = errors.New("invalid_request")
	errRateLimited = errors.New("too many webmentions from this source's host; try again later")
)

// Receive handles POST /webmention (§3.2.1): the synchronous checks, then 202 Accepted
// with the status URL in Location, verification left to a job.
func (rc *Receiver) Receive(w http.ResponseWriter, r *http.Request) {
	rc.handle(w, r, rc.receive)
}

func (rc *Receiver) receive(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, rc.cfg.MaxBody)
	if err := r.ParseForm(); err != nil {
		if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
			return err // 413, not 400: the body is over MaxBody
		}
		return fmt.Errorf("%w: %v", errInvalid, err)
	}
	source, target, err := rc.check(r.Context(), r.PostForm.Get("source"), r.PostForm.Get("target"))
	if err != nil {
		return err
	}
	if wait := rc.limit(source.Hostname()); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return errRateLimited
	}
	m := &Mention{Source: source.String(), Target: target, Created: rc.cfg.Now().UTC()}
	if err := rc.cfg.Store.ReceiveMention(r.Context(), m); err != nil {
		return err
	}
	if rc.cfg.Enqueue != nil {
		payload, _ := json.Marshal(verifyPayload{ID: m.ID})
		j := &jobs.Job{Kind: KindVerify, Key: strconv.FormatInt(m.ID, 10) + " " + rc.cfg.Now().UTC().Format(time.RFC3339Nano), Payload: payload}
		if _, err := rc.cfg.Enqueue(r.Context(), j); err != nil {
			return err
		}
	}
	loc := rc.StatusURL(m.Key)
	w.Header().Set("Location", loc)
	writeJSON(w, http.StatusAccepted, map[string]string{"status": Pending, "location": loc})
	return nil
}

// check is §3.2.1's request verification: source and target are http(s) URLs, they
// differ, and target is this site's home page or one of its posts that everyone may see.
// It returns the source and the target without its fragment.
func (rc *Receiver) check(ctx context.Context, source, target string) (*url.URL, string, error) {
	src, err := httpURL(source)
	if err != nil {
		return nil, "", fmt.Errorf("%w: source: %v", errInvalid, err)
	}
	tgt, err := httpURL(target)
	if err != nil {
		return nil, "", fmt.Errorf("%w: target: %v", errInvalid, err)
	}
	tgt.Fragment, tgt.RawFragment = "", ""
	if sameURL(src.String(), tgt.String()) {
		return nil, "", fmt.Errorf("%w: source and target are the same URL", errInvalid)
	}
	t := tgt.String()
	if t == rc.cfg.URL || t+"/" == rc.cfg.URL {
		return src, rc.cfg.URL, nil
	}
	if !strings.HasPrefix(t, rc.cfg.URL) {
		return nil, "", fmt.Errorf("%w: target %s is not on this site", errInvalid, t)
	}
	p, err := rc.cfg.Store.PostByURL(ctx, t)
	if errors.Is(err, post.ErrNotFound) || (err == nil && !visible(p)) {
		return nil, "", fmt.Errorf("%w: target %s is not a post of this site", errInvalid, t)
	}
	if err != nil {
		return nil, "", err
	}
	return src, t, nil
}

func httpURL(s string) (*url.URL, error) {
	if s == "" {
		return nil, errors.New("missing")
	}
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http or https URL", s)
	}
	return u, nil
}

// limit counts a webmention from host and returns how long to wait when the host has
// sent its RateLimit in the current window.
func (rc *Receiver) limit(host string) time.Duration {
	host = strings.ToLower(host)
	now := rc.cfg.Now()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	w := rc.rate[host]
	if w == nil || now.Sub(w.start) >= rc.cfg.RateWindow {
		if len(rc.rate) >= 10000 { // bounded memory: windows of idle hosts go first
			for h, old := range rc.rate {
				if now.Sub(old.start) >= rc.cfg.RateWindow {
					delete(rc.rate, h)
				}
			}
		}
		w = &window{start: now}
		rc.rate[host] = w
	}
	if w.n >= rc.cfg.RateLimit {
		return w.start.Add(rc.cfg.RateWindow).Sub(now)
	}
	w.n++
	return 0
}

// Status handles GET /webmention/status/{key}: where the webmention stands.
func (rc *Receiver) Status(w http.ResponseWriter, r *http.Request) {
	rc.handle(w, r, func(w http.ResponseWriter, r *http.Request) error {
		m, err := rc.cfg.Store.MentionByKey(r.Context(), r.PathValue("key"))
		if err != nil {
			return err
		}
		out := map[string]any{"status": m.Status, "source": m.Source, "target": m.Target}
		if m.Reason != "" {
			out["reason"] = m.Reason
		}
		if m.Status == Verified {
			out["type"] = m.Type
			out["approved"] = m.Approved
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	})
}

func (rc *Receiver) handle(w http.ResponseWriter, r *http.Request, fn func(http.ResponseWriter, *http.Request) error) {
	if err := fn(w, r); err != nil {
		rc.writeError(w, r, err)
	}
}

// writeError answers a failure as Webmention errors are (§3.2.1: 400 for a bad request)
// in the JSON shape of the site's other endpoints.
func (rc *Receiver) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, code := http.StatusInternalServerError, "server_error"
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, errInvalid):
		status, code = http.StatusBadRequest, "invalid_request"
	case errors.As(err, &tooBig):
		status, code = http.StatusRequestEntityTooLarge, "invalid_request"
	case errors.Is(err, errRateLimited):
		status, code = http.StatusTooManyRequests, "too_many_requests"
	case errors.Is(err, ErrNoMention):
		status, code = http.StatusNotFound, "not_found"
	}
	desc := strings.TrimPrefix(err.Error(), errInvalid.Error()+": ")
	if status >= 500 {
		rc.cfg.Logger.ErrorContext(r.Context(), "webmention request failed", "path", r.URL.Path, "err", err)
		desc = "internal error"
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
