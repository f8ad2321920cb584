package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/indiepub/indiepub/internal/token"
)

const tokenColumns = `id, hash, me, client_id, client_name, scope, issued, expires, last_used, revoked`

// CreateToken stores a token (by hash) and sets t.ID.
func (db *DB) CreateToken(ctx context.Context, t *token.Token) error {
	err := db.pool.QueryRow(ctx, `INSERT INTO tokens
		(hash, me, client_id, client_name, scope, issued, expires) VALUES ($1, $2, $3, $4, $5, $6, $7)
		RETURNING id`,
		t.Hash, t.Me, t.ClientID, t.ClientName, strings.Join(t.Scope, " "),
		formatTime(t.Issued), formatTime(t.Expires)).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	return nil
}

// TokenByHash returns the token with that hash, revoked or not; token.ErrNotFound if
// none. Nothing is cached: a token revoked through any instance is refused by every
// instance at its next request.
func (db *DB) TokenByHash(ctx context.Context, hash string) (*token.Token, error) {
	t, err := scanToken(db.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = $1`, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, token.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	return t, nil
}

// ListTokens lists tokens that are neither revoked nor expired, newest first.
func (db *DB) ListTokens(ctx context.Context) ([]*token.Token, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens
		WHERE NOT revoked AND (expires = '' OR expires > $1) ORDER BY issued DESC, id DESC`,
		formatTime(db.Now()))
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	out := []*token.Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes the token with that ID; token.ErrNotFound if there is no live one.
func (db *DB) RevokeToken(ctx context.Context, id int64) error {
	tag, err := db.pool.Exec(ctx, `UPDATE tokens SET revoked = true WHERE id = $1 AND NOT revoked`, id)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("revoke token %d: %w", id, token.ErrNotFound)
	}
	return nil
}

// TouchToken records that the token was just used.
func (db *DB) TouchToken(ctx context.Context, id int64) error {
	if _, err := db.pool.Exec(ctx, `UPDATE tokens SET last_used = $1 WHERE id = $2`,
		formatTime(db.Now()), id); err != nil {
		return fmt.Errorf("touch token %d: %w", id, err)
	}
	return nil
}

// RevokeTokenHash revokes the token whose access or refresh token has that hash, and
// reports whether a live one was found.
func (db *DB) RevokeTokenHash(ctx context.Context, hash string) (bool, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE tokens SET revoked = true
		WHERE (hash = $1 OR (refresh_hash = $1 AND refresh_hash <> '')) AND NOT revoked`, hash)
	if err != nil {
		return false, fmt.Errorf("revoke token: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// RevokeClientTokens revokes every live token of one client and returns how many.
func (db *DB) RevokeClientTokens(ctx context.Context, clientID string) (int64, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE tokens SET revoked = true WHERE client_id = $1 AND NOT revoked`, clientID)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens of %s: %w", clientID, err)
	}
	return tag.RowsAffected(), nil
}

