package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/bits"
	"strings"
)

// stmts are the statements on the hot paths (every create, every token check, every
// lookup by URL, the website's check for changes), prepared once. SQLite compiles a statement's text into a program; doing
// that for every call cost about a fifth of all CPU under a create load. A *sql.Stmt is
// compiled once per connection it runs on (database/sql keeps one per connection, at most
// the pool's 8), and a transaction borrows its connection's copy through Tx.StmtContext.
type stmts struct {
	insertTag     *sql.Stmt
	insertPostTag *sql.Stmt
	// countPosts, countChanges and countTags count what creates insert (counts.go).
	countPosts, countChanges, countTags *sql.Stmt
	postByURL                           *sql.Stmt
	tokenByHash                         *sql.Stmt
	siteChanges                         *sql.Stmt

	// The numbering of slugs whose URL is taken (slugs.go).
	slugCounters     *sql.Stmt
	saveSlugCounters *sql.Stmt
	urlTaken         *sql.Stmt

	// The job queue's claim and completion (jobs.go), once per job.
	claimJob    *sql.Stmt
	claimJobs   *sql.Stmt
	insertJobs  *sql.Stmt
	completeJob *sql.Stmt

	// What a post's change reads to know where its webmentions go (webmention.go).
	webmentionsSent *sql.Stmt

	// The posts using a file (media.go), once per file of the media library's page.
	postsUsing *sql.Stmt

	// The group commit's multi-row inserts, by number of rows (groupcommit.go).
	insertPosts    rowStmts
	insertTags     rowStmts
	insertPostTags rowStmts
}

const (
	// insertTagSQL creates a tag; a tag keeps the display form first written.
	insertTagSQL = `INSERT INTO tags (norm, display) VALUES (?, ?) ON CONFLICT (norm) DO NOTHING`
	// insertPostTagSQL links a post to a tag by its norm (the last argument; see tagRow.args).
	insertPostTagSQL = `INSERT OR IGNORE INTO post_tags
		(post_id, tag_id, published, post_type, deleted, status, visibility)
		SELECT ?, id, ?, ?, ?, ?, ? FROM tags WHERE norm = ?`
	postByURLSQL   = `SELECT ` + postColumns + ` FROM posts p WHERE url = ?`
	tokenByHashSQL = `SELECT ` + tokenColumns + ` FROM tokens WHERE hash = ?`
	siteChangesSQL = `SELECT version, changed FROM site_changes WHERE id = 1`
	// slugCountersSQL reads the counters of a JSON array of URLs.
	slugCountersSQL = `SELECT url, next FROM slug_counters WHERE url IN (SELECT value FROM json_each(?))`
	// saveSlugCountersSQL writes the counters of a JSON object {url: next}; a counter
	// never goes back. (WHERE true tells SQLite's parser that ON CONFLICT is the upsert.)
	saveSlugCountersSQL = `INSERT INTO slug_counters (url, next) SELECT key, value FROM json_each(?) WHERE true
		ON CONFLICT (url) DO UPDATE SET next = max(next, excluded.next)`
	urlTakenSQL        = `SELECT EXISTS (SELECT 1 FROM posts WHERE url = ?)`
	webmentionsSentSQL = `SELECT target, endpoint, status, code, detail, linked, at
		FROM webmention_sent WHERE source = ? ORDER BY first`
)

// stmtText is a statement to prepare, and where to keep it.
type stmtText struct {
	dst   **sql.Stmt
	query string
}

// prepareAll prepares each statement on sdb, up to the first that fails; the caller
// closes those prepared (closeAll).
func prepareAll(ctx context.Context, sdb *sql.DB, list []stmtText) error {
	for _, s := range list {
		st, err := sdb.PrepareContext(ctx, s.query)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		*s.dst = st
	}
	return nil
}

