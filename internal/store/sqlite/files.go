package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/indiepub/indiepub/internal/post"
)

// The index of the files each post uses (post_files, migrations/0025_post_files.sql):
// the URLs post.FileURLs finds under the media URLs the store was opened with
// (Options.MediaURLs, DB.files).

// insertPostFiles records the files of the group's inserted posts; when none uses a file
// it runs no statement.
func (db *DB) insertPostFiles(ctx context.Context, tx *sql.Tx, group []*createReq) error {
	var st *sql.Stmt
	for _, req := range group {
		if req.err != nil || len(req.files) == 0 {
			continue
		}
		if st == nil {
			var err error
			if st, err = tx.PrepareContext(ctx, `INSERT OR IGNORE INTO post_files (url, post_id) VALUES (?, ?)`); err != nil {
				return fmt.Errorf("create post: files: %w", err)
			}
			defer st.Close()
		}
		for _, u := range req.files {
			if _, err := st.ExecContext(ctx, u, req.id); err != nil {
				return fmt.Errorf("create post: files: %w", err)
			}
		}
	}
	return nil
}

// updatePostFiles changes the post's rows from the files it used, was, to those it uses,
// is (both sorted): nothing when they are the same.
func updatePostFiles(ctx context.Context, tx *sql.Tx, id int64, was, is []string) error {
	for _, u := range was {
		if _, found := slices.BinarySearch(is, u); found {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM post_files WHERE url = ? AND post_id = ?`, u, id); err != nil {
			return fmt.Errorf("files: %w", err)
		}
	}
	for _, u := range is {
		if _, found := slices.BinarySearch(was, u); found {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO post_files (url, post_id) VALUES (?, ?)`, u, id); err != nil {
			return fmt.Errorf("files: %w", err)
		}
	}
	return nil
}

// syncFileIndex finds the files of every stored post again when the index was built for
// other media URLs than the store's (the first time after the migration, or after the
// site's media URL changed), in one transaction. A store opened without media URLs keeps
// no index, and marks it out of date for the next Open that has them: the posts it
// writes get no rows.
func (db *DB) syncFileIndex(ctx context.Context) error {
	want := db.files.State()
	var have string
	if err := db.db.QueryRowContext(ctx, `SELECT prefixes FROM post_files_state WHERE id = 1`).Scan(&have); err != nil {
		return fmt.Errorf("index of files: %w", err)
	}
	if have == want {
		return nil
	}
	if want == "" {
		if _, err := db.db.ExecContext(ctx, `UPDATE post_files_state SET prefixes = '' WHERE id = 1`); err != nil {
			return fmt.Errorf("index of files: %w", err)
		}
		return nil
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index of files: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM post_files`); err != nil {
		return fmt.Errorf("index of files: %w", err)
	}
	for after := int64(0); after >= 0; {
		if after, err = db.indexFilesAfter(ctx, tx, after); err != nil {
			return fmt.Errorf("index of files: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE post_files_state SET prefixes = ? WHERE id = 1`, want); err != nil {
		return fmt.Errorf("index of files: %w", err)
	}
	return tx.Commit()
}

// indexFilesAfter records the files of a batch of posts whose ID is above after, and
// returns the last ID of the batch, or -1 after the last post.
func (db *DB) indexFilesAfter(ctx context.Context, tx *sql.Tx, after int64) (int64, error) {
	const batch = 1000
	rows, err := tx.QueryContext(ctx, `SELECT id, item FROM posts WHERE id > ? ORDER BY id LIMIT ?`, after, batch)
	if err != nil {
		return 0, err
	}
	type found struct {
		id    int64
		files []string
	}
	var all []found
	n := 0
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&after, &raw); err != nil {
			rows.Close()
			return 0, err
		}
		n++
		if !db.files.Mentioned(raw) {
			continue
		}
		var item post.Item
		if err := json.Unmarshal(raw, &item); err != nil {
			rows.Close()
			return 0, fmt.Errorf("post %d: %w", after, err)
		}
		if files := post.FileURLs(item, db.files.Prefixes()); len(files) > 0 {
			all = append(all, found{after, files})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, f := range all {
		if err := updatePostFiles(ctx, tx, f.id, nil, f.files); err != nil {
			return 0, err
		}
	}
	if n < batch {
		return -1, nil
	}
	return after, nil
}
