package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/indiepub/indiepub/internal/post"
)

// insertPostClients records, in the group's transaction, which app (IndieAuth client_id)
// created each inserted post that names one (post.Post.ClientID;
// migrations/0008_post_clients.sql): a post and the record of its app are committed
// together or not at all.
func (db *DB) insertPostClients(ctx context.Context, tx *sql.Tx, group []*createReq) error {
	var st *sql.Stmt
	for _, req := range group {
		if req.err != nil || req.p.ClientID == "" {
			continue
		}
		if st == nil {
			var err error
			if st, err = tx.PrepareContext(ctx, `INSERT INTO post_clients (post_id, client_id) VALUES (?, ?)`); err != nil {
				return fmt.Errorf("create post: client: %w", err)
			}
			defer st.Close()
		}
		if _, err := st.ExecContext(ctx, req.id, req.p.ClientID); err != nil {
			return fmt.Errorf("create post: client: %w", err)
		}
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
