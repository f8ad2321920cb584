package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/indiepub/indiepub/internal/post"
)

// AddRedirect makes path (a path on the site, "/2019/05/hello/") redirect to target; a
// path already redirected is pointed at the new target.
func (db *DB) AddRedirect(ctx context.Context, path, target string) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO redirects (path, target, created) VALUES (?, ?, ?)
		ON CONFLICT (path) DO UPDATE SET target = excluded.target`, path, target, formatTime(db.now()))
	if err := db.space.check(err); err != nil {
		return fmt.Errorf("add redirect %s: %w", path, err)
	}
	return nil
}

// Redirect returns where path has moved; post.ErrNotFound when it has not.
func (db *DB) Redirect(ctx context.Context, path string) (string, error) {
	var target string
	err := db.db.QueryRowContext(ctx, `SELECT target FROM redirects WHERE path = ?`, path).Scan(&target)
	if errors.Is(err, sql.ErrNoRows) {
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
	rows, err := db.db.QueryContext(ctx, `SELECT path FROM redirects WHERE target = ? ORDER BY path`, target)
	if err != nil {
		return nil, fmt.Errorf("redirects to %s: %w", target, err)
	}
	defer rows.Close()
	var paths []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, fmt.Errorf("redirects to %s: %w", target, err)
		}
		paths = append(paths, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("redirects to %s: %w", target, err)
	}
	return paths, nil
}
