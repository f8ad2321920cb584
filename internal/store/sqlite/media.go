package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/indiepub/indiepub/internal/media"
)

// SaveUpload records an upload. Uploading the same bytes again keeps one record and moves
// its published time to u.Published; the record takes u.URL, which differs from the
// stored one only when the site has moved to another URL since.
func (db *DB) SaveUpload(ctx context.Context, u *media.Upload) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO media (url, path, hash, type, size, published)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (path) DO UPDATE SET url = excluded.url, published = excluded.published`,
		u.URL, u.Path, u.Hash, u.Type, u.Size, formatTime(u.Published))
	if err := db.space.check(err); err != nil {
		return fmt.Errorf("save upload %s: %w", u.URL, err)
	}
	return nil
}

const uploadColumns = `url, path, hash, type, size, published`

func scanUpload(row interface{ Scan(...any) error }) (*media.Upload, error) {
	var u media.Upload
	var published string
	if err := row.Scan(&u.URL, &u.Path, &u.Hash, &u.Type, &u.Size, &published); err != nil {
		return nil, err
	}
	u.Published = parseTime(published)
	return &u, nil
}

// Upload returns the upload published at url, or media.ErrNotFound.
func (db *DB) Upload(ctx context.Context, url string) (*media.Upload, error) {
	u, err := scanUpload(db.db.QueryRowContext(ctx, `SELECT `+uploadColumns+` FROM media WHERE url = ?`, url))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("upload %s: %w", url, media.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("upload %s: %w", url, err)
	}
	return u, nil
}

// Uploads lists uploads newest first.
func (db *DB) Uploads(ctx context.Context, limit, offset int) ([]*media.Upload, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+uploadColumns+` FROM media
		ORDER BY published DESC, id DESC LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list uploads: %w", err)
	}
	defer rows.Close()
	var list []*media.Upload
	for rows.Next() {
		u, err := scanUpload(rows)
		if err != nil {
			return nil, fmt.Errorf("list uploads: %w", err)
		}
		list = append(list, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list uploads: %w", err)
	}
	return list, nil
}

// DeleteUpload removes the record of the upload at url; media.ErrNotFound if there is none.
func (db *DB) DeleteUpload(ctx context.Context, url string) error {
	res, err := db.db.ExecContext(ctx, `DELETE FROM media WHERE url = ?`, url)
	if err != nil {
		return fmt.Errorf("delete upload %s: %w", url, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("upload %s: %w", url, media.ErrNotFound)
	}
	return nil
}

// PostsReferencing returns the URLs of the live (not deleted) posts whose properties
// mention url anywhere (photo, video, audio, or inside content), newest first, at most
// limit of them. A URL under the store's media URLs is looked up in the index of the
// files each post uses (files.go); any other is looked for in every post's JSON.
func (db *DB) PostsReferencing(ctx context.Context, url string, limit int) ([]string, error) {
	if db.files.Covers(url) {
		return db.postsUsing(ctx, url, limit)
	}
	// The item column is JSON, where a URL may appear with characters escaped by the
	// encoder (encoding/json escapes &, < and >), so both spellings are searched.
	enc, err := json.Marshal(url)
	if err != nil {
		return nil, fmt.Errorf("posts referencing %s: %w", url, err)
	}
	escaped := string(enc[1 : len(enc)-1])
	rows, err := db.db.QueryContext(ctx, `SELECT url FROM posts
		WHERE deleted = 0 AND (instr(item, ?) > 0 OR instr(item, ?) > 0)
		ORDER BY published DESC, id DESC LIMIT ?`, url, escaped, limit)
	if err != nil {
		return nil, fmt.Errorf("posts referencing %s: %w", url, err)
	}
	defer rows.Close()
	var urls []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("posts referencing %s: %w", url, err)
		}
		urls = append(urls, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("posts referencing %s: %w", url, err)
	}
	return urls, nil
}

const postsUsingSQL = `SELECT p.url FROM post_files f CROSS JOIN posts p ON p.id = f.post_id
	WHERE f.url = ? AND p.deleted = 0 ORDER BY p.published DESC, p.id DESC LIMIT ?`

// postsUsing returns the live posts that use the file at url, newest first, at most
// limit, from the index: the file's rows, then each post's. CROSS JOIN keeps that order
// of the loops (https://www.sqlite.org/optoverview.html#manual_control_of_join_order):
// otherwise the planner may walk all posts in date order, to spare the sort of a few
// rows, and look each one up in post_files.
func (db *DB) postsUsing(ctx context.Context, url string, limit int) ([]string, error) {
	rows, err := db.stmts.postsUsing.QueryContext(ctx, url, limit)
	if err != nil {
		return nil, fmt.Errorf("posts using %s: %w", url, err)
	}
	defer rows.Close()
	var urls []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("posts using %s: %w", url, err)
		}
		urls = append(urls, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("posts using %s: %w", url, err)
	}
	return urls, nil
}
