package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/indiepub/indiepub/internal/post"
)

// AddRedirect makes path (a path on the site, "/2019/05/hello/") redirect to target; a
// path already redirected is pointed at the new target.
func (db *DB) AddRedirect(ctx context.Context, path, target string) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO redirects (path, target, created) VALUES ($1, $2, $3)
		ON CONFLICT (path) DO UPDATE SET target = excluded.target`, path, target, formatTime(db.Now()))
	if err != nil {
		return fmt.Errorf("add redirect %s: %w", path, noSpace(err))
	}
	return nil
}

// Redirect returns where path has moved; post.ErrNotFound when it has not.
func (db *DB) Redirect(ctx context.Context, path string) (string, error) {
	var target string
	err := db.pool.QueryRow(ctx, `SELECT target FROM redirects WHERE path = $1`, path).Scan(&target)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("redirect %s: %w", path, post.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("redirect %s: %w", path, err)
	}
	return target, nil
}

// RedirectsTo lists the paths that redirect to target, in order: a post's old
// addresses, written into its file for a static site (Hugo's aliases). It scans the
// table (target has no index): redirects are the old paths of an import, few beside the
// posts.
func (db *DB) RedirectsTo(ctx context.Context, target string) ([]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT path FROM redirects WHERE target = $1 ORDER BY path`, target)
	if err != nil {
		return nil, fmt.Errorf("redirects to %s: %w", target, err)
	}
	paths, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("redirects to %s: %w", target, err)
	}
	return paths, nil
}
