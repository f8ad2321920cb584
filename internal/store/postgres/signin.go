package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/indiepub/indiepub/internal/owner"
)

// signInLock is the key of the advisory lock that makes sign-in attempts one at a time.
const signInLock = 0x7369676e696e // "signin"

// SignInAttempt counts an attempt to sign in from addr at now if lim lets it through,
// and returns its ID; otherwise it returns 0 and the time addr may try again. The check
// and the count are one transaction holding a transaction-level advisory lock, so that
// parallel attempts, on this instance or any other on the database, are let through one
// at a time and none passes a limit another has just reached.
func (db *DB) SignInAttempt(ctx context.Context, addr string, now time.Time, lim owner.SignInLimit) (int64, time.Time, error) {
	var id int64
	var retry time.Time
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		id, retry = 0, time.Time{}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(signInLock)); err != nil {
			return err
		}
		since := formatTime(now.Add(-lim.Window))
		if _, err := tx.Exec(ctx, `DELETE FROM signin_attempts WHERE at <= $1`, since); err != nil {
			return err
		}
		var overall int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM signin_attempts WHERE at > $1`, since).Scan(&overall); err != nil {
			return err
		}
		limit := lim.PerAddr
		if overall >= lim.Overall {
			limit = 1
		}
		// The limit-th newest attempt from addr, if there is one, is what keeps addr
		// waiting: addr may try again once it stops counting.
		var oldest string
		err := tx.QueryRow(ctx, `SELECT at FROM signin_attempts WHERE addr = $1 AND at > $2
			ORDER BY at DESC, id DESC LIMIT 1 OFFSET $3`, addr, since, max(limit-1, 0)).Scan(&oldest)
		switch {
		case err == nil:
			retry = parseTime(oldest).Add(lim.Window)
			return nil
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO signin_attempts (addr, at) VALUES ($1, $2) RETURNING id`,
			addr, formatTime(now)).Scan(&id)
	})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("sign-in attempt: %w", err)
	}
	return id, retry, nil
}

// ForgetSignInAttempt takes back one attempt.
func (db *DB) ForgetSignInAttempt(ctx context.Context, id int64) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM signin_attempts WHERE id = $1`, id); err != nil {
		return fmt.Errorf("forget sign-in attempt: %w", err)
	}
	return nil
}

// SignInSucceeded takes back the attempt with that ID and stops counting addr's earlier
// ones against addr; they still count overall.
func (db *DB) SignInSucceeded(ctx context.Context, addr string, id int64) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM signin_attempts WHERE id = $1`, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE signin_attempts SET addr = NULL WHERE addr = $1`, addr)
		return err
	})
	if err != nil {
		return fmt.Errorf("sign-in succeeded: %w", err)
	}
	return nil
}
