package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/indiepub/indiepub/internal/post"
)

// The index of the files each post uses (post_files, migrations/0013_post_files.sql):
// the URLs post.FileURLs finds under the media URLs the store was opened with
// (Options.MediaURLs, DB.files).

const insertPostFilesSQL = `INSERT INTO post_files (url, post_id)
	SELECT * FROM unnest($1::text[], $2::bigint[]) ORDER BY 1, 2 ON CONFLICT DO NOTHING`

// queuePostFiles queues the rows of the files the group's inserted posts use; when none
// uses a file it queues nothing.
func queuePostFiles(b *pgx.Batch, group []*createReq) {
	var urls []string
	var ids []int64
	for _, req := range group {
		if req.err != nil {
			continue
		}
		for _, u := range req.files {
			urls = append(urls, u)
			ids = append(ids, req.id)
		}
	}
	if len(urls) > 0 {
		b.Queue(insertPostFilesSQL, urls, ids)
	}
}

// queueFileChanges queues the change of a post's rows from the files it used, was, to
// those it uses, is (both sorted): nothing when they are the same.
func queueFileChanges(b *pgx.Batch, id int64, was, is []string) {
	var gone, added []string
	for _, u := range was {
		if _, found := slices.BinarySearch(is, u); !found {
			gone = append(gone, u)
		}
	}
	for _, u := range is {
		if _, found := slices.BinarySearch(was, u); !found {
			added = append(added, u)
		}
	}
	if len(gone) > 0 {
		b.Queue(`DELETE FROM post_files WHERE post_id = $1 AND url = ANY($2)`, id, gone)
	}
	if len(added) > 0 {
		ids := make([]int64, len(added))
		for i := range ids {
			ids[i] = id
		}
		b.Queue(insertPostFilesSQL, added, ids)
	}
}

// postsUsing returns the live posts that use the file at url, newest first, at most
// limit, from the index: the file's rows, then each post's.
func (db *DB) postsUsing(ctx context.Context, url string, limit int) ([]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT p.url FROM post_files f JOIN posts p ON p.id = f.post_id
		WHERE f.url = $1 AND NOT p.deleted ORDER BY p.published DESC, p.id DESC LIMIT $2`, url, limit)
	if err != nil {
		return nil, fmt.Errorf("posts using %s: %w", url, err)
	}
	urls, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("posts using %s: %w", url, err)
	}
	return urls, nil
}

// syncFileIndex finds the files of every stored post again when the index was built
// otherwise than this store would (post.FileFinder.State: the first time after the
// migration, or after the site's media URL changed), in one transaction that holds the
// state's row, so that instances started together do it once. A store opened without
// media URLs keeps no index, and marks it out of date for the next Open that has them:
// the posts it writes get no rows.
func (db *DB) syncFileIndex(ctx context.Context) error {
	want := db.files.State()
	var have string
	if err := db.pool.QueryRow(ctx, `SELECT prefixes FROM post_files_state WHERE id = 1`).Scan(&have); err != nil {
		return fmt.Errorf("postgres: index of files: %w", err)
	}
	if have == want {
		return nil
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT prefixes FROM post_files_state WHERE id = 1 FOR UPDATE`).Scan(&have); err != nil {
			return err
		}
		if have == want {
			return nil
		}
		if want == "" {
			_, err := tx.Exec(ctx, `UPDATE post_files_state SET prefixes = '' WHERE id = 1`)
			return err
		}
		return db.indexAllFiles(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("postgres: index of files: %w", err)
	}
	return nil
}

// indexAllFiles finds the files of every stored post again, in tx, and records the
// state the rows were found with.
func (db *DB) indexAllFiles(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `DELETE FROM post_files`); err != nil {
		return err
	}
	if len(db.files.Prefixes()) > 0 {
		// Only the posts whose JSON holds a media URL at all are read back.
		var likes []string
		for _, p := range db.files.Prefixes() {
			enc, _ := json.Marshal(p)
			likes = append(likes, p, string(enc[1:len(enc)-1]))
		}
		rows, err := tx.Query(ctx, `SELECT id, item FROM posts
			WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) AS l(s) WHERE strpos(item, l.s) > 0)`, likes)
		if err != nil {
			return err
		}
		var urls []string
		var ids []int64
		for rows.Next() {
			var id int64
			var raw string
			if err := rows.Scan(&id, &raw); err != nil {
				rows.Close()
				return err
			}
			var item post.Item
			if err := json.Unmarshal([]byte(raw), &item); err != nil {
				rows.Close()
				return fmt.Errorf("post %d: %w", id, err)
			}
			for _, u := range post.FileURLs(item, db.files.Prefixes()) {
				urls = append(urls, u)
				ids = append(ids, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(urls) > 0 {
			if _, err := tx.Exec(ctx, insertPostFilesSQL, urls, ids); err != nil {
				return err
			}
		}
	}
	tag, err := tx.Exec(ctx, `UPDATE post_files_state SET prefixes = $1 WHERE id = 1`, db.files.State())
	if err == nil && tag.RowsAffected() != 1 {
		err = errors.New("no state row")
	}
	return err
}
