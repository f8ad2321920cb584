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
// the tags, the posts' insert with their links to tags and apps, their PostChanged jobs,
// the NOTIFY and COMMIT go to PostgreSQL as one pipeline, and the writer waits once, for
// the commit. Two things make that possible:
//
//   - the posts' ids are needed by no statement sent after the insert: one statement
//     inserts the posts and, in data-modifying CTEs, their tags' links and apps, taking
//     the ids from the insert's RETURNING; the ids come back with the statement's rows,
//     read once the pipeline has run. The tags themselves are inserted first, by a
//     statement of their own: rows a CTE inserts are invisible to the rest of its
//     statement, a previous statement's are not. (Joining the posts table by URL in later
//     statements instead made PostgreSQL scan the whole table of a young site, whose
//     cached plan chose a sequential scan.)
//   - every URL is free: the insert has no ON CONFLICT clause, so a URL taken makes it
//     fail with unique_violation, PostgreSQL skips the rest of the pipeline (COMMIT
//     included) and the writer rolls back and stores the group the long way (tryGroup),
//     which gives each create its own outcome and numbers the slugs that need it. The
//     unique index decides, as for the long way; the short way only stops at the first
//     URL taken.
//
// A group with two creates of one URL goes the long way at once, and so does every group
// after one that found a URL taken, until a group finds none: creates of one slug in a
// row (the same text posted again and again) then cost no failed attempt each.

// insertFreshPostsSQL inserts posts as insertPostsFrom does, without ON CONFLICT (a URL
// taken fails it), and with them their links to tags (an array of URLs, $12, and one of
// the tags' norms, $13: the tags exist), their apps (URLs $14, client IDs $15) and the
// files they use (URLs $16, file URLs $17), in the orders insertPostTagsSQL,
// insertPostClientsSQL and insertPostFilesSQL take; it names the posts inserted.
const insertFreshPostsSQL = `WITH ins AS (` + insertPostsFrom + `
		RETURNING id, url, published, post_type, deleted, status, visibility),
	linked AS (INSERT INTO post_tags (post_id, tag_id, published, post_type, deleted, status, visibility)
		SELECT ins.id, t.id, ins.published, ins.post_type, ins.deleted, ins.status, ins.visibility
		FROM unnest($12::text[], $13::text[]) AS v(url, norm)
		JOIN ins ON ins.url = v.url JOIN tags t ON t.norm = v.norm
		ORDER BY ins.id, t.id ON CONFLICT DO NOTHING),
	apps AS (INSERT INTO post_clients (post_id, client_id)
		SELECT ins.id, v.client_id FROM unnest($14::text[], $15::text[]) AS v(url, client_id)
		JOIN ins ON ins.url = v.url ORDER BY 1),
	files AS (INSERT INTO post_files (url, post_id)
		SELECT v.file, ins.id FROM unnest($16::text[], $17::text[]) AS v(url, file)
		JOIN ins ON ins.url = v.url ORDER BY 1, 2 ON CONFLICT DO NOTHING)
	SELECT id, url FROM ins`

// tryOneTrip stores group, whose URLs are distinct, in one transaction sent as one
// pipeline. Any error leaves nothing stored.
func (db *DB) tryOneTrip(ctx context.Context, group []*createReq) (err error) {
	conn, release, err := db.groupConn(ctx, group)
	if err != nil {
		return err
	}
	// COMMIT was skipped with the rest of the pipeline after an error, or, if the error
	// came after, rolled back the failed transaction; release's ROLLBACK ends a
	// transaction left open either way.
	defer func() { release(err == nil) }()
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	tags, clients := freshExtras(group)
	if len(tags.norms) > 0 {
		b.Queue(insertTagsSQL, tags.norms, tags.displays)
	}
	sorted, args := postsArgs(group)
	var fileOf, files []string
	for _, req := range group {
		for _, f := range req.files {
			fileOf, files = append(fileOf, req.p.URL), append(files, f)
		}
	}
	b.Queue(insertFreshPostsSQL, append(args, tags.urls, tags.norms, clients.urls, clients.ids, fileOf, files)...)
	if err := db.queuePostChanges(b, changesOf(group), postsOf(group)); err != nil {
		return err
	}
	b.Queue(`COMMIT`)
	br := conn.SendBatch(ctx, b)
	_, err = br.Exec()
	if err == nil && len(tags.norms) > 0 {
		_, err = br.Exec()
	}
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
		return err
	}
	db.oneTrips++
	db.wakeJobs()
	return nil
}

// byURL are columns of rows that name their post by URL.
type byURL struct{ urls, norms, displays, ids []string }

// freshExtras are the tags (urls, norms, displays; in the order of the norms) and the apps
// (urls, ids) of group's posts, for insertTagsSQL and insertFreshPostsSQL.
func freshExtras(group []*createReq) (tags, clients byURL) {
	rows := tagRows(postsOf(group))
	slices.SortStableFunc(rows, func(a, b tagRow) int { return cmp.Compare(a.norm, b.norm) })
	// Empty arrays, not NULL: the statement's unnest then gives no rows.
	tags = byURL{urls: []string{}, norms: []string{}, displays: []string{}}
	for _, r := range rows {
		tags.urls = append(tags.urls, r.p.URL)
		tags.norms = append(tags.norms, r.norm)
		tags.displays = append(tags.displays, r.display)
	}
	clients = byURL{urls: []string{}, ids: []string{}}
	for _, req := range group {
		if req.p.ClientID != "" {
			clients.urls = append(clients.urls, req.p.URL)
			clients.ids = append(clients.ids, req.p.ClientID)
		}
	}
	return tags, clients
}

// postsOf returns the posts of group's creates.
func postsOf(group []*createReq) []*post.Post {
	posts := make([]*post.Post, len(group))
	for i, req := range group {
		posts[i] = req.p
	}
	return posts
}

// changesOf returns the PostChanged changes of group's creates.
func changesOf(group []*createReq) []jobs.PostChange {
	changes := make([]jobs.PostChange, len(group))
	for i, req := range group {
		changes[i] = jobs.PostChange{URL: req.p.URL, Action: jobs.ActionCreate}
	}
	return changes
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
