package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
)

// Every commit waits for the write-ahead log to reach the disk, which costs the same
// whether it carries one post or many. So creates go through one writer goroutine per
// instance that takes every create waiting at that moment and stores them together: one
// transaction, one statement inserting the posts with their tags' links, apps and jobs,
// one round trip (onetrip.go). While a group commits the next one gathers, so the group
// size follows the load with no timer.
//
// Each create still gets its own answer. A URL already taken (by a stored post, by a
// create of another instance, or by an earlier create in the same group) is skipped by
// the unique index (ON CONFLICT DO NOTHING) and reported as post.ErrExists to that
// caller alone, or numbered (slugs.go). Any other failure rolls the group back and its
// creates are tried the long way (tryGroup), then one transaction each, so the failure
// reaches only the create that causes it.

// maxGroup bounds a group so that one commit stays short.
const maxGroup = 256

// errClosed is what a create gets once the store is closing.
var errClosed = errors.New("store closed")

type createReq struct {
	ctx                context.Context
	p                  *post.Post
	item, synd, copies string
	id                 int64
	err                error
	done               chan error

	// A numbered create (CreateNumbered) has urlOf, the URL of a slug; base and key are
	// its slug and URL as submitted, which a taken URL numbers (slugs.go).
	urlOf     func(slug string) string
	base, key string
	// kept: the create's numbered URL was handed out by a counter in a transaction that
	// committed, and its post was not stored; attempts the long way try that URL first,
	// so that the number is not lost (a gap in the slug's numbers).
	kept bool

	// files are the files the post uses (files.go), most often none.
	files []string
}

// numbered reports whether a taken URL sends the create to a numbered slug.
func (req *createReq) numbered() bool { return req.urlOf != nil }

// numberable reports whether the create is numbered and numbers make new URLs: its URL
// pattern has the slug.
func (req *createReq) numberable() bool {
	return req.numbered() && req.urlOf(post.NthSlug(req.base, 2)) != req.key
}

// setNumber moves a numbered create to its slug's n-th URL.
func (req *createReq) setNumber(n int) {
	req.p.Slug = post.NthSlug(req.base, n)
	req.p.URL = req.urlOf(req.p.Slug)
}

// reset forgets what an attempt to store the create set, for another; a kept create
// keeps its numbered URL.
func (req *createReq) reset() {
	req.err, req.id, req.p.ID = nil, 0, 0
	if req.numbered() && !req.kept {
		req.p.Slug, req.p.URL = req.base, req.key
	}
}

func (db *DB) startWriter() {
	db.creates = make(chan *createReq)
	db.closing = make(chan struct{})
	db.writerDone = make(chan struct{})
	go db.writeLoop()
}

func (db *DB) stopWriter() {
	db.closeOnce.Do(func() {
		close(db.closing)
		<-db.writerDone
	})
}

// submit hands a create to the writer and waits for its result. Once handed over the
// caller waits even if ctx ends, so it never reports failure for a post that was stored.
func (db *DB) submit(ctx context.Context, req *createReq) error {
	select {
	case db.creates <- req:
	case <-ctx.Done():
		return fmt.Errorf("create post: %w", ctx.Err())
	case <-db.closing:
		return fmt.Errorf("create post: %w", errClosed)
	}
	return <-req.done
}

func (db *DB) writeLoop() {
	defer close(db.writerDone)
	for {
		var group []*createReq
		select {
		case req := <-db.creates:
			group = append(group, req)
		case <-db.closing:
			return
		}
		group = db.gather(group)
		// Yielding once lets the requests already being handled reach submit first; it
		// waits on no timer, so an idle server still commits a lone create at once.
		if len(group) < maxGroup {
			runtime.Gosched()
			group = db.gather(group)
		}
		db.commitGroup(group)
		for _, req := range group {
			if req.err == nil {
				req.p.ID = req.id
			}
			req.done <- req.err
		}
	}
}

// gather adds the creates waiting now to group, up to maxGroup.
func (db *DB) gather(group []*createReq) []*createReq {
	for len(group) < maxGroup {
		select {
		case req := <-db.creates:
			group = append(group, req)
		default:
			return group
		}
	}
	return group
}

