package authserver_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestMetadataDecodesForGoClients: the metadata document decodes into the shapes Go
// clients give it. go.hacdias.com/indielib declares service_documentation as a list of
// strings; when indiepub sent a string, its decoding failed, it fell back to link
// discovery with an empty issuer and then refused the iss of the redirect. The field is
// optional (RFC 8414 section 2), so it is left out and every shape decodes.
func TestMetadataDecodesForGoClients(t *testing.T) {
	s := newSite(t)
	resp, body := s.Get(t, "/.well-known/oauth-authorization-server", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("metadata: %d %s", resp.StatusCode, body)
	}
	// The fields indielib's Metadata declares, in its types.
	var asList struct {
		Issuer                                     string   `json:"issuer"`
		AuthorizationEndpoint                      string   `json:"authorization_endpoint"`
		TokenEndpoint                              string   `json:"token_endpoint"`
		IntrospectionEndpoint                      string   `json:"introspection_endpoint"`
		IntrospectionEndpointAuthMethodsSupported  []string `json:"introspection_endpoint_auth_methods_supported"`
		RevocationEndpoint                         string   `json:"revocation_endpoint"`
		RevocationEndpointAuthMethodsSupported     []string `json:"revocation_endpoint_auth_methods_supported"`
		ScopesSupported                            []string `json:"scopes_supported"`
		ResponseTypesSupported                     []string `json:"response_types_supported"`
		GrantTypesSupported                        []string `json:"grant_types_supported"`
		ServiceDocumentation                       []string `json:"service_documentation"`
		CodeChallengeMethodsSupported              []string `json:"code_challenge_methods_supported"`
		AuthorizationResponseIssParameterSupported bool     `json:"authorization_response_iss_parameter_supported"`
		UserInfoEndpoint                           string   `json:"userinfo_endpoint"`
	}
	if err := json.Unmarshal(body, &asList); err != nil {
		t.Fatalf("metadata into a struct with service_documentation []string: %v\n%s", err, body)
	}
	if asList.Issuer != s.Cfg.URL || asList.AuthorizationEndpoint != s.Cfg.URL+"auth" || asList.TokenEndpoint != s.Cfg.URL+"token" {
		t.Errorf("decoded issuer %q, endpoints %q %q; want %s and its auth and token", asList.Issuer,
			asList.AuthorizationEndpoint, asList.TokenEndpoint, s.Cfg.URL)
	}
	// RFC 8414 says a URL, a string: the other shape decodes too.
	var asString struct {
		Issuer               string `json:"issuer"`
		ServiceDocumentation string `json:"service_documentation"`
	}
	if err := json.Unmarshal(body, &asString); err != nil {
		t.Fatalf("metadata into a struct with service_documentation string: %v", err)
	}
	if strings.Contains(string(body), "service_documentation") {
		t.Errorf("metadata has service_documentation, which Go clients decode in incompatible shapes: %s", body)
	}

	// What indielib then does with the redirect: the iss parameter must equal the
	// issuer it decoded (RFC 9207 section 2.4).
	a := newApp(t, "/", "html", hApp("Go App"))
	verifier := strings.Repeat("g", 43)
	back := newBrowser(t).authorize(s, authQuery(a, a.URL+"/cb", "create", verifier, "st", s.Cfg.URL))
	if iss := back.Query().Get("iss"); iss != asList.Issuer {
		t.Errorf("redirect iss %q, decoded issuer %q: the client refuses the sign-in", iss, asList.Issuer)
	}
}
