package visitor

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Failures of the sign-in and of responding, each shown in plain words (writeError).
var (
	errNoSignIn     = errors.New("no sign-in is under way")
	errState        = errors.New("the sign-in does not match the one started here")
	errIssuer       = errors.New("the answer came from another server than the one discovered")
	errOtherDomain  = errors.New("the server vouched for a website on another domain")
	errCSRF         = errors.New("the form is stale")
	errSignInAgain  = errors.New("your website did not accept the sign-in")
	errTokenRefused = errors.New("the token is refused")
	errCannotPost   = errors.New("the sign-in does not allow posting")
	errInvalid      = errors.New("invalid request")
)

// deniedError is an error answer of the authorization endpoint (RFC 6749 §4.1.2.1).
type deniedError struct{ code, desc string }

func (e *deniedError) Error() string {
	if e.desc != "" {
		return e.code + ": " + e.desc
	}
	return e.code
}

// remoteError is an error answer of the visitor's server, with its message.
type remoteError struct {
	status int
	msg    string
}

func (e *remoteError) Error() string {
	return fmt.Sprintf("their server answered %d: %s", e.status, e.msg)
}

// backError carries the page to offer going back to (and trying again from).
type backError struct {
	err  error
	back string
}

func (e *backError) Error() string { return e.err.Error() }
func (e *backError) Unwrap() error { return e.err }

func withBack(err error, back string) error { return &backError{err: err, back: back} }

// handle adapts a handler that returns an error; the request body is bounded by the
// server's middleware.
func (v *Service) handle(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			v.writeError(w, r, err)
		}
	})
}

// writeError shows a failure on a themed page, in plain words, with a link to try again
// (JSON for requests that do not accept HTML).
// Their servers' failures are 503 (unreachable) or 502 (an error answer); anything not
// named here is logged and shown as an internal error.
func (v *Service) writeError(w http.ResponseWriter, r *http.Request, err error) {
	back := v.cfg.URL
	var be *backError
	if errors.As(err, &be) {
		back = be.back
	}
	again := []Link{{Label: "Try again", URL: back}}
	n := Notice{Status: http.StatusInternalServerError, Title: "Something went wrong", Message: "internal error", Links: again}
	var denied *deniedError
	var remote *remoteError
	switch {
	case errors.Is(err, ErrBadProfile):
		n = Notice{http.StatusBadRequest, "That is not a website address",
			"Type the address of your own website, like example.com. " + err.Error() + ".", again}
	case errors.Is(err, ErrNoEndpoints):
		n = Notice{http.StatusBadRequest, "No sign-in found on your website",
			"Your website does not say where to sign in: it needs IndieAuth endpoints (a link rel=\"indieauth-metadata\", or authorization_endpoint and token_endpoint). " + err.Error() + ".", again}
	case errors.Is(err, ErrUnreachable):
		n = Notice{http.StatusServiceUnavailable, "Your website could not be reached",
			"Your website or its server did not answer as it should. Try again later. (" + err.Error() + ")", again}
	case errors.As(err, &denied):
		n = Notice{http.StatusForbidden, "Sign-in denied",
			"Your website did not allow the sign-in (" + denied.Error() + ").", again}
	case errors.Is(err, errNoSignIn), errors.Is(err, errState):
		n = Notice{http.StatusBadRequest, "This sign-in cannot be finished",
			"The answer does not match the sign-in started here, or it took too long. Start again.", again}
	case errors.Is(err, errIssuer):
		n = Notice{http.StatusBadRequest, "This sign-in cannot be finished",
			"The answer did not come from the server your website names. " + err.Error() + ".", again}
	case errors.Is(err, errOtherDomain):
		n = Notice{http.StatusForbidden, "Not signed in",
			"Your website's server vouched for someone else's website: " + err.Error() + ".", again}
	case errors.Is(err, errCSRF):
		n = Notice{http.StatusForbidden, "The form has expired", "Reload the page and send it again.", again}
	case errors.Is(err, errSignInAgain):
		n = Notice{http.StatusUnauthorized, "Sign in again",
			"Your website did not accept your sign-in any more: sign in again. (" + err.Error() + ")", again}
	case errors.Is(err, errCannotPost):
		n = Notice{http.StatusForbidden, "Sign in again to respond",
			"You signed in to read only, or your website has no Micropub endpoint: sign in again to respond from your site.", again}
	case errors.Is(err, errInvalid):
		n = Notice{http.StatusBadRequest, "Bad request", err.Error() + ".", again}
	case errors.As(err, &remote):
		n = Notice{http.StatusBadGateway, "Your website refused",
			"Your website answered " + fmt.Sprint(remote.status) + ": " + remote.msg, again}
	}
	if n.Status >= 500 && n.Status != http.StatusBadGateway && n.Status != http.StatusServiceUnavailable {
		v.cfg.Logger.ErrorContext(r.Context(), "visitor request failed", "path", r.URL.Path, "err", err)
	}
	if !strings.Contains(r.Header.Get("Accept"), "text/html") {
		writeJSON(w, n)
		return
	}
	v.cfg.Show(w, r, n)
}

// writeJSON answers a request that does not ask for a page (not a browser) with the
// JSON error body indiepub's endpoints use.
func writeJSON(w http.ResponseWriter, n Notice) {
	code := map[int]string{http.StatusBadRequest: "invalid_request", http.StatusUnauthorized: "unauthorized",
		http.StatusForbidden: "forbidden", http.StatusBadGateway: "bad_gateway",
		http.StatusServiceUnavailable: "temporarily_unavailable"}[n.Status]
	if code == "" {
		code = "server_error"
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(n.Status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": n.Title + ": " + n.Message})
}
