package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"time"
)

// The search index (post_search) is written behind the posts, not in their transactions
// (migrations/0026_search_behind.sql): a create costs the writer no full-text work, and
// the index takes the posts a batch at a time, which costs FTS5 far less per post than a
// segment for every group commit. Two things bring it up to date: the indexer goroutine,
// searchDelay after writes, and SearchPosts itself, which first indexes whatever is behind
// so that a search finds every post stored before it.

// The index transaction's statements, prepared once (stmts.go): searchMarkSQL reads
// the mark and the last post of this batch, then searchStepsSQL run in order.
const searchMarkSQL = `SELECT id, min((SELECT coalesce(max(id), 0) FROM posts), id + ?) FROM search_indexed`

var searchStepsSQL = [...]string{
	// The changed posts indexed before (up to the mark): their old rows out, their rows as
	// they are now in.
	`DELETE FROM post_search WHERE rowid IN (SELECT post_id FROM search_backlog WHERE post_id <= ?)`,
	`INSERT INTO post_search (rowid, name, content, tags, access) SELECT id, name, content, tags, access
		FROM post_search_text WHERE id IN (SELECT post_id FROM search_backlog WHERE post_id <= ?)`,
	// The new posts (mark, next], as they are now: their changes so far need no more.
	`INSERT INTO post_search (rowid, name, content, tags, access) SELECT id, name, content, tags, access
		FROM post_search_text WHERE id > ? AND id <= ?`,
	`DELETE FROM search_backlog WHERE post_id <= ?`,
	`UPDATE search_indexed SET id = ?`,
}

const (
	// searchDelay is how long the indexer lets writes gather after it is woken.
	searchDelay = 100 * time.Millisecond
	// searchBatch is how many new posts one index transaction takes. The transaction
	// stops the group writer (one writer at a time), so it is kept to about a millisecond:
	// at 512 posts a batch, under 5,000 creates/s, each batch held the writer for 5.7 ms
	// (27 ms at worst), and those stops were most of the creates' p99; at 64, 1.3 ms
	// (p99 5 ms), for about 8 µs more of FTS5 work a post.
	searchBatch = 64
)

// wakeSearch tells the indexer that posts were written.
func (db *DB) wakeSearch() {
	select {
	case db.searchWake <- struct{}{}:
	default:
	}
}

// searchLoop indexes what is behind, searchDelay after each wake, until the store closes.
func (db *DB) searchLoop() {
	defer close(db.searchDone)
	for {
		select {
		case <-db.searchWake:
		case <-db.closing:
			return
		}
		select {
		case <-time.After(searchDelay):
		case <-db.closing:
			return
		}
		if err := db.catchUpSearch(context.Background(), 0); err != nil {
			db.logger.Warn("search index", "err", err)
		}
	}
}

// catchUpSearch indexes in batches until the index holds every post up to upTo (the
// newest post now when 0) and every change stored before the call.
func (db *DB) catchUpSearch(ctx context.Context, upTo int64) error {
	if upTo == 0 {
		behind, newest, err := db.searchBehind(ctx)
		if err != nil || !behind {
			return err
		}
		upTo = newest
	}
	for {
		mark, err := db.indexSearch(ctx)
		if err != nil {
			return db.space.check(err)
		}
		if mark >= upTo {
			return nil
		}
		// Let the writer, waiting for db.writing, commit its group before the next batch.
		runtime.Gosched()
	}
}

// searchBehind reports whether posts or changes wait to be indexed, and the newest
// post's ID.
func (db *DB) searchBehind(ctx context.Context) (behind bool, newest int64, err error) {
	err = db.db.QueryRowContext(ctx, `SELECT (SELECT coalesce(max(id), 0) FROM posts),
		(SELECT coalesce(max(id), 0) FROM posts) > (SELECT id FROM search_indexed)
		OR EXISTS (SELECT 1 FROM search_backlog)`).Scan(&newest, &behind)
	if err != nil {
		return false, 0, fmt.Errorf("search index: %w", err)
	}
	return behind, newest, nil
}

// indexSearch runs one index transaction: the rows of the posts changed since they were
// indexed are replaced, and up to searchBatch new posts are added. It returns the
// highest post ID indexed.
func (db *DB) indexSearch(ctx context.Context) (int64, error) {
	db.writing.Lock()
	defer db.writing.Unlock()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("search index: %w", err)
	}
	defer tx.Rollback()
	var mark, next int64
	if err := tx.StmtContext(ctx, db.stmts.searchMark).QueryRowContext(ctx, searchBatch).Scan(&mark, &next); err != nil {
		return 0, fmt.Errorf("search index: %w", err)
	}
	st := &db.stmts.searchSteps
	for _, step := range []struct {
		st   *sql.Stmt
		args []any
	}{
		{st[0], []any{mark}}, {st[1], []any{mark}}, {st[2], []any{mark, next}}, {st[3], []any{next}}, {st[4], []any{next}},
	} {
		if _, err := tx.StmtContext(ctx, step.st).ExecContext(ctx, step.args...); err != nil {
			return 0, fmt.Errorf("search index: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("search index: commit: %w", err)
	}
	return next, nil
}
