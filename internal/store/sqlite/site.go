package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// SiteTag returns the display form of a tag, looked up case-insensitively;
// post.ErrNotFound if no post ever carried it.
func (db *DB) SiteTag(ctx context.Context, tag string) (string, error) {
	var display string
	err := db.db.QueryRowContext(ctx, `SELECT display FROM tags WHERE norm = ?`, NormalizeTag(tag)).Scan(&display)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("tag %q: %w", tag, post.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("tag %q: %w", tag, err)
	}
	return display, nil
}

// SiteChanges reports how many times posts have changed (created, edited, deleted or
// removed; migration 0005 counts them with triggers) and when they last did. Both move
// for drafts and private posts too, so they can only make caches check back, never hide a
// change.
func (db *DB) SiteChanges(ctx context.Context) (version int64, changed time.Time, err error) {
	var at string
	if err := db.stmts.siteChanges.QueryRowContext(ctx).Scan(&version, &at); err != nil {
		return 0, time.Time{}, fmt.Errorf("site changes: %w", err)
	}
	if changed, err = time.Parse(time.RFC3339Nano, at); err != nil {
		return 0, time.Time{}, fmt.Errorf("site changes %q: %w", at, err)
	}
	return version, changed, nil
}
