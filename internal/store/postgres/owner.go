package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/pkce"
	"github.com/indiepub/indiepub/internal/token"
)

// OwnerPassword returns the owner's password hash; owner.ErrNoPassword if none is set.
func (db *DB) OwnerPassword(ctx context.Context) (string, error) {
	var h string
	err := db.pool.QueryRow(ctx, `SELECT password_hash FROM owner WHERE id = 1`).Scan(&h)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", owner.ErrNoPassword
	}
	if err != nil {
		return "", fmt.Errorf("owner password: %w", err)
	}
	return h, nil
}

// SetOwnerPassword stores a new password hash, ends every session and voids setup links.
func (db *DB) SetOwnerPassword(ctx context.Context, hash string, now time.Time) error {
	return db.inTx(ctx, func(tx pgx.Tx) error { return setPassword(ctx, tx, hash, now) })
}

func setPassword(ctx context.Context, tx pgx.Tx, hash string, now time.Time) error {
	for _, q := range []string{`DELETE FROM sessions`, `DELETE FROM setup_tokens`} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO owner (id, password_hash, updated) VALUES (1, $1, $2)
		ON CONFLICT (id) DO UPDATE SET password_hash = excluded.password_hash, updated = excluded.updated`,
		hash, formatTime(now)); err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

// ReplaceSetupToken stores the hash of a new one-time setup link, voiding older ones.
func (db *DB) ReplaceSetupToken(ctx context.Context, hash string, expires time.Time) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM setup_tokens`); err != nil {
			return fmt.Errorf("setup token: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO setup_tokens (hash, expires) VALUES ($1, $2)`,
			hash, formatTime(expires)); err != nil {
			return fmt.Errorf("setup token: %w", err)
		}
		return nil
	})
}

// SetupTokenValid reports whether a setup link with that hash is live at now.
func (db *DB) SetupTokenValid(ctx context.Context, hash string, now time.Time) (bool, error) {
	var ok bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM setup_tokens WHERE hash = $1 AND expires > $2)`,
		hash, formatTime(now)).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("setup token: %w", err)
	}
	return ok, nil
}

// UseSetupToken spends the setup link with that hash to set the first password; it fails
// with token.ErrNotFound if the link is unknown, used or expired. The delete decides:
// of two instances spending one link at once, one deletes it and the other finds none.
func (db *DB) UseSetupToken(ctx context.Context, hash, passwordHash string, now time.Time) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM setup_tokens WHERE hash = $1 AND expires > $2`, hash, formatTime(now))
		if err != nil {
			return fmt.Errorf("setup: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("setup link: %w", token.ErrNotFound)
		}
		return setPassword(ctx, tx, passwordHash, now)
	})
}

// CreateSession stores a signed-in session (by hash) and clears expired ones.
func (db *DB) CreateSession(ctx context.Context, s *owner.Session) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires <= $1`, formatTime(s.Created)); err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (hash, csrf, created, expires) VALUES ($1, $2, $3, $4)`,
			s.Hash, s.CSRF, formatTime(s.Created), formatTime(s.Expires)); err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		return nil
	})
}

// SessionByHash returns the live session with that hash; owner.ErrSessionNotFound if none.
func (db *DB) SessionByHash(ctx context.Context, hash string, now time.Time) (*owner.Session, error) {
	var s owner.Session
	var created, expires string
	err := db.pool.QueryRow(ctx, `SELECT hash, csrf, created, expires FROM sessions
		WHERE hash = $1 AND expires > $2`, hash, formatTime(now)).Scan(&s.Hash, &s.CSRF, &created, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, owner.ErrSessionNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	s.Created, s.Expires = parseTime(created), parseTime(expires)
	return &s, nil
}

// DeleteSession signs a session out.
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE hash = $1`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// AddPKCEExemption remembers that the owner allowed a client to sign in without PKCE.
func (db *DB) AddPKCEExemption(ctx context.Context, e *pkce.Exemption) error {
	if _, err := db.pool.Exec(ctx, `INSERT INTO pkce_exemptions (client_id, client_name, created)
		VALUES ($1, $2, $3) ON CONFLICT (client_id) DO UPDATE SET client_name = excluded.client_name`,
		e.ClientID, e.ClientName, formatTime(e.Created)); err != nil {
		return fmt.Errorf("allow %s without PKCE: %w", e.ClientID, err)
	}
	return nil
}

// PKCEExempt reports whether the client may sign in without PKCE.
func (db *DB) PKCEExempt(ctx context.Context, clientID string) (bool, error) {
	var ok bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pkce_exemptions WHERE client_id = $1)`,
		clientID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("pkce exemption: %w", err)
	}
	return ok, nil
}

// ListPKCEExemptions lists the clients allowed without PKCE, oldest first.
func (db *DB) ListPKCEExemptions(ctx context.Context) ([]*pkce.Exemption, error) {
	rows, err := db.pool.Query(ctx, `SELECT client_id, client_name, created FROM pkce_exemptions
		ORDER BY created, client_id`)
	if err != nil {
		return nil, fmt.Errorf("list pkce exemptions: %w", err)
	}
	defer rows.Close()
	out := []*pkce.Exemption{}
	for rows.Next() {
		var e pkce.Exemption
		var created string
		if err := rows.Scan(&e.ClientID, &e.ClientName, &created); err != nil {
			return nil, fmt.Errorf("list pkce exemptions: %w", err)
		}
		e.Created = parseTime(created)
		out = append(out, &e)
	}
	return out, rows.Err()
}

// RemovePKCEExemption withdraws a client's permission to sign in without PKCE.
func (db *DB) RemovePKCEExemption(ctx context.Context, clientID string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM pkce_exemptions WHERE client_id = $1`, clientID); err != nil {
		return fmt.Errorf("withdraw pkce exemption: %w", err)
	}
	return nil
}
