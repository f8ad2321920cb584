package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
)

// SQLite has one writer at a time. Creates from many goroutines would each wait for the
// write lock (busy_timeout polls with sleeps of milliseconds) and each pay a commit, so
// instead one writer goroutine takes every create waiting at that moment and commits them
// together: one transaction, in which prepared statements (stmts.go) run once per post and
// per tag. While a group commits the next one gathers, so the group size follows the load
// with no timer.
//
// Each create still gets its own answer. A URL already taken (by a stored post or by an
// earlier create in the same group) is skipped by INSERT OR IGNORE and reported as
// post.ErrExists to that caller alone. Any other failure rolls the group back and its
// creates are retried one transaction each, so the failure reaches only the create that
// causes it.

// maxGroup bounds a group so that one commit stays short.
const maxGroup = 256

// errClosed is what a create gets once the store is closing.
var errClosed = errors.New("store closed")

type createReq struct {
	ctx                context.Context
	p                  *post.Post
	item, synd, copies []byte
	// files are the files the post uses (files.go), most often none.
	files []string
	id    int64
	err   error
	done  chan error

	// A numbered create (CreateNumbered) has urlOf, the URL of a slug; base and key are
	// its slug and URL as submitted, which a taken URL numbers (slugs.go).
	urlOf     func(slug string) string
	base, key string
}

// numbered reports whether a taken URL sends the create to a numbered slug.
func (req *createReq) numbered() bool { return req.urlOf != nil }

// setNumber moves a numbered create to its slug's n-th URL (1: the slug itself).
func (req *createReq) setNumber(n int) {
	req.p.Slug = post.NthSlug(req.base, n)
	req.p.URL = req.urlOf(req.p.Slug)
}

// reset forgets what an attempt to store the create set, for another.
func (req *createReq) reset() {
	req.err, req.id = nil, 0
	if req.numbered() {
		req.p.Slug, req.p.URL = req.base, req.key
	}
}

func (db *DB) startWriter() {
	db.creates = make(chan *createReq)
	db.closing = make(chan struct{})
	db.writerDone = make(chan struct{})
	db.checkpointDone = make(chan struct{})
	db.searchWake = make(chan struct{}, 1)
	db.searchDone = make(chan struct{})
	db.closingCtx, db.stopClosing = context.WithCancel(context.Background())
	go db.writeLoop()
	go db.checkpointLoop()
	go db.searchLoop()
	// An index behind the posts (a search file made anew, or writes it had not taken
	// when the store last closed) is caught up now, not at the first write or search.
	db.wakeSearch()
}

func (db *DB) stopWriter() {
	db.closeOnce.Do(func() {
		if db.closing == nil {
			return
		}
		close(db.closing)
		db.stopClosing()
		<-db.writerDone
		<-db.checkpointDone
		<-db.searchDone
	})
}

// submit hands a create to the writer and waits for its result. Once handed over the
// caller waits even if ctx ends, so it never reports failure for a post that was stored;
// the writer itself skips creates whose context ended before their turn.
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
		// A commit costs the same whether it carries one post or many (writing each
		// changed page to the WAL, a system call or two per page), and on a busy
		// machine its CPU is taken from the very requests that would join the group.
		// Yielding once lets the goroutines ready to run (requests already being
		// handled) reach submit first; it waits on no timer, so an idle server still
		// commits a lone create at once.
		if len(group) < maxGroup {
			runtime.Gosched()
			group = db.gather(group)
		}
		db.writing.Lock()
		db.commitGroup(group)
		db.writing.Unlock()
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
	err := db.insertGroup(live)
	if err == nil {
		return
	}
	if len(live) == 1 {
		live[0].err = err
		return
	}
	for _, req := range live {
		if err := db.insertGroup([]*createReq{req}); err != nil {
			req.err = err
		}
	}
}

// insertGroup inserts the group's posts and tags in one transaction. Creates whose URL is
// taken get post.ErrExists in their err, unless they are numbered (slugs.go); the error
// returned fails the whole group.
func (db *DB) insertGroup(group []*createReq) error {
	// The group's transaction must not end with any one caller's context.
	ctx := context.Background()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create post: begin: %w", err)
	}
	defer tx.Rollback()
	for _, req := range group {
		req.reset()
	}
	nb := db.newNumbering(ctx, tx)
	if err := db.insertPosts(ctx, tx, firsts(group)); err != nil {
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
	if len(clashed) > 0 {
		if err := nb.number(clashed); err != nil {
			return err
		}
	}
	if err := db.insertPostTags(ctx, tx, group); err != nil {
		return err
	}
	if err := db.countCreates(ctx, tx, group); err != nil {
		return err
	}
	if err := db.insertPostClients(ctx, tx, group); err != nil {
		return err
	}
	if err := db.insertPostFiles(ctx, tx, group); err != nil {
		return err
	}
	// Each post stored gets its PostChanged job in the same transaction: a crash keeps
	// both or neither.
	var changes []jobs.PostChange
	var posts []*post.Post
	for _, req := range group {
		if req.err == nil {
			changes = append(changes, jobs.PostChange{URL: req.p.URL, Action: jobs.ActionCreate})
			posts = append(posts, req.p)
		}
	}
	queued, err := db.enqueuePostChanges(ctx, tx, changes, posts)
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create post: commit: %w", err)
	}
	if queued > 0 {
		db.wakeJobs()
	}
	db.wakeSearch()
	return nil
}

