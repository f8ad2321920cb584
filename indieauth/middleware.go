package indieauth

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
)

// Authenticator finds and verifies tokens for HTTP handlers.
type Authenticator struct {
	Verifier Verifier
	// MaxBody bounds the form or JSON body read while looking for a token (see
	// ExtractTokenLimit); 0 means DefaultMaxBody. Set it to the route's own body limit.
	MaxBody int64
	// Logger receives what the client is not told: why the token endpoint was
	// unavailable, or why verification failed. nil means slog.Default().
	Logger *slog.Logger
}

// Require returns middleware that lets a request through only with a valid token granting
// every one of scopes, and puts the token in the request context (see FromContext). With no
// scopes it only authenticates; the handler can then check per action with CheckScope.
func (a *Authenticator) Require(scopes ...string) func(http.Handler) http.Handler {
	max := a.MaxBody
	if max <= 0 {
		max = DefaultMaxBody
	}
	logger := a.Logger
	if logger == nil {
		logger = slog.Default()
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			raw, err := ExtractTokenLimit(r, max)
			if err != nil {
				WriteErrorLog(w, err, logger)
				return
			}
			tok, err := a.Verifier.Verify(r.Context(), raw)
			if err == nil {
				err = CheckScope(tok, scopes...)
			}
			if err != nil {
				WriteErrorLog(w, err, logger)
				return
			}
			next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), tok)))
		})
	}
}

// isTimeout tells a read of the request body that timed out (a net.Error whose Timeout is
// true, such as a connection's read deadline passing).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// IsAuthError reports whether err is one of the token failures WriteError answers: no
// token, two tokens, an invalid token, a missing scope or an unreachable token endpoint.
// Handlers that map their own errors pass these on to WriteError.
func IsAuthError(err error) bool {
	var scopeErr *ScopeError
	return errors.As(err, &scopeErr) || errors.Is(err, ErrNoToken) || errors.Is(err, ErrTwoTokens) ||
		errors.Is(err, ErrInvalidToken) || errors.Is(err, ErrUnavailable)
}

// WriteError writes err as the JSON error body the Micropub spec uses (W3C Micropub §3.7.5),
// with the status that goes with it: 401 without a token, 400 for two tokens, 403 for an
// invalid token or a missing scope, 413 for a body over the limit, 408 for a body that
// did not come in time, 503 when the token endpoint cannot answer. Any other error is logged
// through slog.Default() and shown as "internal error".
func WriteError(w http.ResponseWriter, err error) {
	WriteErrorLog(w, err, slog.Default())
}

// WriteErrorLog is WriteError logging through logger, for servers that keep their own.
func WriteErrorLog(w http.ResponseWriter, err error, logger *slog.Logger) {
	status, code := http.StatusInternalServerError, "server_error"
	desc := err.Error()
	body := map[string]string{}
	var scopeErr *ScopeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, ErrNoToken):
		status, code = http.StatusUnauthorized, "unauthorized"
		w.Header().Set("WWW-Authenticate", `Bearer`)
	case errors.Is(err, ErrInvalidRequest) && isTimeout(err):
		// A body that did not come in time (RFC 9110 section 15.5.9).
		status, code = http.StatusRequestTimeout, "invalid_request"
		w.Header().Set("Connection", "close")
	case errors.Is(err, ErrTwoTokens), errors.Is(err, ErrInvalidRequest):
		status, code = http.StatusBadRequest, "invalid_request"
	case errors.As(err, &tooBig):
		status, code = http.StatusRequestEntityTooLarge, "invalid_request"
		desc = "request body too large"
	case errors.As(err, &scopeErr):
		status, code = http.StatusForbidden, "insufficient_scope"
		body["scope"] = scopeErr.Scope
	case errors.Is(err, ErrInvalidToken):
		status, code = http.StatusForbidden, "forbidden"
	case errors.Is(err, ErrUnavailable):
		// The cause (an address, a status) is the operator's business, not the client's.
		logger.Warn("token endpoint unavailable", "err", err)
		status, code = http.StatusServiceUnavailable, "temporarily_unavailable"
		desc = ErrUnavailable.Error()
		w.Header().Set("Retry-After", "5")
	default:
		logger.Error("token verification failed", "err", err)
		desc = "internal error"
	}
	body["error"] = code
	body["error_description"] = desc
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}
