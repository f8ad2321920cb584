package visitor

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/indiepub/indiepub/indieauth"
)

// Scopes asked of the visitor's server: "profile create" to respond from their site, or
// "profile" alone, enough to read posts meant for them.
const (
	scopeRespond = "profile create"
	scopeRead    = "profile"
)

// SignIn starts a sign-in: POST with the visitor's URL ("url"), the page to come back to
// ("return") and, optionally, scope=profile to sign in only to read. Discovery and the
// requests to their servers happen here, on the request's path: they carry the visitor's
// token or lead to it, which must never be written to a job in the database.
func (v *Service) SignIn() http.Handler { return v.handle(v.signIn) }

func (v *Service) signIn(w http.ResponseWriter, r *http.Request) error {
	back := v.back(r.PostFormValue("return"))
	me, err := Canonical(r.PostFormValue("url"), v.cfg.LaxProfiles)
	if err != nil {
		return withBack(err, back)
	}
	scope := scopeRespond
	if r.PostFormValue("scope") == scopeRead {
		scope = scopeRead
	}
	ep, err := v.discover(r.Context(), me)
	if err != nil {
		return withBack(err, back)
	}
	now := v.cfg.Now()
	p := &pending{State: random(24), Verifier: random(48), Scope: scope, Return: back, Ep: ep,
		Expires: now.Add(pendingLifetime).Unix()}
	sealed := seal(v.cfg.Box, p, pendingContext)
	if sealed == "" {
		return withBack(fmt.Errorf("%w: its endpoint addresses are too long", ErrNoEndpoints), back)
	}
	v.setCookie(w, pendingCookie, sealed, now.Add(pendingLifetime))
	sum := sha256.Sum256([]byte(p.Verifier))
	http.Redirect(w, r, withQuery(ep.Authorization, url.Values{
		"response_type": {"code"}, "client_id": {v.ClientID()}, "redirect_uri": {v.RedirectURI()},
		"state": {p.State}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"}, "scope": {scope}, "me": {me},
	}), http.StatusSeeOther)
	return nil
}

// Callback is where the visitor's authorization server sends them back (IndieAuth §5.2):
// it checks state and iss, redeems the code with the PKCE verifier, checks the "me" it
// vouches for (§5.4), and signs the visitor in with a sealed cookie.
func (v *Service) Callback() http.Handler { return v.handle(v.callback) }

