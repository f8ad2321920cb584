package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/pkce"
	"github.com/indiepub/indiepub/internal/token"
)

// CreateCode stores an authorization code (by hash) and clears codes that expired a day
// ago or more.
func (db *DB) CreateCode(ctx context.Context, c *token.Code) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create code: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM auth_codes WHERE expires < ?`,
		formatTime(c.Created.Add(-24*time.Hour))); err != nil {
		return fmt.Errorf("create code: prune: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO auth_codes (hash, client_id, client_name, redirect_uri,
		me, scope, challenge, lifetime, created, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Hash, c.ClientID, c.ClientName, c.RedirectURI, c.Me, strings.Join(c.Scope, " "), c.Challenge,
		int64(c.Lifetime/time.Second), formatTime(c.Created), formatTime(c.Expires))
	if err != nil {
		return fmt.Errorf("create code: %w", err)
	}
	return tx.Commit()
}

// RedeemCode marks the code with that hash used and, in the same transaction, stores the
// grant that check returns for it (check may return nil for a sign-in without a token).
// A code is good once: redeeming it again returns token.ErrCodeUsed and revokes the token
// it bought. When check fails the code stays used, so a wrong verifier cannot be retried.
func (db *DB) RedeemCode(ctx context.Context, hash string, check func(*token.Code) (*token.Grant, error)) (*token.Code, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("redeem code: %w", err)
	}
	defer tx.Rollback()
	c, err := scanCode(tx.QueryRowContext(ctx, `SELECT `+codeColumns+` FROM auth_codes WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, token.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("redeem code: %w", err)
	}
	if c.Used {
		if _, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked = 1 WHERE id = ?`, c.TokenID); err != nil {
			return nil, fmt.Errorf("redeem code: revoke replayed: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return nil, fmt.Errorf("redeem code: %w", err)
		}
		db.revoked()
		return c, token.ErrCodeUsed
	}
	if _, err := tx.ExecContext(ctx, `UPDATE auth_codes SET used = 1 WHERE hash = ?`, hash); err != nil {
		return nil, fmt.Errorf("redeem code: %w", err)
	}
	g, checkErr := check(c)
	if checkErr == nil && g != nil {
		if err := insertGrant(ctx, tx, g); err != nil {
			return nil, fmt.Errorf("redeem code: %w", err)
		}
		c.TokenID = g.Token.ID
		if _, err := tx.ExecContext(ctx, `UPDATE auth_codes SET token_id = ? WHERE hash = ?`, g.Token.ID, hash); err != nil {
			return nil, fmt.Errorf("redeem code: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("redeem code: %w", err)
	}
	return c, checkErr
}

// RotateRefresh exchanges a refresh token: the token row holding refreshHash must be live
// and its refresh token unexpired at now; check turns it into the new grant. The old row
// (access and refresh token both) is revoked, marked rotated, and the new one stored in
// one transaction; if check fails nothing changes. A refresh token that was rotated
// already is token.ErrRefreshUsed, one whose pair was revoked otherwise
// token.ErrRefreshRevoked, an unknown or expired one token.ErrNotFound.
func (db *DB) RotateRefresh(ctx context.Context, refreshHash string, now time.Time, check func(*token.Token) (*token.Grant, error)) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	defer tx.Rollback()
	var refreshExpires string
	var rotated bool
	row := tx.QueryRowContext(ctx, `SELECT `+tokenColumns+`, refresh_expires, rotated FROM tokens
		WHERE refresh_hash = ? AND refresh_hash <> ''`, refreshHash)
	old, err := scanTokenWith(row, &refreshExpires, &rotated)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return token.ErrNotFound
	case err != nil:
		return fmt.Errorf("refresh: %w", err)
	case rotated:
		return token.ErrRefreshUsed
	case old.Revoked:
		return token.ErrRefreshRevoked
	}
	if exp := parseTime(refreshExpires); !exp.IsZero() && !now.Before(exp) {
		return token.ErrNotFound
	}
	g, err := check(old)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked = 1, rotated = 1 WHERE id = ?`, old.ID); err != nil {
		return fmt.Errorf("refresh: revoke old: %w", err)
	}
	if err := insertGrant(ctx, tx, g); err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	db.revoked()
	return nil
}

