package authserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/indiepub/indiepub/internal/reqbody"
)

// Error is an OAuth 2.0 error (RFC 6749 section 5.2): a code such as invalid_grant, the
// HTTP status it is answered with, and a description for the client developer.
type Error struct {
	Code        string
	Status      int
	Description string
}

func (e *Error) Error() string { return e.Description }

func oauthErr(status int, code, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Description: fmt.Sprintf(format, args...)}
}

func invalidRequest(format string, args ...any) *Error {
	return oauthErr(http.StatusBadRequest, "invalid_request", format, args...)
}

func invalidGrant(format string, args ...any) *Error {
	return oauthErr(http.StatusBadRequest, "invalid_grant", format, args...)
}

// invalidClient is a failed client authentication by HTTP Basic, answered with a Basic
// challenge (RFC 6749 section 5.2).
func invalidClient(format string, args ...any) *Error {
	return oauthErr(http.StatusUnauthorized, "invalid_client", format, args...)
}

// errForbidden is returned by owner pages to a request that is not the signed-in owner
// and cannot be sent to the login page (a POST).
var errForbidden = oauthErr(http.StatusForbidden, "access_denied", "sign in as the site owner first")

// errCSRF means a form came without the token the page put in it.
var errCSRF = oauthErr(http.StatusForbidden, "invalid_request", "the form is missing its CSRF token or it does not match; reload the page and try again")

func handle(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			writeError(w, r, err)
		}
	})
}

// writeError answers with the OAuth error JSON, or with an HTML page for a browser.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := &Error{Code: "server_error", Status: http.StatusInternalServerError, Description: "internal error"}
	var oe *Error
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &oe):
		e = oe
	case errors.As(err, &tooBig):
		e = invalidRequest("request body larger than %d bytes", tooBig.Limit)
	case errors.Is(err, reqbody.ErrTimeout):
		e = oauthErr(http.StatusRequestTimeout, "invalid_request", "%v", err)
		w.Header().Set("Connection", "close")
	default:
		slog.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
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
		renderPage(w, r, e.Status, "error", errorPage{Code: e.Code, Description: e.Description})
		return
	}
	writeJSON(w, e.Status, map[string]string{"error": e.Code, "error_description": e.Description})
}

// writeJSON answers JSON that no cache may keep; Pragma is for HTTP/1.0 caches, which
// RFC 6749 section 5.1 asks token responses to address too.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeTokenResponse answers JSON, or form-encoded for a client whose Accept header asks
// for application/x-www-form-urlencoded and nothing else (old IndieAuth clients).
func writeTokenResponse(w http.ResponseWriter, r *http.Request, v map[string]any) {
	if !acceptsOnlyForm(r.Header.Get("Accept")) {
		writeJSON(w, http.StatusOK, v)
		return
	}
	form := url.Values{}
	for k, val := range v {
		switch val := val.(type) {
		case string:
			form.Set(k, val)
		case int64:
			form.Set(k, strconv.FormatInt(val, 10))
		case Profile:
			// Form encoding has no objects; old clients read at most the name and photo.
			if val.Name != "" {
				form.Set("profile[name]", val.Name)
			}
			if val.Photo != "" {
				form.Set("profile[photo]", val.Photo)
			}
		default:
			form.Set(k, fmt.Sprint(val))
		}
	}
	w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.Write([]byte(form.Encode()))
}

func acceptsOnlyForm(accept string) bool {
	sawForm := false
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(part, ";")
		switch strings.ToLower(strings.TrimSpace(mt)) {
		case "":
		case "application/x-www-form-urlencoded":
			sawForm = true
		default:
			return false
		}
	}
	return sawForm
}

// formError is the error for a form body that could not be read: as it is when the
// body was too large or too slow (413, 408), otherwise a 400.
func formError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || errors.Is(err, reqbody.ErrTimeout) {
		return err
	}
	return invalidRequest("cannot read the form: %v", err)
}

// wantsHTML reports whether the request comes from a browser, which should see a page
// rather than JSON.
func wantsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}
