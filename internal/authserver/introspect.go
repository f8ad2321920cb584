package authserver

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/token"
)

// introspect is the token introspection endpoint (RFC 7662, IndieAuth section 6). The
// IndieAuth spec requires the caller to be authorized: indiepub accepts any live access
// token of the site owner as Authorization: Bearer (a resource server of the owner holds
// one). The answer for a token that is unknown, expired or revoked is {"active": false}.
func (s *Server) introspect(w http.ResponseWriter, r *http.Request) error {
	caller, err := s.bearer(r)
	if err != nil {
		return err
	}
	if !indieauth.SameProfile(caller.Me, s.cfg.URL) {
		return oauthErr(http.StatusForbidden, "insufficient_scope", "only the site owner's tokens may introspect")
	}
	raw, err := tokenParam(w, r)
	if err != nil {
		return err
	}
	t, err := s.store.TokenByHash(r.Context(), token.Hash(raw))
	if errors.Is(err, token.ErrNotFound) {
		owner.WriteJSON(w, http.StatusOK, map[string]any{"active": false})
		return nil
	}
	if err != nil {
		return err
	}
	if t.Revoked || t.Expired(s.cfg.Now()) {
		owner.WriteJSON(w, http.StatusOK, map[string]any{"active": false})
		return nil
	}
	resp := map[string]any{
		"active": true, "me": s.cfg.URL, "client_id": t.ClientID, "scope": strings.Join(t.Scope, " "),
		"token_type": "Bearer", "iat": t.Issued.Unix(),
	}
	if !t.Expires.IsZero() {
		resp["exp"] = t.Expires.Unix()
	}
	owner.WriteJSON(w, http.StatusOK, resp)
	return nil
}

// revoke is the revocation endpoint (RFC 7009, IndieAuth section 7). Holding the token is
// the authorization to revoke it; the answer is 200 whether or not the token existed
// (section 2.2), so it tells nothing about unknown tokens. An access or refresh token
// revokes its pair.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) error {
	raw, err := tokenParam(w, r)
	if err != nil {
		return err
	}
	if _, err := s.store.RevokeTokenHash(r.Context(), token.Hash(raw)); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	return nil
}

// tokenParam reads the token parameter that introspection (RFC 7662 section 2.1) and
// revocation (RFC 7009 section 2.1) requests carry in their form body.
func tokenParam(w http.ResponseWriter, r *http.Request) (string, error) {
	v, err := readForm(w, r)
	if err != nil {
		return "", err
	}
	raw := v.Get("token")
	if raw == "" {
		return "", invalidRequest("token is required")
	}
	return raw, nil
}

func readForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTokenForm))
	if err != nil {
		return nil, owner.FormError(err)
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, invalidRequest("cannot read the form body: %v", err)
	}
	return v, nil
}
