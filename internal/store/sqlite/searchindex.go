package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"time"
)

// The search index (post_search, in its own file: searchdb.go) is written behind the
// posts, not in their transactions (migrations/0026_search_behind.sql): a create costs
// the writer no full-text work, and the index takes the posts a batch at a time, which
// costs FTS5 far less per post than a segment for every group commit. Two things bring it
// up to date: the indexer goroutine, searchDelay after writes, and SearchPosts itself,
// which first indexes whatever is behind so that a search finds every post stored before
// it.

// The index transaction's statements, prepared once on the search file's connections:
// searchMarkSQL reads how far the index is (posts, changes) and how far this batch goes,
// then searchStepsSQL run in order.
const searchMarkSQL = `SELECT id, seq, min((SELECT coalesce(max(id), 0) FROM posts), id + ?),
	(SELECT coalesce(max(seq), 0) FROM search_backlog) FROM search_indexed`

var searchStepsSQL = [...]string{
	// The posts indexed before (up to the mark) and changed since: their old rows out,
	// their rows as they are now in. The arguments: the changes taken, the last change
	// now, the mark.
	`DELETE FROM post_search WHERE rowid IN
		(SELECT post_id FROM search_backlog WHERE seq > ? AND seq <= ? AND post_id <= ?)`,
	`INSERT INTO post_search (rowid, name, content, tags, access) SELECT id, name, content, tags, access
		FROM post_search_text WHERE id IN
		(SELECT post_id FROM search_backlog WHERE seq > ? AND seq <= ? AND post_id <= ?)`,
	// The new posts (mark, next], as they are now: their changes so far need no more.
	`INSERT INTO post_search (rowid, name, content, tags, access) SELECT id, name, content, tags, access
		FROM post_search_text WHERE id > ? AND id <= ?`,
	`UPDATE search_indexed SET id = ?, seq = ?`,
}

// searchStmts are the index transaction's prepared statements.
type searchStmts struct {
	mark  *sql.Stmt
	steps [len(searchStepsSQL)]*sql.Stmt
}

func (ss *searchStmts) prepare(ctx context.Context, sdb *sql.DB) error {
	list := []stmtText{{&ss.mark, searchMarkSQL}}
	for i, q := range searchStepsSQL {
		list = append(list, stmtText{&ss.steps[i], q})
	}
	if err := prepareAll(ctx, sdb, list); err != nil {
		ss.close()
		return err
	}
	return nil
}

func (ss *searchStmts) close() error {
	err := closeAll(append([]*sql.Stmt{ss.mark}, ss.steps[:]...)...)
	*ss = searchStmts{}
	return err
}

const (
	// searchDelay is how long the indexer lets writes gather after it is woken.
	searchDelay = 100 * time.Millisecond
	// searchBatch is how many new posts one index transaction takes. When the index was
	// in the posts' file, each transaction stopped the group writer, so it was kept to
	// about a millisecond (64 posts). In its own file it stops no create, and larger
	// transactions cost FTS5 less a post (fewer, larger segments to write and merge: 12
	// µs a post at 1024 against 19 at 64, under 16 clients' creates; docs/PERFORMANCE.md).
	// A search catching up and a log reset of the posts' file (checkpoint.go) wait for
	// the batch under way, about 12 ms at this size for notes; posts of long texts take
	// longer, so a transaction that takes more than searchBatchTime halves the next one
	// (down to searchMinBatch), and one that takes less than a quarter of it doubles the
	// next, up to searchBatch again.
	searchBatch     = 1024
	searchMinBatch  = 16
	searchBatchTime = 25 * time.Millisecond
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
		if err := db.catchUpSearch(db.closingCtx, 0); err != nil && db.closingCtx.Err() == nil {
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
	for ctx.Err() == nil {
		mark, err := db.indexSearch(ctx)
		if err != nil {
			return db.space.check(err)
		}
		if mark >= upTo {
			return nil
		}
		// Let a search waiting to catch up, or a log reset (checkpoint.go), take its turn
		// between batches.
		runtime.Gosched()
	}
	return ctx.Err()
}

// searchBehind reports whether posts or changes wait to be indexed, and the newest
// post's ID.
func (db *DB) searchBehind(ctx context.Context) (behind bool, newest int64, err error) {
	err = db.search.QueryRowContext(ctx, `SELECT newest, newest > id
		OR (SELECT coalesce(max(seq), 0) FROM search_backlog) > seq
		FROM (SELECT coalesce(max(id), 0) AS newest FROM posts), search_indexed`).Scan(&newest, &behind)
	if err != nil {
		return false, 0, fmt.Errorf("search index: %w", err)
	}
	return behind, newest, nil
}

// indexSearch runs one index transaction: the rows of the posts changed since they were
// indexed are replaced, and up to db.searchStep new posts are added. It returns the
// highest post ID indexed. The transaction writes the search file alone; db.indexing
// lets one of this process's indexers (the loop, a search catching up) in at a time.
func (db *DB) indexSearch(ctx context.Context) (int64, error) {
	db.indexing.Lock()
	defer db.indexing.Unlock()
	most := db.searchBatch.Load()
	step := db.searchStep
	if step <= 0 || step > most {
		step = most
	}
	start := time.Now()
	next, err := db.indexStep(ctx, step)
	if err == nil {
		db.searchStep = nextSearchStep(step, most, time.Since(start), time.Duration(db.searchBatchTime.Load()))
	}
	return next, err
}

// nextSearchStep is how many new posts the next index transaction takes, after one
// that was given step of them lasted took.
func nextSearchStep(step, most int64, took, aim time.Duration) int64 {
	switch {
	case took > aim:
		return max(step/2, min(searchMinBatch, most))
	case took < aim/4:
		return min(step*2, most)
	}
	return step
}

// indexStep is indexSearch's transaction, adding up to step new posts.
func (db *DB) indexStep(ctx context.Context, step int64) (int64, error) {
	tx, err := db.search.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("search index: %w", err)
	}
	defer tx.Rollback()
	// Write first, so that the transaction takes the search file's write lock before it
	// reads: another process's indexer (a command run beside the server indexes its own
	// writes) then finishes first, and this one reads what it wrote. Reading first, the
	// transaction could not write once that other one had committed (SQLITE_BUSY_SNAPSHOT).
	if _, err := tx.ExecContext(ctx, `UPDATE search_indexed SET id = id`); err != nil {
		return 0, fmt.Errorf("search index: %w", err)
	}
	var mark, seq, next, lastSeq int64
	if err := tx.StmtContext(ctx, db.searchStmts.mark).QueryRowContext(ctx, step).Scan(&mark, &seq, &next, &lastSeq); err != nil {
		return 0, fmt.Errorf("search index: %w", err)
	}
	st := &db.searchStmts.steps
	for _, step := range []struct {
		st   *sql.Stmt
		args []any
	}{
		{st[0], []any{seq, lastSeq, mark}}, {st[1], []any{seq, lastSeq, mark}},
		{st[2], []any{mark, next}}, {st[3], []any{max(mark, next), lastSeq}},
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
