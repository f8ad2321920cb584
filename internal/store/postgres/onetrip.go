package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/indiepub/indiepub/internal/post"
)

// A group whose URLs are all free, the common case, is stored in one round trip: BEGIN,
// the posts' insert, their tags, apps and PostChanged jobs, the NOTIFY and COMMIT go to
// PostgreSQL as one pipeline, and the writer waits once, for the commit. That takes two
// things known before the posts are inserted:
//
//   - their ids, which the tags, apps and jobs refer to: the writer takes them from the
//     posts' identity sequence in advance, idBlock at a time (one round trip outside any
//     transaction per idBlock creates), and inserts each post with its own;
//   - that every URL is free: the insert has no ON CONFLICT clause, so a URL taken makes
//     it fail with unique_violation, PostgreSQL skips the rest of the pipeline (COMMIT
//     included) and the writer rolls back and stores the group the long way (tryGroup),
//     which gives each create its own outcome and numbers the slugs that need it. The
//     unique index still decides, as for the long way; the short way only stops at the
//     first URL taken.
//
// A group with two creates of one URL goes the long way at once, and so does every group
// after one that found a URL taken, until a group finds none: creates of one slug in a
// row (the same text posted again and again) then cost no failed attempt each.

// idBlock is how many post ids the writer takes from the sequence at once. The ids of a
// block an instance does not use (it stops, or its groups go the long way, which lets
// the column's default number the posts) are never used: ids have gaps, as they have
// after any rollback, and stay unique.
const idBlock = 1024

// takeIDsSQL takes $1 ids from the posts' identity sequence.
const takeIDsSQL = `SELECT nextval(pg_get_serial_sequence('posts', 'id')) FROM generate_series(1, $1::int)`

// insertNewPostsSQL inserts posts with their ids, given as one array per column, in the
// arrays' order; a URL taken fails it (unique_violation).
const insertNewPostsSQL = `INSERT INTO posts
	(id, url, slug, post_type, item, published, updated, deleted, status, visibility, syndicate_to, copies)
	SELECT id, url, slug, post_type, item, published, updated, deleted, status, visibility, syndicate_to, copies
	FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
		$8::bool[], $9::text[], $10::text[], $11::text[], $12::text[]) WITH ORDINALITY
		AS v(id, url, slug, post_type, item, published, updated, deleted, status, visibility, syndicate_to, copies, ord)
	ORDER BY ord`

// tryOneTrip stores group, whose URLs are distinct, in one transaction sent as one
// pipeline. Any error leaves nothing stored.
func (db *DB) tryOneTrip(ctx context.Context, group []*createReq) (err error) {
	for _, req := range group {
		req.reset()
	}
	pc, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer pc.Release()
	conn := pc.Conn()
	if err := db.takeIDs(ctx, conn, len(group)); err != nil {
		return err
	}
	for _, req := range group {
		req.id, db.ids = db.ids[0], db.ids[1:]
	}
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	sorted, args := postsArgs(group)
	ids := make([]int64, len(sorted))
	for i, req := range sorted {
		ids[i] = req.id
	}
	b.Queue(insertNewPostsSQL, append([]any{ids}, args...)...)
	if err := db.extras(b, group); err != nil {
		return err
	}
	b.Queue(`COMMIT`)
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		// COMMIT was skipped with the rest of the pipeline, or, if the error came
		// after, rolled back the failed transaction; the ROLLBACK ends a transaction
		// left open either way.
		if _, rerr := conn.Exec(ctx, `ROLLBACK`); rerr != nil {
			conn.Close(ctx) // a connection in an unknown state is not given back
		}
		return err
	}
	db.wakeJobs()
	return nil
}

// takeIDs makes sure the writer holds at least n ids.
func (db *DB) takeIDs(ctx context.Context, conn *pgx.Conn, n int) error {
	if len(db.ids) >= n {
		return nil
	}
	rows, err := conn.Query(ctx, takeIDsSQL, max(n, idBlock))
	if err != nil {
		return fmt.Errorf("post ids: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("post ids: %w", err)
	}
	slices.Sort(ids)
	db.ids = append(db.ids, ids...)
	return nil
}

// distinctURLs reports whether no two of group's creates have one URL.
func distinctURLs(group []*createReq) bool {
	seen := make(map[string]bool, len(group))
	for _, req := range group {
		if seen[req.p.URL] {
			return false
		}
		seen[req.p.URL] = true
	}
	return true
}

// clashed reports whether a group stored the long way found a URL taken: a create got
// post.ErrExists or a numbered slug.
func clashed(group []*createReq) bool {
	for _, req := range group {
		if errors.Is(req.err, post.ErrExists) || req.numbered() && req.p.URL != req.key {
			return true
		}
	}
	return false
}

// urlTaken reports whether err is PostgreSQL's unique_violation (23505) of the posts'
// URLs (posts_url_key, the name PostgreSQL gives the UNIQUE of migrations/0001_schema.sql).
func urlTaken(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "posts_url_key"
}
