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

// TouchInterval is how stale a token's recorded last use may get: Local writes last_used
// only when the stored value is older than this, so that a busy client does not turn every
// request into a database write.
const TouchInterval = time.Minute

// Local verifies tokens against indiepub's own token store. It looks every token up in the
// database (an indexed read by hash) rather than caching results, so that a revocation,
// which may come from another process such as the token command, takes effect at once.
type Local struct {
	Store Store
	Now   func() time.Time
	// Me, if set, is reported as the owner of every token. indiepub has one owner, the
	// site, so a token issued from the command line under another --addr, or before the
	// site moved to a new --url, still names the site as it is configured now.
	Me string
	// Logger receives the failures to record a token's use, which do not fail the
	// request; nil discards them.
	Logger *slog.Logger
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
	if now.Sub(t.LastUsed) > TouchInterval {
		if err := l.Store.TouchToken(ctx, t.ID); err != nil {
			if l.Logger != nil {
				l.Logger.WarnContext(ctx, "record token use", "err", err)
			}
		}
	}
	me := t.Me
	if l.Me != "" {
		me = l.Me
	}
	return &indieauth.Token{Me: me, ClientID: t.ClientID, Scope: t.Scope, ExpiresAt: t.Expires}, nil
}
