package authserver

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// clientAuth takes the client_id from an Authorization: Basic header into tr, for the
// token endpoint's grants and code redemption at the authorization endpoint. IndieAuth
// clients are public and send client_id in the body (RFC 6749 section 2.3.1 lets them);
// generic OAuth libraries, golang.org/x/oauth2 above all, send it as HTTP Basic with an
// empty secret instead, at least when refreshing. Any other scheme is left alone: the
// legacy revocation request may carry a bearer token.
func clientAuth(r *http.Request, tr *TokenRequest) error {
	id, err := basicClientID(r.Header.Get("Authorization"))
	if err != nil || id == "" {
		return err
	}
	// RFC 6749 section 2.3: a client must not use more than one authentication method in
	// a request. The same client_id twice is harmless (indielib's exchange sends both);
	// two different ones cannot both be right.
	if tr.ClientID != "" && tr.ClientID != id {
		return invalidRequest("client_id %q in the body differs from %q in the Authorization header", tr.ClientID, id)
	}
	tr.ClientID = id
	return nil
}

// basicClientID reads the client_id of an Authorization header of the Basic scheme (RFC
// 7617); "" for no header or another scheme. client_id and client_secret are
// form-urlencoded before they are joined with ":" (RFC 6749 section 2.3.1); a client_id
// that is not valid form encoding is read as it was sent. indiepub issues no client
// secrets, so a secret means a client that takes itself for a confidential client
// registered here: it is refused rather than ignored, with 401 invalid_client (RFC 6749
// section 5.2).
func basicClientID(header string) (string, error) {
	scheme, cred, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return "", nil
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return "", invalidClient("the Authorization: Basic credentials are not base64")
	}
	// Encoded, neither part holds a ":"; splitting at the last one also reads a client
	// that did not encode its client_id URL but sent an empty secret.
	i := strings.LastIndexByte(string(raw), ':')
	if i < 0 {
		return "", invalidClient("the Authorization: Basic credentials are not client_id:client_secret")
	}
	user, secret := string(raw[:i]), string(raw[i+1:])
	if secret != "" {
		return "", invalidClient("indiepub issues no client secrets: send the client_id with an empty secret, or in the body")
	}
	id, err := url.QueryUnescape(user)
	if err != nil {
		id = user
	}
	return id, nil
}
