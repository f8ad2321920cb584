package authserver

import (
	"net/http"

	"github.com/indiepub/indiepub/internal/owner"
)

// metadata serves the IndieAuth server metadata (IndieAuth section 4.1.1, RFC 8414).
//
// The introspection endpoint's caller authenticates with a bearer token. RFC 8414
// section 2 takes introspection_endpoint_auth_methods_supported values from the "OAuth
// Token Endpoint Authentication Methods" registry or the "OAuth Access Token Types"
// registry, where "Bearer" is registered (RFC 6750), so ["Bearer"] is a registered value.
//
// service_documentation is left out: it is optional, and clients read it in different
// shapes (go.hacdias.com/indielib decodes a list of strings), so a string there breaks
// their discovery, which then falls back to link headers without an issuer and refuses
// the iss parameter of the redirect (RFC 9207).
func (s *Server) metadata(w http.ResponseWriter, r *http.Request) {
	base := s.cfg.URL
	w.Header().Set("Access-Control-Allow-Origin", "*")
	owner.WriteJSON(w, http.StatusOK, map[string]any{
		"issuer":                 base,
		"authorization_endpoint": base + "auth",
		"token_endpoint":         base + "token",
		"introspection_endpoint": base + "introspect",
		"introspection_endpoint_auth_methods_supported":  []string{"Bearer"},
		"revocation_endpoint":                            base + "revoke",
		"revocation_endpoint_auth_methods_supported":     []string{"none"},
		"scopes_supported":                               Scopes,
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":               []string{"S256"},
		"authorization_response_iss_parameter_supported": true,
	})
}
