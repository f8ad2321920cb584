package postgres

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
)

// A group whose URLs are all free, the common case, is stored in one round trip: BEGIN,
// the posts' insert, their tags, apps and PostChanged jobs, the NOTIFY and COMMIT go to
// PostgreSQL as one pipeline, and the writer waits once, for the commit. Two things
// make that possible:
//
//   - the statements after the posts' insert name the posts by URL, not by id (the ids
//     come back with the insert's RETURNING, read once the pipeline has run), and join
//     the posts table for the ids: later statements of a transaction see its earlier
//     inserts;
//   - every URL is free: the insert has no ON CONFLICT clause, so a URL taken makes it
//     fail with unique_violation, PostgreSQL skips the rest of the pipeline (COMMIT
//     included) and the writer rolls back and stores the group the long way (tryGroup),
//     which gives each create its own outcome and numbers the slugs that need it. So a
//     post joined by URL is always one this transaction inserted, and the unique index
//     still decides, as for the long way; the short way only stops at the first URL
//     taken.
//
// A group with two creates of one URL goes the long way at once, and so does every group
// after one that found a URL taken, until a group finds none: creates of one slug in a
// row (the same text posted again and again) then cost no failed attempt each.

// insertFreshPostsSQL is insertPostsSQL without ON CONFLICT: a URL taken fails it.
const insertFreshPostsSQL = insertPostsFrom + ` RETURNING id, url`

const (
	// insertPostTagsByURLSQL links posts, named by URL, to tags by the tags' norms, with
	// the posts' listing fields copied in, in the order insertPostTagsSQL takes.
	insertPostTagsByURLSQL = `INSERT INTO post_tags (post_id, tag_id, published, post_type, deleted, status, visibility)
		SELECT p.id, t.id, p.published, p.post_type, p.deleted, p.status, p.visibility
		FROM unnest($1::text[], $2::text[]) AS v(url, norm)
		JOIN posts p ON p.url = v.url JOIN tags t ON t.norm = v.norm
		ORDER BY p.id, t.id ON CONFLICT DO NOTHING`
	// insertPostClientsByURLSQL records the app that created each post, named by URL.
	insertPostClientsByURLSQL = `INSERT INTO post_clients (post_id, client_id)
		SELECT p.id, v.client_id FROM unnest($1::text[], $2::text[]) AS v(url, client_id)
		JOIN posts p ON p.url = v.url ORDER BY 1`
)

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
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	sorted, args := postsArgs(group)
	b.Queue(insertFreshPostsSQL, args...)
	if err := db.extrasByURL(b, group); err != nil {
		return err
	}
	b.Queue(`COMMIT`)
	br := conn.SendBatch(ctx, b)
	_, err = br.Exec()
	if err == nil {
		var rows pgx.Rows
		if rows, err = br.Query(); err == nil {
			err = readIDs(rows, sorted)
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		// COMMIT was skipped with the rest of the pipeline, or, if the error came
		// after, rolled back the failed transaction; the ROLLBACK ends a transaction
		// left open either way.
		if _, rerr := conn.Exec(ctx, `ROLLBACK`); rerr != nil {
			conn.Close(ctx) // a connection in an unknown state is not given back
		}
		return err
	}
	db.oneTrips++
	db.wakeJobs()
	return nil
}

// extrasByURL is extras for a group all of whose posts are being inserted in the same
// pipeline, their ids not known yet: it names them by URL.
func (db *DB) extrasByURL(b *pgx.Batch, group []*createReq) error {
	posts := make([]*post.Post, len(group))
	changes := make([]jobs.PostChange, len(group))
	var clientURLs, clients []string
	for i, req := range group {
		posts[i] = req.p
		changes[i] = jobs.PostChange{URL: req.p.URL, Action: jobs.ActionCreate}
		if req.p.ClientID != "" {
			clientURLs = append(clientURLs, req.p.URL)
			clients = append(clients, req.p.ClientID)
		}
	}
	if rows := tagRows(posts); len(rows) > 0 {
		slices.SortStableFunc(rows, func(a, b tagRow) int { return cmp.Compare(a.norm, b.norm) })
		urls, norms, displays := make([]string, len(rows)), make([]string, len(rows)), make([]string, len(rows))
		for i, r := range rows {
			urls[i], norms[i], displays[i] = r.p.URL, r.norm, r.display
		}
		b.Queue(insertTagsSQL, norms, displays)
		b.Queue(insertPostTagsByURLSQL, urls, norms)
	}
	if len(clients) > 0 {
		b.Queue(insertPostClientsByURLSQL, clientURLs, clients)
	}
	return db.queuePostChanges(b, changes, posts)
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
