package postgres

import (
	"context"
	"fmt"
)

// mediaLock is the key of the advisory lock that orders uploads against deletes.
const mediaLock = 0x6d65646961 // "media"

// MediaLocker is the media service's Locker (media.Locker) for instances sharing one
// database: a session-level advisory lock (pg_advisory_lock), held on one pooled
// connection until unlock, so that a delete on one instance never removes a file that
// an upload of the same bytes on another has just recorded.
type MediaLocker struct{ DB *DB }

// Lock waits for the lock, or for ctx, and returns the function that releases it.
func (l MediaLocker) Lock(ctx context.Context) (func(), error) {
	conn, err := l.DB.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("media lock: %w", err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(mediaLock)); err != nil {
		// A cancelled wait may leave the connection's state unknown: drop it.
		conn.Conn().Close(context.Background())
		conn.Release()
		return nil, fmt.Errorf("media lock: %w", err)
	}
	return func() {
		if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(mediaLock)); err != nil {
			// Closing the session releases its advisory locks.
			conn.Conn().Close(context.Background())
		}
		conn.Release()
	}, nil
}
