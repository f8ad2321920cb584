package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// RevokeAfterRefreshReuse answers a refresh token presented again after its pair was
// rotated (RFC 9700 section 4.14.2): one of the two parties holding it is not the client,
// and the pair issued in its place may be in the wrong hands. If a rotated token row
// holds refreshHash, every live token of the same client and owner issued after it is
// revoked (rotation issues the replacement as a newer row; the table keeps no other link
// between a pair and its successor, so a token the same client got later by a fresh
// sign-in dies too). The refresh token of a pair that was revoked rather than rotated
// has no successor and revokes nothing. It reports whether the hash was a spent refresh
// token.
func (db *DB) RevokeAfterRefreshReuse(ctx context.Context, refreshHash string) (bool, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("refresh reuse: %w", err)
	}
	defer tx.Rollback()
	var id int64
	var clientID, me string
	err = tx.QueryRowContext(ctx, `SELECT id, client_id, me FROM tokens
		WHERE refresh_hash = ? AND refresh_hash <> '' AND rotated = 1`, refreshHash).Scan(&id, &clientID, &me)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("refresh reuse: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked = 1
		WHERE id > ? AND client_id = ? AND me = ? AND revoked = 0`, id, clientID, me); err != nil {
		return false, fmt.Errorf("refresh reuse: revoke successors: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("refresh reuse: %w", err)
	}
	db.revoked()
	return true, nil
}