func insertGrant(ctx context.Context, tx *sql.Tx, g *token.Grant) error {
	t := g.Token
	res, err := tx.ExecContext(ctx, `INSERT INTO tokens (hash, me, client_id, client_name, scope,
		issued, expires, refresh_hash, refresh_expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.Hash, t.Me, t.ClientID, t.ClientName, strings.Join(t.Scope, " "), formatTime(t.Issued),
		formatTime(t.Expires), g.RefreshHash, formatTime(g.RefreshExpires))
	if err != nil {
		return fmt.Errorf("store token: %w", err)
	}
	t.ID, err = res.LastInsertId()
	return err
}

// RevokeTokenHash revokes the token whose access or refresh token has that hash, and
// reports whether a live one was found.
func (db *DB) RevokeTokenHash(ctx context.Context, hash string) (bool, error) {
	res, err := db.db.ExecContext(ctx, `UPDATE tokens SET revoked = 1
		WHERE (hash = ? OR (refresh_hash = ? AND refresh_hash <> '')) AND revoked = 0`, hash, hash)
	if err != nil {
		return false, fmt.Errorf("revoke token: %w", err)
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		db.revoked()
	}
	return n > 0, nil
}

// RevokeClientTokens revokes every live token of one client and returns how many.
func (db *DB) RevokeClientTokens(ctx context.Context, clientID string) (int64, error) {
	res, err := db.db.ExecContext(ctx, `UPDATE tokens SET revoked = 1 WHERE client_id = ? AND revoked = 0`, clientID)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens of %s: %w", clientID, err)
	}
	db.revoked()
	return res.RowsAffected()
}

// OwnerPassword returns the owner's password hash; owner.ErrNoPassword if none is set.
func (db *DB) OwnerPassword(ctx context.Context) (string, error) {
	var h string
	err := db.db.QueryRowContext(ctx, `SELECT password_hash FROM owner WHERE id = 1`).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", owner.ErrNoPassword
	}
	if err != nil {
		return "", fmt.Errorf("owner password: %w", err)
	}
	return h, nil
}

// SetOwnerPassword stores a new password hash, ends every session and voids setup links.
func (db *DB) SetOwnerPassword(ctx context.Context, hash string, now time.Time) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	defer tx.Rollback()
	if err := setPassword(ctx, tx, hash, now); err != nil {
		return err
	}
	return tx.Commit()
}

func setPassword(ctx context.Context, tx *sql.Tx, hash string, now time.Time) error {
	for _, q := range []string{`DELETE FROM sessions`, `DELETE FROM setup_tokens`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO owner (id, password_hash, updated) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET password_hash = excluded.password_hash, updated = excluded.updated`,
		hash, formatTime(now))
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

// ReplaceSetupToken stores the hash of a new one-time setup link, voiding older ones.
func (db *DB) ReplaceSetupToken(ctx context.Context, hash string, expires time.Time) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("setup token: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM setup_tokens`); err != nil {
		return fmt.Errorf("setup token: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO setup_tokens (hash, expires) VALUES (?, ?)`,
		hash, formatTime(expires)); err != nil {
		return fmt.Errorf("setup token: %w", err)
	}
	return tx.Commit()
}

// SetupTokenValid reports whether a setup link with that hash is live at now.
func (db *DB) SetupTokenValid(ctx context.Context, hash string, now time.Time) (bool, error) {
	var n int
	err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM setup_tokens WHERE hash = ? AND expires > ?`,
		hash, formatTime(now)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("setup token: %w", err)
	}
	return n > 0, nil
}

// UseSetupToken spends the setup link with that hash to set the first password; it fails
// with token.ErrNotFound if the link is unknown, used or expired.
func (db *DB) UseSetupToken(ctx context.Context, hash, passwordHash string, now time.Time) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM setup_tokens WHERE hash = ? AND expires > ?`, hash, formatTime(now))
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("setup link: %w", token.ErrNotFound)
	}
	if err := setPassword(ctx, tx, passwordHash, now); err != nil {
		return err
	}
	return tx.Commit()
}

