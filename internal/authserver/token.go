package authserver

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/reqbody"
	"github.com/indiepub/indiepub/internal/token"
)

// maxTokenForm bounds token, introspection and revocation request bodies.
const maxTokenForm = 64 << 10

// refreshGrace is how much longer than its access token a refresh token lives.
const refreshGrace = 30 * 24 * time.Hour

// TokenRequest is a parsed request to the token endpoint.
type TokenRequest struct {
	GrantType    string
	Code         string
	ClientID     string
	RedirectURI  string
	CodeVerifier string
	// Me is the legacy "me" parameter some clients still send.
	Me           string
	RefreshToken string
	Scope        string
	// Action and Token are the legacy revocation request (action=revoke&token=...).
	Action string
	Token  string
}

// ParseTokenRequest reads a form-encoded token endpoint body. Clients differ: IndiePass
// ends the body with "&", Sunlit inserts the code unencoded (codes are URL-safe, so it
// arrives intact). A field sent twice with different values is refused (RFC 6749
// section 3.2: parameters must not be repeated).
func ParseTokenRequest(body []byte) (*TokenRequest, error) {
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, invalidRequest("cannot read the form body: %v", err)
	}
	return tokenRequestFrom(v)
}

func tokenRequestFrom(v url.Values) (*TokenRequest, error) {
	get := func(k string) (string, error) {
		vals := v[k]
		for _, x := range vals[min(1, len(vals)):] {
			if x != vals[0] {
				return "", invalidRequest("parameter %s was sent more than once", k)
			}
		}
		if len(vals) == 0 {
			return "", nil
		}
		return vals[0], nil
	}
	tr := &TokenRequest{}
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"grant_type", &tr.GrantType}, {"code", &tr.Code}, {"client_id", &tr.ClientID},
		{"redirect_uri", &tr.RedirectURI}, {"code_verifier", &tr.CodeVerifier}, {"me", &tr.Me},
		{"refresh_token", &tr.RefreshToken}, {"scope", &tr.Scope}, {"action", &tr.Action}, {"token", &tr.Token},
	} {
		val, err := get(f.name)
		if err != nil {
			return nil, err
		}
		*f.dst = val
	}
	return tr, nil
}

// token is the token endpoint (IndieAuth section 5.3, RFC 6749 section 4.1.3 and 6).
func (s *Server) token(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTokenForm))
	if err != nil {
		return owner.FormError(err)
	}
	tr, err := ParseTokenRequest(body)
	if err != nil {
		return err
	}
	if tr.GrantType == "" && tr.Action == "revoke" {
		// Quill's "reset login": the token in the body, no Authorization header.
		if _, err := s.store.RevokeTokenHash(r.Context(), token.Hash(tr.Token)); err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		return nil
	}
	if err := clientAuth(r, tr); err != nil {
		return err
	}
	switch {
	case tr.GrantType == "authorization_code":
		return s.exchangeCode(w, r, tr)
	case tr.GrantType == "refresh_token":
		return s.refresh(w, r, tr)
	case tr.GrantType == "":
		return invalidRequest("grant_type is required")
	}
	return oauthErr(http.StatusBadRequest, "unsupported_grant_type", "grant_type %q is not supported", tr.GrantType)
}

// redeem checks a code redemption against what the code is bound to, spending the code.
func (s *Server) redeem(ctx context.Context, tr *TokenRequest, grant func(*token.Code) (*token.Grant, error)) (*token.Code, error) {
	if tr.Code == "" {
		return nil, invalidRequest("code is required")
	}
	if tr.ClientID == "" {
		return nil, invalidRequest("client_id is required, in the body or as the user of Authorization: Basic")
	}
	now := s.cfg.Now()
	c, err := s.store.RedeemCode(ctx, token.Hash(tr.Code), func(c *token.Code) (*token.Grant, error) {
		if err := checkRedemption(c, tr, now); err != nil {
			return nil, err
		}
		return grant(c)
	})
	switch {
	case errors.Is(err, token.ErrNotFound):
		return nil, invalidGrant("the authorization code is unknown")
	case errors.Is(err, token.ErrCodeUsed):
		return nil, invalidGrant("the authorization code was already used; the token it bought is revoked")
	case err != nil:
		return nil, err
	}
	return c, nil
}

