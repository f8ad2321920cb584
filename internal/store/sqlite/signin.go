package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/indiepub/indiepub/internal/owner"
)

// SignInAttempt counts an attempt to sign in from addr at now if lim lets it through,
// and returns its ID; otherwise it returns 0 and the time addr may try again. The check
// and the count are one write transaction (BEGIN IMMEDIATE), so that parallel attempts,
// from this process or another on the same file, are let through one at a time.
func (db *DB) SignInAttempt(ctx context.Context, addr string, now time.Time, lim owner.SignInLimit) (int64, time.Time, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("sign-in attempt: %w", err)
	}
	defer tx.Rollback()
	since := formatTime(now.Add(-lim.Window))
	if _, err := tx.ExecContext(ctx, `DELETE FROM signin_attempts WHERE at <= ?`, since); err != nil {
		return 0, time.Time{}, fmt.Errorf("sign-in attempt: %w", err)
	}
	var overall int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM signin_attempts WHERE at > ?`, since).Scan(&overall); err != nil {
		return 0, time.Time{}, fmt.Errorf("sign-in attempt: %w", err)
	}
	limit := lim.PerAddr
	if overall >= lim.Overall {
		limit = 1
	}
	// The limit-th newest attempt from addr, if there is one, is what keeps addr waiting:
	// addr may try again once it stops counting.
	var oldest string
	err = tx.QueryRowContext(ctx, `SELECT at FROM signin_attempts WHERE addr = ? AND at > ?
		ORDER BY at DESC, id DESC LIMIT 1 OFFSET ?`, addr, since, limit-1).Scan(&oldest)
	switch {
	case err == nil:
		return 0, parseTime(oldest).Add(lim.Window), nil
	case !errors.Is(err, sql.ErrNoRows):
		return 0, time.Time{}, fmt.Errorf("sign-in attempt: %w", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO signin_attempts (addr, at) VALUES (?, ?)`, addr, formatTime(now))
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("sign-in attempt: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("sign-in attempt: %w", err)
	}
	return id, time.Time{}, tx.Commit()
}

// ForgetSignInAttempt takes back one attempt.
func (db *DB) ForgetSignInAttempt(ctx context.Context, id int64) error {
	if _, err := db.db.ExecContext(ctx, `DELETE FROM signin_attempts WHERE id = ?`, id); err != nil {
		return fmt.Errorf("forget sign-in attempt: %w", err)
	}
	return nil
}

// SignInSucceeded takes back the attempt with that ID and stops counting addr's earlier
// ones against addr; they still count overall.
func (db *DB) SignInSucceeded(ctx context.Context, addr string, id int64) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sign-in succeeded: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM signin_attempts WHERE id = ?`, id); err != nil {
		return fmt.Errorf("sign-in succeeded: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE signin_attempts SET addr = NULL WHERE addr = ?`, addr); err != nil {
		return fmt.Errorf("sign-in succeeded: %w", err)
	}
	return tx.Commit()
}
