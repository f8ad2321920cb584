package authserver

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/indiepub/indiepub/internal/owner"
)

// Error is an OAuth 2.0 error (RFC 6749 section 5.2): a code such as invalid_grant, the
// HTTP status it is answered with, and a description for the client developer. It is
// owner.Error, the one shape the IndieAuth endpoints and the owner's pages answer in.
type Error = owner.Error

func oauthErr(status int, code, format string, args ...any) *Error {
	return owner.Errorf(status, code, format, args...)
}

func invalidRequest(format string, args ...any) *Error {
	return owner.InvalidRequest(format, args...)
}

func invalidGrant(format string, args ...any) *Error {
	return oauthErr(http.StatusBadRequest, "invalid_grant", format, args...)
}

// invalidClient is a failed client authentication by HTTP Basic, answered with a Basic
// challenge (RFC 6749 section 5.2).
func invalidClient(format string, args ...any) *Error {
	return oauthErr(http.StatusUnauthorized, "invalid_client", format, args...)
}

// writeTokenResponse answers JSON, or form-encoded for a client whose Accept header asks
// for application/x-www-form-urlencoded and nothing else (old IndieAuth clients).
func writeTokenResponse(w http.ResponseWriter, r *http.Request, v map[string]any) {
	if !acceptsOnlyForm(r.Header.Get("Accept")) {
		owner.WriteJSON(w, http.StatusOK, v)
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
