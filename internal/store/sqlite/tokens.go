package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/indiepub/indiepub/internal/token"
)

// CreateToken stores a token (by hash) and sets t.ID.
func (db *DB) CreateToken(ctx context.Context, t *token.Token) error {
	res, err := db.db.ExecContext(ctx, `INSERT INTO tokens
		(hash, me, client_id, client_name, scope, issued, expires) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		t.Hash, t.Me, t.ClientID, t.ClientName, strings.Join(t.Scope, " "),
		formatTime(t.Issued), formatTime(t.Expires))
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	t.ID, err = res.LastInsertId()
	return err
}

// TokenByHash returns the token with that hash, revoked or not; token.ErrNotFound if none.
func (db *DB) TokenByHash(ctx context.Context, hash string) (*token.Token, error) {
	t, err := scanToken(db.stmts.tokenByHash.QueryRowContext(ctx, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, token.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	return t, nil
}

// ListTokens lists tokens that are neither revoked nor expired, newest first.
func (db *DB) ListTokens(ctx context.Context) ([]*token.Token, error) {
	now := formatTime(db.now())
	rows, err := db.db.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens
		WHERE revoked = 0 AND (expires = '' OR expires > ?) ORDER BY issued DESC, id DESC`, now)
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
	res, err := db.db.ExecContext(ctx, `UPDATE tokens SET revoked = 1 WHERE id = ? AND revoked = 0`, id)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("revoke token %d: %w", id, token.ErrNotFound)
	}
	db.revoked()
	return nil
}

// TouchToken records that the token was just used.
func (db *DB) TouchToken(ctx context.Context, id int64) error {
	_, err := db.db.ExecContext(ctx, `UPDATE tokens SET last_used = ? WHERE id = ?`, formatTime(db.now()), id)
	if err != nil {
		return fmt.Errorf("touch token %d: %w", id, err)
	}
	return nil
}

const tokenColumns = `id, hash, me, client_id, client_name, scope, issued, expires, last_used, revoked`

func scanToken(s scanner) (*token.Token, error) {
	var t token.Token
	var scope, issued, expires, lastUsed string
	if err := s.Scan(&t.ID, &t.Hash, &t.Me, &t.ClientID, &t.ClientName, &scope, &issued, &expires,
		&lastUsed, &t.Revoked); err != nil {
		return nil, err
	}
	t.Scope = token.ParseScope(scope)
	t.Issued, t.Expires, t.LastUsed = parseTime(issued), parseTime(expires), parseTime(lastUsed)
	return &t, nil
}