// closeAll closes the statements that were prepared (not nil).
func closeAll(sts ...*sql.Stmt) error {
	var errs []error
	for _, st := range sts {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

// prepare compiles the hot statements; the schema must be migrated first.
func (db *DB) prepare(ctx context.Context) error {
	if err := prepareAll(ctx, db.db, []stmtText{
		{&db.stmts.insertTag, insertTagSQL},
		{&db.stmts.insertPostTag, insertPostTagSQL},
		{&db.stmts.countPosts, countPostsSQL},
		{&db.stmts.countChanges, countChangesSQL},
		{&db.stmts.countTags, countTagsSQL},
		{&db.stmts.postByURL, postByURLSQL},
		{&db.stmts.tokenByHash, tokenByHashSQL},
		{&db.stmts.siteChanges, siteChangesSQL},
		{&db.stmts.slugCounters, slugCountersSQL},
		{&db.stmts.saveSlugCounters, saveSlugCountersSQL},
		{&db.stmts.urlTaken, urlTakenSQL},
		{&db.stmts.claimJob, claimJobSQL},
		{&db.stmts.claimJobs, claimJobsSQL},
		{&db.stmts.insertJobs, insertJobsSQL},
		{&db.stmts.completeJob, completeJobSQL},
		{&db.stmts.webmentionsSent, webmentionsSentSQL},
		{&db.stmts.postsUsing, postsUsingSQL},
	}); err != nil {
		db.closeStmts()
		return err
	}
	// Every size of the multi-row inserts is prepared now, not on first use: preparing
	// through the pool takes a second connection, and the writer, holding the write lock
	// in its transaction, would wait for one while the others wait for the lock.
	for _, rs := range []struct {
		stmts *rowStmts
		text  func(n int) string
	}{
		{&db.stmts.insertPosts, insertPostsSQL},
		{&db.stmts.insertTags, insertTagsSQL},
		{&db.stmts.insertPostTags, insertPostTagsSQL},
	} {
		for i := range rs.stmts.bySize {
			st, err := db.db.PrepareContext(ctx, rs.text(1<<i))
			if err != nil {
				db.closeStmts()
				return fmt.Errorf("prepare: %w", err)
			}
			rs.stmts.bySize[i] = st
		}
	}
	return nil
}

func (db *DB) closeStmts() error {
	errs := []error{closeAll(db.stmts.insertTag, db.stmts.insertPostTag,
		db.stmts.countPosts, db.stmts.countChanges, db.stmts.countTags,
		db.stmts.postByURL, db.stmts.tokenByHash, db.stmts.siteChanges,
		db.stmts.slugCounters, db.stmts.saveSlugCounters, db.stmts.urlTaken,
		db.stmts.claimJob, db.stmts.claimJobs, db.stmts.insertJobs, db.stmts.completeJob, db.stmts.webmentionsSent,
		db.stmts.postsUsing)}
	for _, rs := range []*rowStmts{&db.stmts.insertPosts, &db.stmts.insertTags, &db.stmts.insertPostTags} {
		errs = append(errs, rs.close())
	}
	db.stmts = stmts{}
	return errors.Join(errs...)
}

// maxChunk is the most rows one multi-row insert takes (1<<maxChunkLog): at 11 variables
// a row, well under SQLite's limit of 32,766.
const (
	maxChunkLog = 8
	maxChunk    = 1 << maxChunkLog
)

// chunkLen is how many of n rows the next multi-row insert takes: the largest power of
// two not over n (and maxChunk), so that a group of any size is stored with at most
// log2(maxChunk)+1 statements of sizes compiled once each.
func chunkLen(n int) int {
	return 1 << (bits.Len(uint(min(n, maxChunk))) - 1)
}

// rowStmts holds one multi-row statement per chunk size (1, 2, 4 … maxChunk rows),
// all prepared by DB.prepare.
type rowStmts struct {
	bySize [maxChunkLog + 1]*sql.Stmt
}

// get is the statement for n rows, n a power of two up to maxChunk.
func (rs *rowStmts) get(n int) *sql.Stmt {
	return rs.bySize[bits.TrailingZeros(uint(n))]
}

func (rs *rowStmts) close() error {
	err := closeAll(rs.bySize[:]...)
	*rs = rowStmts{}
	return err
}

// rowValues is n rows of cols placeholders each: "(?,?),(?,?)".
func rowValues(n, cols int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	return strings.TrimSuffix(strings.Repeat(row+",", n), ",")
}

// insertPostsSQL inserts n posts, ignoring those whose URL is taken, and names those it
// inserted.
func insertPostsSQL(n int) string {
	return `INSERT OR IGNORE INTO posts
		(url, slug, post_type, item, published, updated, deleted, status, visibility, syndicate_to, copies)
		VALUES ` + rowValues(n, 11) + ` RETURNING id, url`
}

// insertTagsSQL creates n tags (norm, display); a tag keeps the display form first
// written, so the first row of a new tag wins.
func insertTagsSQL(n int) string {
	return `INSERT INTO tags (norm, display) VALUES ` + rowValues(n, 2) + ` ON CONFLICT (norm) DO NOTHING`
}

// insertPostTagsSQL links n (post, tag) pairs, each given as tagRow.args.
func insertPostTagsSQL(n int) string {
	return `INSERT OR IGNORE INTO post_tags
		(post_id, tag_id, published, post_type, deleted, status, visibility)
		SELECT v.column1, t.id, v.column2, v.column3, v.column4, v.column5, v.column6
		FROM (VALUES ` + rowValues(n, 7) + `) v JOIN tags t ON t.norm = v.column7`
}
