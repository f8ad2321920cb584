package owner

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/indiepub/indiepub/internal/reqbody"
)

// Error is an error answered to a client or browser: an OAuth 2.0 error code (RFC 6749
// section 5.2) such as invalid_grant, the HTTP status it is answered with, and a
// description for the client developer or the owner. The IndieAuth endpoints and the
// owner's pages answer in this one shape.
type Error struct {
	Code        string
	Status      int
	Description string
}

func (e *Error) Error() string { return e.Description }

// Errorf returns an Error with the description formatted as fmt.Sprintf does.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Description: fmt.Sprintf(format, args...)}
}

// InvalidRequest is a 400 invalid_request.
func InvalidRequest(format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, "invalid_request", format, args...)
}

// What the store answers about the owner.
var (
	// ErrSessionNotFound means no live session has that cookie.
	ErrSessionNotFound = errors.New("session not found")
	// ErrNoPassword means the owner has not chosen a password yet.
	ErrNoPassword = errors.New("no owner password is set")
)

// ErrForbidden is returned to a request that is not the signed-in owner and cannot be
// sent to the login page (a POST).
var ErrForbidden = Errorf(http.StatusForbidden, "access_denied", "sign in as the site owner first")

// ErrCSRF means a form came without the token the page put in it.
var ErrCSRF = Errorf(http.StatusForbidden, "invalid_request", "the form is missing its CSRF token or it does not match; reload the page and try again")

// FormError is the error for a form body that could not be read: as it is when the
// body was too large or too slow (413, 408), otherwise a 400.
func FormError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || errors.Is(err, reqbody.ErrTimeout) {
		return err
	}
	return InvalidRequest("cannot read the form: %v", err)
}

// Handle turns a handler that returns an error into an http.Handler that answers the
// error with WriteError.
func (p *Pages) Handle(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			p.WriteError(w, r, err)
		}
	})
}

// WriteError answers with the OAuth error JSON, or with the error page for a browser.
// An *Error is answered as it is; anything else unexpected is logged and answered 500.
func (p *Pages) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := &Error{Code: "server_error", Status: http.StatusInternalServerError, Description: "internal error"}
	var oe *Error
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &oe):
		e = oe
	case errors.As(err, &tooBig):
		e = InvalidRequest("request body larger than %d bytes", tooBig.Limit)
	case errors.Is(err, reqbody.ErrTimeout):
		e = Errorf(http.StatusRequestTimeout, "invalid_request", "%v", err)
		w.Header().Set("Connection", "close")
	default:
		p.log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
	}
	switch {
	case e.Code == "invalid_client":
		// RFC 6749 section 5.2: the challenge names the scheme the client tried.
		w.Header().Set("WWW-Authenticate", `Basic realm="indiepub", charset="UTF-8"`)
	case e.Status == http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer error="`+e.Code+`"`)
	}
	w.Header().Set("Cache-Control", "no-store")
	if wantsHTML(r) {
		p.Render(w, r, e.Status, "error", errorPage{Code: e.Code, Description: e.Description})
		return
	}
	WriteJSON(w, e.Status, map[string]string{"error": e.Code, "error_description": e.Description})
}

// WriteJSON answers JSON that no cache may keep; Pragma is for HTTP/1.0 caches, which
// RFC 6749 section 5.1 asks token responses to address too.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// wantsHTML reports whether the request comes from a browser, which should see a page
// rather than JSON.
func wantsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}
