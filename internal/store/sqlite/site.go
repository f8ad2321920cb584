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

// SiteModified is the latest time any post was published or updated (deleted and drafts
// included, since removing a post from a listing changes it too); zero with no posts.
func (db *DB) SiteModified(ctx context.Context) (time.Time, error) {
	var published, updated sql.NullString
	err := db.db.QueryRowContext(ctx, `SELECT (SELECT MAX(published) FROM posts),
		(SELECT MAX(updated) FROM posts)`).Scan(&published, &updated)
	if err != nil {
		return time.Time{}, fmt.Errorf("site modified: %w", err)
	}
	t, u := parseTime(published.String), parseTime(updated.String)
	if u.After(t) {
		t = u
	}
	return t, nil
}
