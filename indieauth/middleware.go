package indieauth

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// Authenticator finds and verifies tokens for HTTP handlers.
type Authenticator struct {
	Verifier Verifier
}

// Require returns middleware that lets a request through only with a valid token granting
// every one of scopes, and puts the token in the request context (see FromContext). With no
// scopes it only authenticates; the handler can then check per action with CheckScope.
func (a *Authenticator) Require(scopes ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			raw, err := ExtractToken(r)
			if err != nil {
				WriteError(w, err)
				return
			}
			tok, err := a.Verifier.Verify(r.Context(), raw)
			if err == nil {
				err = CheckScope(tok, scopes...)
			}
			if err != nil {
				WriteError(w, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), tok)))
		})
	}
}

// ErrNoToken means the request carried no token (401).
var ErrNoToken = errors.New("no access token was sent")

// ErrTwoTokens means the request carried two different tokens (400).
var ErrTwoTokens = errors.New("two different access tokens were sent")

// ExtractToken finds the raw token in the Authorization header or the access_token query
// parameter.
func ExtractToken(r *http.Request) (string, error) {
	var header string
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, rest, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") {
			header = strings.TrimSpace(rest)
		}
	}
	query := r.URL.Query().Get("access_token")
	switch {
	case header != "" && query != "" && header != query:
		return "", ErrTwoTokens
	case header != "":
		return header, nil
	case query != "":
		return query, nil
	}
	return "", ErrNoToken
}

// WriteError writes err as the JSON error body the Micropub spec uses, with the status
// that goes with it.
func WriteError(w http.ResponseWriter, err error) {
	status, code := http.StatusForbidden, "forbidden"
	body := map[string]string{}
	var scopeErr *ScopeError
	switch {
	case errors.Is(err, ErrNoToken):
		status, code = http.StatusUnauthorized, "unauthorized"
		w.Header().Set("WWW-Authenticate", `Bearer`)
	case errors.Is(err, ErrTwoTokens):
		status, code = http.StatusBadRequest, "invalid_request"
	case errors.As(err, &scopeErr):
		code = "insufficient_scope"
		body["scope"] = scopeErr.Scope
	case errors.Is(err, ErrUnavailable):
		status, code = http.StatusServiceUnavailable, "temporarily_unavailable"
	}
	body["error"] = code
	body["error_description"] = err.Error()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}