// commitGroup stores the group, setting each create's id or err.
func (db *DB) commitGroup(group []*createReq) {
	live := group[:0:0]
	for _, req := range group {
		if err := req.ctx.Err(); err != nil {
			req.err = fmt.Errorf("create post: %w", err)
			continue
		}
		live = append(live, req)
	}
	if len(live) == 0 {
		return
	}
	rest, err := db.insertGroup(live)
	if err == nil {
		return
	}
	if len(rest) == 1 {
		rest[0].err = err
		return
	}
	for _, req := range rest {
		if _, err := db.insertGroup([]*createReq{req}); err != nil {
			req.err = err
		}
	}
}

// insertGroup stores the group's posts, tags, apps and jobs (onetrip.go). Creates whose
// URL is taken get post.ErrExists in their err, unless they are numbered (slugs.go); the
// error returned fails the creates it returns, none of which was stored.
func (db *DB) insertGroup(group []*createReq) (rest []*createReq, err error) {
	// The group's transaction must not end with any one caller's context.
	ctx := context.Background()
	for _, req := range group {
		req.kept = false
		req.reset()
	}
	hold := db.clashing
	numbered, err := db.oneTrip(ctx, func(conn *pgx.Conn) ([]*createReq, error) {
		numbered, err := db.tryOneTrip(ctx, conn, group, trip{number: true, hold: hold})
		if err == nil {
			db.clashing = len(numbered) > 0
		}
		if err != nil || !hold {
			return numbered, err
		}
		return db.tryOneTrip(ctx, conn, numbered, trip{begun: true})
	})
	if err != nil {
		// Nothing was stored; the long way tells each create its own outcome.
		return group, db.longWay(ctx, group)
	}
	left := numbered
	if len(numbered) > 0 && !hold {
		left, err = db.oneTrip(ctx, func(conn *pgx.Conn) ([]*createReq, error) {
			return db.tryOneTrip(ctx, conn, numbered, trip{})
		})
		if err != nil {
			// The numbers committed with the first transaction (a deadlock with another
			// instance's group, most often, aborted this one): the long way tries them
			// first.
			left = numbered
			for _, req := range left {
				req.kept = true
			}
		}
	}
	if len(left) == 0 {
		return nil, nil
	}
	// A numbered URL taken anyway, or a failure.
	return left, db.longWay(ctx, left)
}

// oneTrip runs fn, which ends the transaction it begins unless it fails, on a connection
// of its own.
func (db *DB) oneTrip(ctx context.Context, fn func(conn *pgx.Conn) ([]*createReq, error)) ([]*createReq, error) {
	conn, release, err := db.groupConn(ctx)
	if err != nil {
		return nil, err
	}
	rest, err := fn(conn)
	release(err == nil)
	return rest, err
}

// longWay stores group with tryGroup, trying again a transaction PostgreSQL aborted as a
// deadlock victim.
func (db *DB) longWay(ctx context.Context, group []*createReq) error {
	for attempt := 1; ; attempt++ {
		err := db.tryGroup(ctx, group)
		if err == nil {
			return nil
		}
		if attempt == maxAttempts || !retryable(err) {
			return fmt.Errorf("create post: %w", noSpace(err))
		}
	}
}

// groupConn takes a connection for a group's transaction. release gives it back, after a
// ROLLBACK unless the transaction committed; one in an unknown state is closed instead.
func (db *DB) groupConn(ctx context.Context) (conn *pgx.Conn, release func(committed bool), err error) {
	pc, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	conn = pc.Conn()
	return conn, func(committed bool) {
		if !committed {
			if _, rerr := conn.Exec(ctx, `ROLLBACK`); rerr != nil {
				conn.Close(ctx)
			}
		}
		pc.Release()
	}, nil
}

