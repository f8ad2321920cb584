package authserver_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
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

// TestGoOAuth2Client signs in and refreshes with golang.org/x/oauth2, the OAuth library
// of Go IndieWeb apps (indielib's client is built on it), in each of its ways of sending
// the client_id: as HTTP Basic with an empty secret (RFC 6749 section 2.3.1), in the
// body, and trying Basic first (indielib's choice, which adds the client_id to the body
// of the code exchange as well).
func TestGoOAuth2Client(t *testing.T) {
	s := newSite(t)
	meta := discover(t, s)
	for _, tc := range []struct {
		name  string
		style oauth2.AuthStyle
		// inBody also puts the client_id in the exchange's body, as indielib's GetToken
		// does, so that with auto-detection it is sent in both places.
		inBody bool
	}{
		{"in header", oauth2.AuthStyleInHeader, false},
		{"in params", oauth2.AuthStyleInParams, false},
		{"auto-detect", oauth2.AuthStyleAutoDetect, false},
		{"auto-detect, client_id in the body too", oauth2.AuthStyleAutoDetect, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t, "/", "html", hApp("Go OAuth2 App"))
			conf := &oauth2.Config{
				ClientID:    a.clientID(),
				RedirectURL: a.URL + "/cb",
				Scopes:      []string{"create", "profile"},
				Endpoint: oauth2.Endpoint{
					AuthURL:   meta["authorization_endpoint"].(string),
					TokenURL:  meta["token_endpoint"].(string),
					AuthStyle: tc.style,
				},
			}
			verifier := oauth2.GenerateVerifier()
			authURL, err := url.Parse(conf.AuthCodeURL("st8", oauth2.S256ChallengeOption(verifier),
				oauth2.SetAuthURLParam("me", s.Cfg.URL)))
			if err != nil {
				t.Fatal(err)
			}
			back := newBrowser(t).authorize(s, authURL.RawQuery)
			if back.Query().Get("state") != "st8" || back.Query().Get("iss") != meta["issuer"] {
				t.Fatalf("redirect %s: want state st8 and iss %v", back, meta["issuer"])
			}
			ctx := context.Background()
			opts := []oauth2.AuthCodeOption{oauth2.VerifierOption(verifier)}
			if tc.inBody {
				opts = append(opts, oauth2.SetAuthURLParam("client_id", a.clientID()))
			}
			tok, err := conf.Exchange(ctx, back.Query().Get("code"), opts...)
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if tok.Extra("me") != s.Cfg.URL || tok.RefreshToken == "" || tok.Expiry.IsZero() {
				t.Fatalf("token me %v, refresh token %q, expiry %v: want the site, a refresh token, an expiry",
					tok.Extra("me"), tok.RefreshToken, tok.Expiry)
			}

			// Expired on the client's side, the token is refreshed by the TokenSource.
			old := *tok
			tok.Expiry = time.Now().Add(-time.Minute)
			fresh, err := conf.TokenSource(ctx, tok).Token()
			if err != nil {
				t.Fatalf("refresh through the TokenSource: %v", err)
			}
			if fresh.AccessToken == old.AccessToken || fresh.RefreshToken == "" || fresh.RefreshToken == old.RefreshToken {
				t.Fatalf("refresh gave access %q refresh %q: want a new pair", fresh.AccessToken, fresh.RefreshToken)
			}
			if resp, body := s.Get(t, "/micropub?q=config", fresh.AccessToken); resp.StatusCode != http.StatusOK {
				t.Errorf("refreshed token at /micropub: %d %s", resp.StatusCode, body)
			}
			if resp, _ := s.Get(t, "/token", old.AccessToken); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("the access token of the rotated pair still verifies: %d", resp.StatusCode)
			}

			// The client the library builds refreshes by itself before a request.
			fresh.Expiry = time.Now().Add(-time.Minute)
			resp, err := conf.Client(ctx, fresh).Get(s.URL + "/micropub?q=config")
			if err != nil {
				t.Fatalf("GET /micropub with the library's client: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET /micropub with the library's client: %d %s", resp.StatusCode, body)
			}
		})
	}
}