// firsts returns the group's creates to insert as they are: all but the numbered ones
// whose URL an earlier create of the group has, which are marked taken to be numbered at
// once.
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

// insertPosts inserts the group's posts with multi-row statements, in chunks whose
// sizes are powers of two so that each size's statement is prepared once (rowStmts): one
// statement of n rows costs less than n executions of a one-row statement (each opens
// its cursors and statement journal and runs its triggers' setup), and a statement whose
// text follows the group's size would be compiled every time. RETURNING names the posts
// inserted; the rest had their URL taken, by a stored post or by an earlier create in the
// group.
func (db *DB) insertPosts(ctx context.Context, tx *sql.Tx, group []*createReq) error {
	args := make([]any, 0, 11*min(len(group), maxChunk))
	for len(group) > 0 {
		n := chunkLen(len(group))
		chunk := group[:n]
		group = group[n:]
		st := db.stmts.insertPosts.get(n)
		args = args[:0]
		for _, req := range chunk {
			p := req.p
			args = append(args, p.URL, p.Slug, p.Type, req.item, formatTime(p.Published),
				formatTime(p.Updated), p.Deleted, p.Status, p.Visibility, string(jsonList(req.synd)), string(jsonList(req.copies)))
		}
		if err := returnedIDs(ctx, tx.StmtContext(ctx, st), chunk, args); err != nil {
			return err
		}
	}
	return nil
}

// jsonList is b, or an empty JSON list for nil: a NULL would fail the column's NOT NULL,
// which INSERT OR IGNORE would take for a taken URL. Lists are stored as text (string,
// not []byte, which SQLite would keep as a blob), so that they compare with '[]'.
func jsonList(b []byte) []byte {
	if b == nil {
		return []byte("[]")
	}
	return b
}

// returnedIDs runs a chunk's insert and gives each create its id, or post.ErrExists when
// its URL is missing from RETURNING.
func returnedIDs(ctx context.Context, st *sql.Stmt, chunk []*createReq, args []any) error {
	defer st.Close()
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return fmt.Errorf("create post: %w", err)
	}
	defer rows.Close()
	ids := make(map[string]int64, len(chunk))
	for rows.Next() {
		var id int64
		var url string
		if err := rows.Scan(&id, &url); err != nil {
			return fmt.Errorf("create post: %w", err)
		}
		ids[url] = id
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("create post: %w", err)
	}
	for _, req := range chunk {
		// Two creates of one URL in a chunk: the first was inserted, the second ignored.
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
	postID        int64
	norm, display string
}

// args are insertPostTagSQL's arguments.
func (r tagRow) args() []any {
	return []any{r.postID, formatTime(r.p.Published), r.p.Type, r.p.Deleted, r.p.Status, r.p.Visibility, r.norm}
}

// insertPostTags creates the new tags of the group's inserted posts and links the posts
// to theirs, with multi-row statements in chunks as insertPosts does.
func (db *DB) insertPostTags(ctx context.Context, tx *sql.Tx, group []*createReq) error {
	var rows []tagRow
	for _, req := range group {
		if req.err != nil {
			continue
		}
		for _, t := range req.p.Categories {
			if norm := NormalizeTag(t); norm != "" {
				rows = append(rows, tagRow{req.p, req.id, norm, strings.TrimSpace(t)})
			}
		}
	}
	args := make([]any, 0, 7*min(len(rows), maxChunk))
	for len(rows) > 0 {
		n := chunkLen(len(rows))
		chunk := rows[:n]
		rows = rows[n:]
		tags, links := db.stmts.insertTags.get(n), db.stmts.insertPostTags.get(n)
		args = args[:0]
		for _, r := range chunk {
			args = append(args, r.norm, r.display)
		}
		if err := execIn(ctx, tx, tags, args); err != nil {
			return fmt.Errorf("create post: tags: %w", err)
		}
		args = args[:0]
		for _, r := range chunk {
			args = append(args, r.args()...)
		}
		if err := execIn(ctx, tx, links, args); err != nil {
			return fmt.Errorf("create post: tags: %w", err)
		}
	}
	return nil
}

// execIn runs the prepared st in tx.
func execIn(ctx context.Context, tx *sql.Tx, st *sql.Stmt, args []any) error {
	txst := tx.StmtContext(ctx, st)
	defer txst.Close()
	_, err := txst.ExecContext(ctx, args...)
	return err
}
