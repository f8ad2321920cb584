package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// Inserted posts and tags are counted by the code that inserts them, a group at a time,
// not by triggers (migrations/0027_counts_by_writer.sql). countPostsSQL and countTagsSQL
// read the rows with IDs from ?1 to ?2, which must be exactly the posts the transaction
// inserted.
const (
	// countPostsSQL adds the posts with IDs from ?1 to ?2 to post_counts.
	countPostsSQL = `INSERT INTO post_counts (post_type, deleted, status, visibility, n)
		SELECT post_type, deleted, status, visibility, count(*) FROM posts WHERE id BETWEEN ?1 AND ?2
		GROUP BY post_type, deleted, status, visibility
		ON CONFLICT (post_type, deleted, status, visibility) DO UPDATE SET n = n + excluded.n`
	// countChangesSQL adds ? changes to the site's change counter (migrations/0005_site.sql).
	countChangesSQL = `UPDATE site_changes SET version = version + ?,
		changed = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = 1`
	// countTagsSQL adds the tag links of the posts with IDs from ?1 to ?2 to tag_counts.
	countTagsSQL = `INSERT INTO tag_counts (tag_id, post_type, deleted, status, visibility, n)
		SELECT tag_id, post_type, deleted, status, visibility, count(*) FROM post_tags
		WHERE post_id BETWEEN ?1 AND ?2
		GROUP BY tag_id, post_type, deleted, status, visibility
		ON CONFLICT (tag_id, post_type, deleted, status, visibility) DO UPDATE SET n = n + excluded.n`
)

// countCreates adds a group's stored posts and their tags to the counts and to the site's
// change counter. The posts a group stores take the IDs after the largest one in the
// table (an INTEGER PRIMARY KEY without AUTOINCREMENT is given max(id) + 1), so the rows
// from its smallest ID to its largest are its own, and the tags' rows are theirs.
func (db *DB) countCreates(ctx context.Context, tx *sql.Tx, group []*createReq) error {
	var lo, hi, n int64
	for _, req := range group {
		if req.err != nil {
			continue
		}
		if n == 0 || req.id < lo {
			lo = req.id
		}
		hi = max(hi, req.id)
		n++
	}
	if n == 0 {
		return nil
	}
	if hi-lo+1 != n {
		return fmt.Errorf("create post: count: IDs %d to %d for %d posts", lo, hi, n)
	}
	for _, c := range []struct {
		st   *sql.Stmt
		args []any
	}{
		{db.stmts.countPosts, []any{lo, hi}},
		{db.stmts.countChanges, []any{n}},
		{db.stmts.countTags, []any{lo, hi}},
	} {
		if err := execIn(ctx, tx, c.st, c.args); err != nil {
			return fmt.Errorf("create post: count: %w", err)
		}
	}
	return nil
}
