// Package visitor lets visitors sign in to the site with their own website (IndieAuth,
// indiepub being the client) and respond to posts from their own site: a reply, like,
// repost or bookmark sent to their own Micropub endpoint with their own token.
//
// Nothing of a visitor is stored on the server: their profile, endpoints and token live
// in a cookie sealed with AES-GCM (internal/secret) under a key kept apart from the
// database, so that a stolen database or backup leaks no visitor's token. The sign-in
// under way (state, PKCE verifier) is in a second, short-lived sealed cookie.
//
// The server side of IndieAuth (the owner signing in to apps) is internal/authserver.
package visitor

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/secret"
)

// Config configures the visitor sign-in.
type Config struct {
	// URL is the site's URL with a trailing slash: indiepub's client_id, under which the
	// callback lives.
	URL string
	// Name and Logo describe indiepub as a client, in its client metadata document.
	Name, Logo string
	// Box seals the cookies.
	Box *secret.Box
	// Client is the guarded client (indieauth.NewClient) every request to the visitor's
	// servers goes through.
	Client *http.Client
	// LaxProfiles accepts profile URLs with IP addresses and ports, which IndieAuth
	// forbids: for tests and local setups, alongside private fetches.
	LaxProfiles bool
	// Show renders a themed page: the outcome of a response, or a failure in plain words.
	Show func(w http.ResponseWriter, r *http.Request, n Notice)
	// Remember, if set, records the host of a visitor who signed in (only the host: never
	// a token), for webmention moderation.
	Remember func(ctx context.Context, host string) error
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives failures the visitor is not shown; nil discards them.
	Logger *slog.Logger
}

// Notice is a page shown to the visitor.
type Notice struct {
	Status         int
	Title, Message string
	Links          []Link
}

// Link is a link on a notice.
type Link struct {
	Label, URL string
}

// Service is the visitor sign-in and responding.
type Service struct {
	cfg    Config
	secure bool
}

// New returns the visitor service.
func New(cfg Config) *Service {
	if !strings.HasSuffix(cfg.URL, "/") {
		cfg.URL += "/"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, secure: strings.HasPrefix(cfg.URL, "https://")}
}

// ClientID is indiepub's client_id as an IndieAuth client: the site's home page, which
// serves the client metadata document to those who ask for JSON and an h-app to the
// others (ClientDocument).
func (v *Service) ClientID() string { return v.cfg.URL }

// RedirectURI is where visitors' authorization servers send them back.
func (v *Service) RedirectURI() string { return v.cfg.URL + "visitor/callback" }

// SignInURL, SignOutURL and RespondURL are the actions of the forms under posts.
func (v *Service) SignInURL() string  { return v.cfg.URL + "visitor/signin" }
func (v *Service) SignOutURL() string { return v.cfg.URL + "visitor/signout" }
func (v *Service) RespondURL() string { return v.cfg.URL + "visitor/respond" }

// back is where to send the visitor when done: a page of this site, else the home page
// (never another site: no open redirect).
func (v *Service) back(s string) string {
	if strings.HasPrefix(s, v.cfg.URL) && !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return v.cfg.URL
}

// SameOrigin refuses, with the stale-form page, the form posts another site's page
// makes in the visitor's browser (Sec-Fetch-Site, or Origin against Host): a page
// elsewhere could otherwise sign a visitor in as someone else, or respond in their name.
func (v *Service) SameOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v.writeError(w, r, errCSRF)
	}))
	return cop.Handler(next)
}

type contextKey struct{}

// Sessions is middleware that reads the visitor's cookie for next: a session that opens
// is in the request's context (FromContext); a cookie that does not (tampered with,
// sealed under another key, expired) is refused and cleared.
func (v *Service) Sessions(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		s, err := DecodeSession(v.cfg.Box, c.Value, v.cfg.Now())
		if err != nil {
			v.clearCookie(w, sessionCookie)
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), contextKey{}, s)))
	})
}

// FromContext returns the signed-in visitor that Sessions found, or nil.
func FromContext(ctx context.Context) *Session {
	s, _ := ctx.Value(contextKey{}).(*Session)
	return s
}

// random returns n random bytes, base64url-encoded.
func random(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// withQuery adds params to an endpoint URL, keeping any query it has.
func withQuery(endpoint string, params url.Values) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return endpoint
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}
