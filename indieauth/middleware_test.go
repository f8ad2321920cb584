package indieauth_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/indiepub/indiepub/indieauth"
)

func TestIsAuthError(t *testing.T) {
	for _, err := range []error{
		indieauth.ErrNoToken, indieauth.ErrTwoTokens, indieauth.ErrInvalidToken, indieauth.ErrUnavailable,
		&indieauth.ScopeError{Scope: "create"},
		fmt.Errorf("verify: %w", indieauth.ErrInvalidToken),
		fmt.Errorf("check: %w", &indieauth.ScopeError{Scope: "media"}),
	} {
		if !indieauth.IsAuthError(err) {
			t.Errorf("IsAuthError(%v) = false, want true", err)
		}
	}
	for _, err := range []error{nil, errors.New("disk full"), fmt.Errorf("parse: %w", errors.New("bad json"))} {
		if indieauth.IsAuthError(err) {
			t.Errorf("IsAuthError(%v) = true, want false", err)
		}
	}
}
