package authserver

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/pkce"
	"github.com/indiepub/indiepub/internal/token"
)

// Token lifetimes the owner can choose on the consent page.
var lifetimes = []struct {
	Value, Label string
	D            time.Duration
}{
	{"1d", "1 day", 24 * time.Hour},
	{"7d", "1 week", 7 * 24 * time.Hour},
	{"30d", "30 days", 30 * 24 * time.Hour},
	{"90d", "90 days", 90 * 24 * time.Hour},
	{"365d", "1 year", 365 * 24 * time.Hour},
	{"never", "never expires", 0},
}

const defaultLifetime = "90d"

// authorize shows the consent page for an authorization request (IndieAuth section 5.2),
// after sign-in.
//
// Nothing here redirects to the client: until the signed-in owner has answered, an error
// is shown on indiepub's own page, since redirecting anyone's crafted request to the
// redirect_uri it names would make indiepub an open redirector (RFC 9700 section
// 4.11.2). The client's information is fetched only for the signed-in owner, so a
// stranger cannot make indiepub fetch URLs of their choosing.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) error {
	if r.URL.RawQuery == "" {
		return invalidRequest("this is the IndieAuth authorization endpoint; clients send the owner here with an authorization request")
	}
	ar, err := ParseAuthRequest(r.URL.Query())
	if err != nil {
		return err
	}
	if e := ar.Validate(); e != nil {
		return e
	}
	sess, err := s.owner.SignedIn(w, r)
	if err != nil || sess == nil {
		return err
	}
	info, err := s.checkClient(r.Context(), ar)
	if err != nil {
		return err
	}
	exempt := false
	if ar.Challenge == "" {
		if exempt, err = s.store.PKCEExempt(r.Context(), ar.ClientID); err != nil {
			return err
		}
	}
	s.pages.Render(w, r, http.StatusOK, "consent", s.consentPage(ar, info, sess.CSRF, exempt))
	return nil
}

// checkClient fetches the client's information and checks the redirect URI, which must
// share the client_id's origin or be one the client published.
func (s *Server) checkClient(ctx context.Context, ar *AuthRequest) (*ClientInfo, error) {
	info := s.fetchClient(ctx, ar.clientURL)
	if !sameOrigin(ar.redirectURL, ar.clientURL) && !info.allowsRedirect(ar.RedirectURI) {
		return nil, invalidRequest("redirect_uri %s is on another site than client_id %s and the client does not list it",
			ar.RedirectURI, ar.ClientID)
	}
	return info, nil
}

// authorizePost is either a client redeeming a code for the owner's identity (IndieAuth
// section 5.3.2) or the owner's answer on the consent page.
func (s *Server) authorizePost(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return owner.FormError(err)
	}
	if r.PostForm.Has("grant_type") || r.PostForm.Has("code") {
		return s.redeemIdentity(w, r)
	}
	return s.consent(w, r)
}

func (s *Server) consent(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.owner.CheckForm(r)
	if err != nil {
		return err
	}
	ar, err := ParseAuthRequest(r.PostForm)
	if err != nil {
		return err
	}
	if e := ar.Validate(); e != nil {
		return e
	}
	info, err := s.checkClient(r.Context(), ar)
	if err != nil {
		return err
	}
	// The one error sent to the client: the signed-in owner said no (RFC 6749 section
	// 4.1.2.1), to a redirect URI checked against the client's information.
	if r.PostFormValue("decision") != "approve" {
		s.redirectError(w, r, ar, oauthErr(http.StatusForbidden, "access_denied", "the owner denied the request"))
		return nil
	}
	scope := grantedScope(ar.Scope, r.PostForm["scopes"])
	if !onlyIdentity(ar.Scope) && onlyIdentity(scope) {
		// Without an access scope the token endpoint answers without an access token,
		// and apps that asked for one (Quill, OwnYourSwarm, Micropublish) fail to sign in.
		var access []string
		for _, sc := range ar.Scope {
			if !onlyIdentity([]string{sc}) {
				access = append(access, sc)
			}
		}
		return s.reconsent(w, r, ar, info, sess.CSRF, fmt.Sprintf(
			"%s asked for access and cannot sign you in without any: leave at least one of %s ticked, or press Deny.",
			info.Name, strings.Join(access, ", ")))
	}
	if ar.Challenge == "" {
		if err := s.allowWithoutPKCE(r, ar, info); err != nil {
			return err
		}
	}
	lifetime, err := chosenLifetime(r.PostFormValue("expiry"))
	if err != nil {
		return err
	}
	raw, hash := token.Generate()
	now := s.cfg.Now()
	err = s.store.CreateCode(r.Context(), &token.Code{
		Hash: hash, ClientID: ar.ClientID, ClientName: info.Name, RedirectURI: ar.RedirectURI,
		Me: s.cfg.URL, Scope: scope, Challenge: ar.Challenge,
		Lifetime: lifetime, Created: now, Expires: now.Add(token.CodeLifetime),
	})
	if err != nil {
		return err
	}
	s.redirectBack(w, r, ar, url.Values{"code": {raw}})
	return nil
}