func checkRedemption(c *token.Code, tr *TokenRequest, now time.Time) error {
	switch {
	case c.Expired(now):
		return invalidGrant("the authorization code expired")
	case subtle.ConstantTimeCompare([]byte(c.ClientID), []byte(tr.ClientID)) != 1:
		return invalidGrant("the authorization code was issued to another client_id")
	case c.RedirectURI != tr.RedirectURI:
		return invalidGrant("redirect_uri does not match the authorization request")
	case tr.Me != "" && !indieauth.SameProfile(tr.Me, c.Me):
		return invalidGrant("me %q is not the site that authorized the code", tr.Me)
	}
	if c.Challenge == "" {
		// RFC 9700 section 2.1.1: a verifier for a code issued without a challenge points
		// at a downgrade attack.
		if tr.CodeVerifier != "" {
			return invalidGrant("code_verifier sent, but the authorization request had no code_challenge")
		}
		return nil
	}
	if tr.CodeVerifier == "" {
		return invalidGrant("code_verifier is required")
	}
	if !token.VerifyChallenge(c.Challenge, tr.CodeVerifier) {
		return invalidGrant("code_verifier does not match the code_challenge")
	}
	return nil
}

func (s *Server) exchangeCode(w http.ResponseWriter, r *http.Request, tr *TokenRequest) error {
	var raw, refresh string
	var g *token.Grant
	c, err := s.redeem(r.Context(), tr, func(c *token.Code) (*token.Grant, error) {
		// A code for identity only (no scope, or just profile/email) buys no access token:
		// indielogin redeems such codes here and reads only "me".
		if onlyIdentity(c.Scope) {
			return nil, nil
		}
		g, raw, refresh = s.newGrant(c.Me, c.ClientID, c.ClientName, c.Scope, c.Lifetime)
		return g, nil
	})
	if err != nil {
		return err
	}
	resp := s.identityResponse(r.Context(), c.Me, c.Scope)
	resp["scope"] = strings.Join(c.Scope, " ")
	if g != nil {
		addTokenFields(resp, g, raw, refresh, s.cfg.Now())
	}
	writeTokenResponse(w, r, resp)
	return nil
}

// newGrant makes a new access token, and a refresh token when the access token expires.
func (s *Server) newGrant(me, clientID, clientName string, scope []string, lifetime time.Duration) (g *token.Grant, raw, refresh string) {
	now := s.cfg.Now()
	raw, hash := token.Generate()
	t := &token.Token{Hash: hash, Me: me, ClientID: clientID, ClientName: clientName, Scope: scope, Issued: now}
	g = &token.Grant{Token: t}
	if lifetime > 0 {
		t.Expires = now.Add(lifetime)
		var refreshHash string
		refresh, refreshHash = token.Generate()
		g.RefreshHash, g.RefreshExpires = refreshHash, t.Expires.Add(refreshGrace)
	}
	return g, raw, refresh
}

func addTokenFields(resp map[string]any, g *token.Grant, raw, refresh string, now time.Time) {
	resp["access_token"] = raw
	resp["token_type"] = "Bearer"
	resp["scope"] = strings.Join(g.Token.Scope, " ")
	resp["me"] = g.Token.Me
	if !g.Token.Expires.IsZero() {
		resp["expires_in"] = int64(g.Token.Expires.Sub(now) / time.Second)
	}
	if refresh != "" {
		resp["refresh_token"] = refresh
	}
}