func (v *Service) callback(w http.ResponseWriter, r *http.Request) error {
	var p pending
	c, err := r.Cookie(pendingCookie)
	if err != nil || openValue(v.cfg.Box, c.Value, pendingContext, v.cfg.Now(), &p) != nil || p.Ep == nil {
		return withBack(errNoSignIn, v.cfg.URL)
	}
	v.clearCookie(w, pendingCookie)
	back, q := p.Return, r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(p.State)) != 1 {
		return withBack(errState, back)
	}
	if e := q.Get("error"); e != "" {
		return withBack(&deniedError{code: e, desc: q.Get("error_description")}, back)
	}
	// RFC 9207: with metadata, the issuer must come back as iss, unchanged.
	if p.Ep.Issuer != "" && q.Get("iss") != p.Ep.Issuer {
		return withBack(fmt.Errorf("%w: iss %q, want %q", errIssuer, q.Get("iss"), p.Ep.Issuer), back)
	}
	if q.Get("code") == "" {
		return withBack(errState, back)
	}
	s, err := v.redeem(r.Context(), &p, q.Get("code"))
	if err != nil {
		return withBack(err, back)
	}
	sealed := EncodeSession(v.cfg.Box, s)
	if sealed == "" {
		return withBack(fmt.Errorf("%w: their server's answer is too long for a cookie", ErrUnreachable), back)
	}
	if v.cfg.Remember != nil {
		if host := hostOf(s.Me); host != "" {
			if err := v.cfg.Remember(r.Context(), host); err != nil {
				v.cfg.Logger.WarnContext(r.Context(), "remember a visitor's domain", "host", host, "err", err)
			}
		}
	}
	v.setCookie(w, sessionCookie, sealed, time.Unix(s.Expires, 0))
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// tokenReply is a token or authorization endpoint's answer to a code (IndieAuth §5.3.3).
type tokenReply struct {
	Me          string `json:"me"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
	Profile     struct {
		Name  string `json:"name"`
		Photo string `json:"photo"`
	} `json:"profile"`
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// redeem exchanges the code: at the token endpoint for an access token, or, for a sign-in
// to read only, at the authorization endpoint for the profile alone (IndieAuth §5.3.2).
func (v *Service) redeem(ctx context.Context, p *pending, code string) (*Session, error) {
	endpoint := p.Ep.Token
	if p.Scope == scopeRead {
		endpoint = p.Ep.Authorization
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {v.ClientID()},
		"redirect_uri": {v.RedirectURI()}, "code_verifier": {p.Verifier}}
	var tr tokenReply
	status, err := v.postForm(ctx, endpoint, "", form, &tr)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK || tr.Me == "" {
		return nil, &remoteError{status: status, msg: firstOf(tr.Description, tr.Error, "the code was refused")}
	}
	ep, err := v.checkMe(ctx, p.Ep, tr.Me)
	if err != nil {
		return nil, err
	}
	now := v.cfg.Now()
	expires := now.Add(defaultLifetime)
	if tr.ExpiresIn > 0 && time.Duration(tr.ExpiresIn)*time.Second < defaultLifetime {
		expires = now.Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	s := &Session{Me: ep.Me, Name: clip(tr.Profile.Name, 100), Micropub: ep.Micropub, Token: tr.AccessToken,
		Scope: tr.Scope, CSRF: random(24), Expires: expires.Unix()}
	if httpURL(tr.Profile.Photo) && len(tr.Profile.Photo) <= 500 {
		s.Photo = tr.Profile.Photo
	}
	s.Revocation, s.Legacy = ep.Revocation, ep.Revocation == ""
	if s.Legacy {
		s.Revocation = ep.Token
	}
	return s, nil
}

// checkMe accepts the "me" the visitor's server vouched for (IndieAuth §5.4): the URL
// discovery started from, or another URL on the same host whose own discovery names the
// same authorization endpoint. A "me" on another host is refused: that server may not
// speak for it. It returns the endpoints of the accepted "me".
func (v *Service) checkMe(ctx context.Context, ep *endpoints, me string) (*endpoints, error) {
	canon, err := indieauth.CanonicalURL(me)
	if err != nil {
		return nil, fmt.Errorf("%w: %q", errOtherDomain, me)
	}
	if canon == ep.Me {
		return ep, nil
	}
	if !sameSite(canon, ep.Me) {
		return nil, fmt.Errorf("%w: %s is not on %s", errOtherDomain, canon, hostOf(ep.Me))
	}
	again, err := v.discover(ctx, canon)
	if err != nil {
		return nil, err
	}
	if again.Authorization != ep.Authorization {
		return nil, fmt.Errorf("%w: %s names another authorization endpoint", errOtherDomain, canon)
	}
	return again, nil
}

// SignOut deletes the visitor's cookie and revokes their token at their server
// (RFC 7009, or the legacy action=revoke at the token endpoint). The form carries the
// cookie's CSRF token; a cookie that does not open is cleared all the same.
func (v *Service) SignOut() http.Handler { return v.handle(v.signOut) }

func (v *Service) signOut(w http.ResponseWriter, r *http.Request) error {
	back := v.back(r.PostFormValue("return"))
	s := FromContext(r.Context())
	if s != nil && subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.CSRF)) != 1 {
		return withBack(errCSRF, back)
	}
	v.clearCookie(w, sessionCookie)
	if s != nil && s.Token != "" && s.Revocation != "" {
		form := url.Values{"token": {s.Token}}
		if s.Legacy {
			form.Set("action", "revoke")
		}
		if status, err := v.postForm(r.Context(), s.Revocation, "", form, nil); err != nil || status >= 300 {
			v.cfg.Logger.WarnContext(r.Context(), "revoke a visitor's token", "me", s.Me, "status", status, "err", err)
		}
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// postForm posts form to endpoint (with a bearer token, if given) and decodes a JSON
// answer into reply; an error means the server could not be reached.
func (v *Service) postForm(ctx context.Context, endpoint, bearer string, form url.Values, reply any) (int, error) {
	return v.postFormHeader(ctx, endpoint, bearer, form, reply, nil)
}

// postFormHeader is postForm that also returns the answer's Location in location, if
// not nil.
func (v *Service) postFormHeader(ctx context.Context, endpoint, bearer string, form url.Values, reply any, location *string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %w", ErrUnreachable, endpoint, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "indiepub (IndieAuth client)")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := v.cfg.Client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %w", ErrUnreachable, endpoint, err)
	}
	defer resp.Body.Close()
	if location != nil {
		if loc, err := resp.Location(); err == nil {
			*location = loc.String()
		}
	}
	b, _ := indieauth.ReadLimited(resp.Body, maxReply)
	if reply != nil {
		json.Unmarshal(b, reply) // a body that is not JSON leaves reply empty
	}
	return resp.StatusCode, nil
}

func hostOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// clip cuts s to at most n runes.
func clip(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}
