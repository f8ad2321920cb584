package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/indiepub/indiepub/internal/post"
)

// SetPostClient records that the app clientID created the post with the given ID
// (migrations/0006_post_clients.sql).
func (db *DB) SetPostClient(ctx context.Context, postID int64, clientID string) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO post_clients (post_id, client_id) VALUES (?, ?)
		ON CONFLICT (post_id) DO UPDATE SET client_id = excluded.client_id`, postID, clientID)
	if err := db.space.check(err); err != nil {
		return fmt.Errorf("record client of post %d: %w", postID, err)
	}
	return nil
}

// PostClient returns the client_id of the app that created the post at url, or "" when
// none is recorded; post.ErrNotFound if there is no such post.
func (db *DB) PostClient(ctx context.Context, url string) (string, error) {
	var client sql.NullString
	err := db.db.QueryRowContext(ctx, `SELECT pc.client_id FROM posts p
		LEFT JOIN post_clients pc ON pc.post_id = p.id WHERE p.url = ?`, url).Scan(&client)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("post %s: %w", url, post.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("client of post %s: %w", url, err)
	}
	return client.String, nil
}