// refresh exchanges a refresh token for a new access token and a new refresh token; the
// old pair dies (RFC 6749 section 6, rotation per RFC 9700 section 4.14.2), and presenting
// the old refresh token again kills the new pair. The scope may be narrowed, never
// widened.
func (s *Server) refresh(w http.ResponseWriter, r *http.Request, tr *TokenRequest) error {
	if tr.RefreshToken == "" {
		return invalidRequest("refresh_token is required")
	}
	if tr.ClientID == "" {
		return invalidRequest("client_id is required, in the body or as the user of Authorization: Basic")
	}
	var raw, refresh string
	var g *token.Grant
	err := s.store.RotateRefresh(r.Context(), token.Hash(tr.RefreshToken), s.cfg.Now(), func(old *token.Token) (*token.Grant, error) {
		if subtle.ConstantTimeCompare([]byte(old.ClientID), []byte(tr.ClientID)) != 1 {
			return nil, invalidGrant("the refresh token was issued to another client_id")
		}
		scope := old.Scope
		if tr.Scope != "" {
			scope = token.ParseScope(tr.Scope)
			for _, sc := range scope {
				if !grants(old.Scope, sc) {
					return nil, oauthErr(http.StatusBadRequest, "invalid_scope", "scope %q was not granted originally", sc)
				}
			}
		}
		lifetime := old.Expires.Sub(old.Issued)
		g, raw, refresh = s.newGrant(old.Me, old.ClientID, old.ClientName, scope, lifetime)
		return g, nil
	})
	switch {
	case errors.Is(err, token.ErrRefreshUsed):
		// A spent refresh token coming back means it leaked: whoever holds the pair that
		// replaced it may not be the client, so that pair dies too (RFC 9700 section
		// 4.14.2).
		if _, err := s.store.RevokeAfterRefreshReuse(r.Context(), token.Hash(tr.RefreshToken)); err != nil {
			return err
		}
		return invalidGrant("the refresh token was already used; the tokens issued in its place are revoked, so sign in again")
	case errors.Is(err, token.ErrRefreshRevoked):
		return invalidGrant("the refresh token was revoked, with its access token; sign in again")
	case errors.Is(err, token.ErrNotFound):
		return invalidGrant("the refresh token is unknown or expired")
	case err != nil:
		return err
	}
	resp := s.identityResponse(r.Context(), g.Token.Me, g.Token.Scope)
	addTokenFields(resp, g, raw, refresh, s.cfg.Now())
	writeTokenResponse(w, r, resp)
	return nil
}

// grants reports whether a granted scope list covers sc, legacy "post" included.
func grants(scope []string, sc string) bool {
	t := indieauth.Token{Scope: scope}
	return t.HasScope(sc)
}

// bearer verifies the request's bearer token with the same verifier /micropub uses.
func (s *Server) bearer(r *http.Request) (*indieauth.Token, error) {
	raw, err := indieauth.ExtractToken(r)
	if errors.Is(err, indieauth.ErrNoToken) {
		return nil, oauthErr(http.StatusUnauthorized, "invalid_token", "send an access token as Authorization: Bearer")
	}
	if errors.Is(err, reqbody.ErrTimeout) {
		return nil, err
	}
	if err != nil {
		return nil, invalidRequest("%v", err)
	}
	t, err := s.cfg.Verifier.Verify(r.Context(), raw)
	if errors.Is(err, indieauth.ErrInvalidToken) {
		return nil, oauthErr(http.StatusUnauthorized, "invalid_token", "the access token is invalid, expired or revoked")
	}
	return t, err
}

// verifyToken is the legacy token verification: GET the token endpoint with a bearer
// token to learn whose it is.
func (s *Server) verifyToken(w http.ResponseWriter, r *http.Request) error {
	t, err := s.bearer(r)
	if err != nil {
		return err
	}
	resp := map[string]any{"me": t.Me, "client_id": t.ClientID, "scope": strings.Join(t.Scope, " ")}
	if !t.ExpiresAt.IsZero() {
		resp["exp"] = t.ExpiresAt.Unix()
	}
	owner.WriteJSON(w, http.StatusOK, resp)
	return nil
}
