package token

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/indiepub/indiepub/indieauth"
)

// Store is what the local verifier needs from the database.
type Store interface {
	TokenByHash(ctx context.Context, hash string) (*Token, error)
	TouchToken(ctx context.Context, id int64) error
}

// Local verifies tokens against indiepub's own token store.
type Local struct {
	Store Store
	Now   func() time.Time
}

// Verify implements indieauth.Verifier.
func (l *Local) Verify(ctx context.Context, raw string) (*indieauth.Token, error) {
	hash := Hash(raw)
	t, err := l.Store.TokenByHash(ctx, hash)
	if errors.Is(err, ErrNotFound) {
		return nil, indieauth.ErrInvalidToken
	}
	if err != nil {
		return nil, fmt.Errorf("verify token: %w", err)
	}
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	// The lookup was by hash; compare again in constant time so that the check does not
	// depend on how the database compares strings.
	if subtle.ConstantTimeCompare([]byte(t.Hash), []byte(hash)) != 1 || t.Revoked || t.Expired(now) {
		return nil, indieauth.ErrInvalidToken
	}
	if err := l.Store.TouchToken(ctx, t.ID); err != nil {
		slog.WarnContext(ctx, "record token use", "err", err)
	}
	return &indieauth.Token{Me: t.Me, ClientID: t.ClientID, Scope: t.Scope, ExpiresAt: t.Expires}, nil
}