// CreateCode stores an authorization code (by hash) and clears codes that expired a day
// ago or more.
func (db *DB) CreateCode(ctx context.Context, c *token.Code) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM auth_codes WHERE expires < $1`,
			formatTime(c.Created.Add(-24*time.Hour))); err != nil {
			return fmt.Errorf("create code: prune: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO auth_codes (hash, client_id, client_name, redirect_uri,
			me, scope, challenge, lifetime, created, expires) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			c.Hash, c.ClientID, c.ClientName, c.RedirectURI, c.Me, strings.Join(c.Scope, " "), c.Challenge,
			int64(c.Lifetime/time.Second), formatTime(c.Created), formatTime(c.Expires)); err != nil {
			return fmt.Errorf("create code: %w", err)
		}
		return nil
	})
}

const codeColumns = `hash, client_id, client_name, redirect_uri, me, scope, challenge, lifetime,
	created, expires, used, token_id`

// RedeemCode marks the code with that hash used and, in the same transaction, stores the
// grant that check returns for it (check may return nil for a sign-in without a token).
// The code's row is locked (FOR UPDATE) first, so that of two instances redeeming one
// code at once exactly one succeeds. A code is good once: redeeming it again returns
// token.ErrCodeUsed and revokes the token it bought. When check fails the code stays
// used, so a wrong verifier cannot be retried.
func (db *DB) RedeemCode(ctx context.Context, hash string, check func(*token.Code) (*token.Grant, error)) (*token.Code, error) {
	var out *token.Code
	var checkErr error
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		c, err := scanCode(tx.QueryRow(ctx, `SELECT `+codeColumns+` FROM auth_codes WHERE hash = $1 FOR UPDATE`, hash))
		if errors.Is(err, pgx.ErrNoRows) {
			return token.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("redeem code: %w", err)
		}
		out = c
		if c.Used {
			if _, err := tx.Exec(ctx, `UPDATE tokens SET revoked = true WHERE id = $1`, c.TokenID); err != nil {
				return fmt.Errorf("redeem code: revoke replayed: %w", err)
			}
			checkErr = token.ErrCodeUsed
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE auth_codes SET used = true WHERE hash = $1`, hash); err != nil {
			return fmt.Errorf("redeem code: %w", err)
		}
		g, err := check(c)
		checkErr = err
		if err == nil && g != nil {
			if err := insertGrant(ctx, tx, g); err != nil {
				return fmt.Errorf("redeem code: %w", err)
			}
			c.TokenID = g.Token.ID
			if _, err := tx.Exec(ctx, `UPDATE auth_codes SET token_id = $1 WHERE hash = $2`, g.Token.ID, hash); err != nil {
				return fmt.Errorf("redeem code: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, checkErr
}

// RotateRefresh exchanges a refresh token: the token row holding refreshHash must be live
// and its refresh token unexpired at now; check turns it into the new grant. The old row
// is locked, revoked, marked rotated, and the new one stored in one transaction; if check
// fails nothing changes. A refresh token that was rotated already is
// token.ErrRefreshUsed, one whose pair was revoked otherwise token.ErrRefreshRevoked, an
// unknown or expired one token.ErrNotFound.
func (db *DB) RotateRefresh(ctx context.Context, refreshHash string, now time.Time, check func(*token.Token) (*token.Grant, error)) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var refreshExpires string
		var rotated bool
		row := tx.QueryRow(ctx, `SELECT `+tokenColumns+`, refresh_expires, rotated FROM tokens
			WHERE refresh_hash = $1 AND refresh_hash <> '' FOR UPDATE`, refreshHash)
		old, err := scanTokenWith(row, &refreshExpires, &rotated)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
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
		if _, err := tx.Exec(ctx, `UPDATE tokens SET revoked = true, rotated = true WHERE id = $1`, old.ID); err != nil {
			return fmt.Errorf("refresh: revoke old: %w", err)
		}
		if err := insertGrant(ctx, tx, g); err != nil {
			return fmt.Errorf("refresh: %w", err)
		}
		return nil
	})
}

func insertGrant(ctx context.Context, tx pgx.Tx, g *token.Grant) error {
	t := g.Token
	err := tx.QueryRow(ctx, `INSERT INTO tokens (hash, me, client_id, client_name, scope,
		issued, expires, refresh_hash, refresh_expires) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		RETURNING id`,
		t.Hash, t.Me, t.ClientID, t.ClientName, strings.Join(t.Scope, " "), formatTime(t.Issued),
		formatTime(t.Expires), g.RefreshHash, formatTime(g.RefreshExpires)).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("store token: %w", err)
	}
	return nil
}

// RevokeAfterRefreshReuse answers a refresh token presented again after its pair was
// rotated (RFC 9700 section 4.14.2): if a rotated token row holds refreshHash, every
// live token of the same client and owner issued after it is revoked. The refresh token
// of a pair that was revoked rather than rotated revokes nothing. It reports whether the
// hash was a spent refresh token.
func (db *DB) RevokeAfterRefreshReuse(ctx context.Context, refreshHash string) (bool, error) {
	var spent bool
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		var clientID, me string
		err := tx.QueryRow(ctx, `SELECT id, client_id, me FROM tokens
			WHERE refresh_hash = $1 AND refresh_hash <> '' AND rotated`, refreshHash).Scan(&id, &clientID, &me)
		if errors.Is(err, pgx.ErrNoRows) {
			spent = false
			return nil
		}
		if err != nil {
			return fmt.Errorf("refresh reuse: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE tokens SET revoked = true
			WHERE id > $1 AND client_id = $2 AND me = $3 AND NOT revoked`, id, clientID, me); err != nil {
			return fmt.Errorf("refresh reuse: revoke successors: %w", err)
		}
		spent = true
		return nil
	})
	return spent, err
}

func scanToken(s pgx.Row) (*token.Token, error) { return scanTokenWith(s) }

// scanTokenWith scans tokenColumns followed by extra destinations.
func scanTokenWith(s pgx.Row, extra ...any) (*token.Token, error) {
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

func scanCode(s pgx.Row) (*token.Code, error) {
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