// tryGroup is one attempt at a group's transaction the long way, for a group the one
// round trip failed to store, or a numbered create whose numbered URL was taken anyway:
// BEGIN with the posts' insert, which reports the URLs taken, then the numbered slugs
// (two statements per URL, and lookups for a number taken anyway), the tags, the apps
// and COMMIT.
func (db *DB) tryGroup(ctx context.Context, group []*createReq) (err error) {
	for _, req := range group {
		req.reset()
	}
	conn, release, err := db.groupConn(ctx)
	if err != nil {
		return err
	}
	committed := false
	defer func() { release(committed) }()
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	sorted, args := postsArgs(firsts(group))
	if len(sorted) > 0 {
		b.Queue(insertPostsSQL, args...)
	}
	br := conn.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return err
	}
	if len(sorted) > 0 {
		rows, err := br.Query()
		if err == nil {
			err = readIDs(rows, sorted)
		}
		if err != nil {
			br.Close()
			return err
		}
	}
	if err := br.Close(); err != nil {
		return err
	}
	// The numbered creates whose URL was taken, in the group's order, so that numbers
	// follow the order of arrival.
	var clashed []*createReq
	for _, req := range group {
		if req.numbered() && errors.Is(req.err, post.ErrExists) {
			req.err = nil
			clashed = append(clashed, req)
		}
	}
	if err := db.numberAll(ctx, conn, clashed); err != nil {
		return err
	}
	b = &pgx.Batch{}
	if err := db.extras(b, group); err != nil {
		return err
	}
	b.Queue(`COMMIT`)
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	committed = true
	db.wakeJobs()
	return nil
}

// querier is what a transaction's statements run on: a pgx.Tx, or a connection inside
// a transaction begun by hand.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// firsts returns the group's creates to insert as they are: all but the numbered ones
// whose URL an earlier create of the group has, which are marked taken to be numbered.
func firsts(group []*createReq) []*createReq {
	seen := make(map[string]bool, len(group))
	first := make([]*createReq, 0, len(group))
	for _, req := range group {
		if req.numbered() && seen[req.p.URL] {
			req.err = post.ErrExists
			continue
		}
		seen[req.p.URL] = true
		first = append(first, req)
	}
	return first
}

// insertPostsFrom inserts posts given as one array per column (postsArgs), in the
// arrays' order.
const insertPostsFrom = `INSERT INTO posts
	(url, slug, post_type, item, published, updated, deleted, status, visibility, syndicate_to, copies)
	SELECT url, slug, post_type, item, published, updated, deleted, status, visibility, syndicate_to, copies
	FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bool[],
		$8::text[], $9::text[], $10::text[], $11::text[]) WITH ORDINALITY
		AS v(url, slug, post_type, item, published, updated, deleted, status, visibility, syndicate_to, copies, ord)
	ORDER BY ord`

// insertPostsSQL inserts posts as insertPostsFrom does, skipping those whose URL is
// taken, and names those it inserted.
const insertPostsSQL = insertPostsFrom + ` ON CONFLICT (url) DO NOTHING RETURNING id, url`

// insertPosts inserts reqs' posts with one statement (postsArgs); a create whose URL is
// taken gets post.ErrExists.
func insertPosts(ctx context.Context, q querier, reqs []*createReq) error {
	sorted, args := postsArgs(reqs)
	if len(sorted) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, insertPostsSQL, args...)
	if err != nil {
		return err
	}
	return readIDs(rows, sorted)
}

// postsArgs are insertPostsSQL's arguments for reqs, in the order of their URLs, which it
// returns: two instances inserting overlapping groups take the unique index's entries
// in the same order, so neither waits for the other in a cycle.
func postsArgs(reqs []*createReq) ([]*createReq, []any) {
	sorted := slices.Clone(reqs)
	slices.SortStableFunc(sorted, func(a, b *createReq) int { return strings.Compare(a.p.URL, b.p.URL) })
	cols := struct {
		url, slug, typ, item, published, updated, status, visibility, synd, copies []string
		deleted                                                                    []bool
	}{}
	for _, req := range sorted {
		p := req.p
		cols.url = append(cols.url, p.URL)
		cols.slug = append(cols.slug, p.Slug)
		cols.typ = append(cols.typ, p.Type)
		cols.item = append(cols.item, req.item)
		cols.published = append(cols.published, formatTime(p.Published))
		cols.updated = append(cols.updated, formatTime(p.Updated))
		cols.deleted = append(cols.deleted, p.Deleted)
		cols.status = append(cols.status, p.Status)
		cols.visibility = append(cols.visibility, p.Visibility)
		cols.synd = append(cols.synd, req.synd)
		cols.copies = append(cols.copies, req.copies)
	}
	return sorted, []any{cols.url, cols.slug, cols.typ, cols.item, cols.published, cols.updated,
		cols.deleted, cols.status, cols.visibility, cols.synd, cols.copies}
}

