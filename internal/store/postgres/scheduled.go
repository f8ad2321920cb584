package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// NextScheduled returns the earliest published time after t of a published post that is
// not deleted: when the next scheduled post appears, and with it a change to listings
// and feeds that no write marks. Zero when none is scheduled. One step along the index
// posts_published.
func (db *DB) NextScheduled(ctx context.Context, t time.Time) (time.Time, error) {
	var s string
	err := db.pool.QueryRow(ctx, `SELECT published FROM posts
		WHERE NOT deleted AND published > $1 AND status = 'published' ORDER BY published LIMIT 1`, formatTime(t)).Scan(&s)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("next scheduled post: %w", err)
	}
	return parseTime(s), nil
}
