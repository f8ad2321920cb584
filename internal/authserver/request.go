package authserver

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Scopes are the scopes indiepub grants, in the order the consent page lists them.
var Scopes = []string{"create", "update", "delete", "undelete", "media", "draft", "profile", "email"}

// scopeHelp says what each scope allows, for the consent page.
var scopeHelp = map[string]string{
	"create":   "publish new posts",
	"update":   "edit existing posts",
	"delete":   "delete posts",
	"undelete": "restore deleted posts",
	"media":    "upload files to the media endpoint",
	"draft":    "create posts as drafts only (without create, the app can only save drafts)",
	"profile":  "see your name, photo and URL",
	"email":    "see your email address",
}

// AuthRequest is a parsed authorization request (IndieAuth section 5.2).
type AuthRequest struct {
	ResponseType    string
	ClientID        string
	RedirectURI     string
	State           string
	Challenge       string
	ChallengeMethod string
	// Scope holds the requested scopes indiepub knows, legacy "post" expanded.
	Scope []string
	// Ignored holds requested scopes indiepub does not offer.
	Ignored []string
	Me      string

	clientURL   *url.URL
	redirectURL *url.URL
}

// ParseAuthRequest reads an authorization request from query or form values and checks
// the form of client_id and redirect_uri. The error is an *Error.
func ParseAuthRequest(v url.Values) (*AuthRequest, error) {
	ar := &AuthRequest{
		ResponseType:    v.Get("response_type"),
		ClientID:        v.Get("client_id"),
		RedirectURI:     v.Get("redirect_uri"),
		State:           v.Get("state"),
		Challenge:       v.Get("code_challenge"),
		ChallengeMethod: v.Get("code_challenge_method"),
		Me:              v.Get("me"),
	}
	var err error
	if ar.clientURL, err = parseClientID(ar.ClientID); err != nil {
		return nil, invalidRequest("%v", err)
	}
	if ar.redirectURL, err = parseRedirectURI(ar.RedirectURI); err != nil {
		return nil, err
	}
	ar.Scope, ar.Ignored = normalizeScope(v.Get("scope"))
	return ar, nil
}

// Validate checks the rest of the request: response type, state and PKCE parameters.
func (ar *AuthRequest) Validate() *Error {
	switch ar.ResponseType {
	// Clients written before the 2020 revision send response_type=id (or none) for
	// sign-in only; the code they get is redeemed the same way.
	case "code", "id", "":
	default:
		return oauthErr(http.StatusBadRequest, "unsupported_response_type", "response_type must be code, not %q", ar.ResponseType)
	}
	if ar.State == "" {
		return invalidRequest("state is required")
	}
	if ar.Challenge != "" || ar.ChallengeMethod != "" {
		if ar.ChallengeMethod != "S256" {
			return invalidRequest("code_challenge_method must be S256; %q is not accepted", ar.ChallengeMethod)
		}
		// RFC 7636 section 4.2: the S256 challenge is 43 base64url characters.
		if len(ar.Challenge) != 43 || strings.Trim(ar.Challenge, base64URLChars) != "" {
			return invalidRequest("code_challenge must be the 43-character base64url SHA-256 of the verifier")
		}
	}
	return nil
}

const base64URLChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// normalizeScope splits a scope string into the scopes indiepub offers, in its own order,
// and the rest. The legacy "post" scope means create and update.
func normalizeScope(s string) (known, ignored []string) {
	requested := map[string]bool{}
	for _, f := range strings.Fields(s) {
		switch {
		case f == "post":
			requested["create"], requested["update"] = true, true
		case slices.Contains(Scopes, f):
			requested[f] = true
		case !slices.Contains(ignored, f):
			ignored = append(ignored, f)
		}
	}
	for _, sc := range Scopes {
		if requested[sc] {
			known = append(known, sc)
		}
	}
	return known, ignored
}

// values returns the request as the form fields the consent page carries.
func (ar *AuthRequest) values() url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("response_type", ar.ResponseType)
	set("client_id", ar.ClientID)
	set("redirect_uri", ar.RedirectURI)
	set("state", ar.State)
	set("code_challenge", ar.Challenge)
	set("code_challenge_method", ar.ChallengeMethod)
	set("me", ar.Me)
	set("scope", strings.Join(ar.Scope, " "))
	return v
}

// onlyIdentity reports whether a scope list grants no access token, just who the owner is.
func onlyIdentity(scope []string) bool {
	for _, s := range scope {
		if s != "profile" && s != "email" {
			return false
		}
	}
	return true
}