// readIDs reads insertPostsSQL's RETURNING and gives each create its id, or
// post.ErrExists when its URL is missing: it was taken.
func readIDs(rows pgx.Rows, sorted []*createReq) error {
	defer rows.Close()
	ids := make(map[string]int64, len(sorted))
	for rows.Next() {
		var id int64
		var url string
		if err := rows.Scan(&id, &url); err != nil {
			return err
		}
		ids[url] = id
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, req := range sorted {
		// Two creates of one URL: the first was inserted, the second skipped.
		id, ok := ids[req.p.URL]
		if !ok {
			req.err = fmt.Errorf("post %s: %w", req.p.URL, post.ErrExists)
			continue
		}
		req.id = id
		delete(ids, req.p.URL)
	}
	return nil
}

// tagRow is one post's link to one tag.
type tagRow struct {
	p             *post.Post
	norm, display string
}

// tagRows are the links of posts to their tags.
func tagRows(posts []*post.Post) []tagRow {
	var rows []tagRow
	for _, p := range posts {
		for _, t := range p.Categories {
			if norm := post.NormalizeTag(t); norm != "" {
				rows = append(rows, tagRow{p, norm, strings.TrimSpace(t)})
			}
		}
	}
	return rows
}

const (
	// insertTagsSQL creates the tags never seen; a tag keeps the display form first
	// written, so the first row of a new tag wins. Rows go in the order of their norm,
	// so that concurrent transactions take the index entries in one order.
	insertTagsSQL = `INSERT INTO tags (norm, display)
		SELECT norm, display FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS v(norm, display, ord)
		ORDER BY norm, ord ON CONFLICT (norm) DO NOTHING`
	// insertPostTagsSQL links posts to tags by the tags' norms, with the posts' listing
	// fields copied in.
	insertPostTagsSQL = `INSERT INTO post_tags (post_id, tag_id, published, post_type, deleted, status, visibility)
		SELECT v.post_id, t.id, v.published, v.post_type, v.deleted, v.status, v.visibility
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bool[], $5::text[], $6::text[], $7::text[])
			AS v(post_id, published, post_type, deleted, status, visibility, norm)
		JOIN tags t ON t.norm = v.norm ORDER BY v.post_id, t.id ON CONFLICT DO NOTHING`
	insertPostClientsSQL = `INSERT INTO post_clients (post_id, client_id)
		SELECT * FROM unnest($1::bigint[], $2::text[]) ORDER BY 1`
)

func queueTags(b *pgx.Batch, rows []tagRow) {
	var norms, displays, published, types, statuses, visibilities []string
	var ids []int64
	var deleted []bool
	for _, r := range rows {
		norms = append(norms, r.norm)
		displays = append(displays, r.display)
		ids = append(ids, r.p.ID)
		published = append(published, formatTime(r.p.Published))
		types = append(types, r.p.Type)
		deleted = append(deleted, r.p.Deleted)
		statuses = append(statuses, r.p.Status)
		visibilities = append(visibilities, r.p.Visibility)
	}
	b.Queue(insertTagsSQL, norms, displays)
	b.Queue(insertPostTagsSQL, ids, published, types, deleted, statuses, visibilities, norms)
}

// extras queues on b what stores the tags of the group's inserted posts, the app that
// created each (post.Post.ClientID) and each one's PostChanged job, which so commits
// with it: a crash keeps both or neither.
func (db *DB) extras(b *pgx.Batch, group []*createReq) error {
	var stored []*post.Post
	var clientPosts []int64
	var clients []string
	var changes []jobs.PostChange
	for _, req := range group {
		if req.err != nil {
			continue
		}
		req.p.ID = req.id
		stored = append(stored, req.p)
		changes = append(changes, jobs.PostChange{URL: req.p.URL, Action: jobs.ActionCreate})
		if req.p.ClientID != "" {
			clientPosts = append(clientPosts, req.id)
			clients = append(clients, req.p.ClientID)
		}
	}
	if rows := tagRows(stored); len(rows) > 0 {
		slices.SortStableFunc(rows, func(a, b tagRow) int { return cmp.Compare(a.norm, b.norm) })
		queueTags(b, rows)
	}
	if len(clients) > 0 {
		b.Queue(insertPostClientsSQL, clientPosts, clients)
	}
	queuePostFiles(b, group)
	return db.queuePostChanges(b, changes, stored)
}