// CreateSession stores a signed-in session (by hash) and clears expired ones.
func (db *DB) CreateSession(ctx context.Context, s *owner.Session) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires <= ?`, formatTime(s.Created)); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (hash, csrf, created, expires) VALUES (?, ?, ?, ?)`,
		s.Hash, s.CSRF, formatTime(s.Created), formatTime(s.Expires)); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return tx.Commit()
}

// SessionByHash returns the live session with that hash; owner.ErrSessionNotFound if none.
func (db *DB) SessionByHash(ctx context.Context, hash string, now time.Time) (*owner.Session, error) {
	var s owner.Session
	var created, expires string
	err := db.db.QueryRowContext(ctx, `SELECT hash, csrf, created, expires FROM sessions
		WHERE hash = ? AND expires > ?`, hash, formatTime(now)).Scan(&s.Hash, &s.CSRF, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
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
	if _, err := db.db.ExecContext(ctx, `DELETE FROM sessions WHERE hash = ?`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// AddPKCEExemption remembers that the owner allowed a client to sign in without PKCE.
func (db *DB) AddPKCEExemption(ctx context.Context, e *pkce.Exemption) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO pkce_exemptions (client_id, client_name, created)
		VALUES (?, ?, ?) ON CONFLICT (client_id) DO UPDATE SET client_name = excluded.client_name`,
		e.ClientID, e.ClientName, formatTime(e.Created))
	if err != nil {
		return fmt.Errorf("allow %s without PKCE: %w", e.ClientID, err)
	}
	return nil
}

// PKCEExempt reports whether the client may sign in without PKCE.
func (db *DB) PKCEExempt(ctx context.Context, clientID string) (bool, error) {
	var n int
	err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pkce_exemptions WHERE client_id = ?`, clientID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("pkce exemption: %w", err)
	}
	return n > 0, nil
}

// ListPKCEExemptions lists the clients allowed without PKCE, oldest first.
func (db *DB) ListPKCEExemptions(ctx context.Context) ([]*pkce.Exemption, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT client_id, client_name, created FROM pkce_exemptions
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
	if _, err := db.db.ExecContext(ctx, `DELETE FROM pkce_exemptions WHERE client_id = ?`, clientID); err != nil {
		return fmt.Errorf("withdraw pkce exemption: %w", err)
	}
	return nil
}

const codeColumns = `hash, client_id, client_name, redirect_uri, me, scope, challenge, lifetime,
	created, expires, used, token_id`

func scanCode(s scanner) (*token.Code, error) {
	var c token.Code
	var scope, created, expires string
	var lifetime int64
	if err := s.Scan(&c.Hash, &c.ClientID, &c.ClientName, &c.RedirectURI, &c.Me, &scope, &c.Challenge,
		&lifetime, &created, &expires, &c.Used, &c.TokenID); err != nil {
		return nil, err
	}
	c.Scope = token.ParseScope(scope)
	c.Lifetime = time.Duration(lifetime) * time.Second
	c.Created, c.Expires = parseTime(created), parseTime(expires)
	return &c, nil
}

// scanTokenWith scans tokenColumns followed by extra destinations.
func scanTokenWith(s scanner, extra ...any) (*token.Token, error) {
	var t token.Token
	var scope, issued, expires, lastUsed string
	dest := append([]any{&t.ID, &t.Hash, &t.Me, &t.ClientID, &t.ClientName, &scope, &issued, &expires,
		&lastUsed, &t.Revoked}, extra...)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	t.Scope = token.ParseScope(scope)
	t.Issued, t.Expires, t.LastUsed = parseTime(issued), parseTime(expires), parseTime(lastUsed)
	return &t, nil
}