// reconsent shows the consent page again with the owner's choices and the problem with
// them.
func (s *Server) reconsent(w http.ResponseWriter, r *http.Request, ar *AuthRequest, info *ClientInfo, csrf, problem string) error {
	exempt := false
	if ar.Challenge == "" {
		var err error
		if exempt, err = s.store.PKCEExempt(r.Context(), ar.ClientID); err != nil {
			return err
		}
	}
	p := s.consentPage(ar, info, csrf, exempt)
	p.Problem = problem
	ticked := r.PostForm["scopes"]
	for i := range p.Scopes {
		p.Scopes[i].Checked = slices.Contains(ticked, p.Scopes[i].Name)
	}
	if expiry := r.PostFormValue("expiry"); expiry != "" {
		for i := range p.Lifetimes {
			p.Lifetimes[i].Selected = p.Lifetimes[i].Value == expiry
		}
	}
	s.pages.Render(w, r, http.StatusBadRequest, "consent", p)
	return nil
}

// allowWithoutPKCE lets a request without PKCE through only for a client the owner
// allowed before, or allows it now if the owner ticked the box on the consent page.
func (s *Server) allowWithoutPKCE(r *http.Request, ar *AuthRequest, info *ClientInfo) error {
	exempt, err := s.store.PKCEExempt(r.Context(), ar.ClientID)
	if err != nil || exempt {
		return err
	}
	if r.PostFormValue("allow_no_pkce") != "1" {
		return invalidRequest("%s sent no PKCE code_challenge; tick \"allow this app without PKCE\" to let it sign in anyway", info.Name)
	}
	return s.store.AddPKCEExemption(r.Context(), &pkce.Exemption{
		ClientID: ar.ClientID, ClientName: info.Name, Created: s.cfg.Now(),
	})
}

// grantedScope keeps the requested scopes the owner left ticked.
func grantedScope(requested, ticked []string) []string {
	var out []string
	for _, sc := range requested {
		if slices.Contains(ticked, sc) {
			out = append(out, sc)
		}
	}
	return out
}

func chosenLifetime(v string) (time.Duration, error) {
	if v == "" {
		v = defaultLifetime
	}
	for _, l := range lifetimes {
		if l.Value == v {
			return l.D, nil
		}
	}
	return 0, invalidRequest("unknown expiry %q", v)
}

// redirectBack sends the browser to the client's redirect_uri with the response
// parameters, the state and the issuer (RFC 9207), keeping any query it already has.
func (s *Server) redirectBack(w http.ResponseWriter, r *http.Request, ar *AuthRequest, params url.Values) {
	u := *ar.redirectURL
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if ar.State != "" {
		q.Set("state", ar.State)
	}
	q.Set("iss", s.cfg.URL)
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, ar *AuthRequest, e *Error) {
	s.redirectBack(w, r, ar, url.Values{"error": {e.Code}, "error_description": {e.Description}})
}

// redeemIdentity answers a client that redeems a code at the authorization endpoint: only
// who the owner is, never an access token.
func (s *Server) redeemIdentity(w http.ResponseWriter, r *http.Request) error {
	tr, err := tokenRequestFrom(r.PostForm)
	if err != nil {
		return err
	}
	if tr.GrantType != "" && tr.GrantType != "authorization_code" {
		return oauthErr(http.StatusBadRequest, "unsupported_grant_type", "the authorization endpoint redeems only authorization_code")
	}
	if err := clientAuth(r, tr); err != nil {
		return err
	}
	c, err := s.redeem(r.Context(), tr, func(*token.Code) (*token.Grant, error) { return nil, nil })
	if err != nil {
		return err
	}
	writeTokenResponse(w, r, s.identityResponse(r.Context(), c.Me, c.Scope))
	return nil
}

func (s *Server) identityResponse(ctx context.Context, me string, scope []string) map[string]any {
	resp := map[string]any{"me": me}
	if slices.Contains(scope, "profile") {
		p := s.profile(ctx)
		if !slices.Contains(scope, "email") {
			p.Email = ""
		}
		resp["profile"] = p
	}
	return resp
}

func (s *Server) consentPage(ar *AuthRequest, info *ClientInfo, csrf string, exempt bool) consentPage {
	p := consentPage{
		Client: info, Request: ar, Hidden: ar.values(), CSRF: csrf, Me: s.cfg.URL,
		NoPKCE: ar.Challenge == "" && !exempt, Exempt: ar.Challenge == "" && exempt,
		Ignored:     strings.Join(ar.Ignored, " "),
		RedirectURI: ar.RedirectURI,
	}
	for _, sc := range ar.Scope {
		p.Scopes = append(p.Scopes, scopeChoice{Name: sc, Help: scopeHelp[sc], Checked: true})
	}
	for _, l := range lifetimes {
		p.Lifetimes = append(p.Lifetimes, lifetimeChoice{Value: l.Value, Label: l.Label, Selected: l.Value == defaultLifetime})
	}
	p.IdentityOnly = onlyIdentity(ar.Scope)
	return p
}
