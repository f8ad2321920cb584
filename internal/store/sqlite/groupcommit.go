package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/indiepub/indiepub/internal/post"
)

// SQLite has one writer at a time. Creates from many goroutines would each wait for the
// write lock (busy_timeout polls with sleeps of milliseconds) and each pay a commit, so
// instead one writer goroutine takes every create waiting at that moment and commits them
// together: one transaction, and one multi-row statement per table. While a group
// commits the next one gathers, so the group size follows the load with no timer.
//
// Each create still gets its own answer. A URL already taken (by a stored post or by an
// earlier create in the same group) is skipped by INSERT OR IGNORE and reported as
// post.ErrExists to that caller alone. Any other failure rolls the group back and its
// creates are retried one transaction each, so the failure reaches only the create that
// causes it.

// maxGroup bounds a group so one commit stays short and a statement's variables stay
// well under SQLite's limit (32766).
const maxGroup = 256

// maxTagRows bounds the rows of one tag statement (7 variables each).
const maxTagRows = 1000

// errClosed is what a create gets once the store is closing.
var errClosed = errors.New("store closed")

type createReq struct {
	ctx        context.Context
	p          *post.Post
	item, synd []byte
	id         int64
	err        error
	done       chan error
}

func (db *DB) startWriter() {
	db.creates = make(chan *createReq)
	db.closing = make(chan struct{})
	db.writerDone = make(chan struct{})
	db.checkpointDone = make(chan struct{})
	go db.writeLoop()
	go db.checkpointLoop()
}

func (db *DB) stopWriter() {
	db.closeOnce.Do(func() {
		if db.closing == nil {
			return
		}
		close(db.closing)
		<-db.writerDone
		<-db.checkpointDone
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
	gather:
		for len(group) < maxGroup {
			select {
			case req := <-db.creates:
				group = append(group, req)
			default:
				break gather
			}
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
		req.err, req.id = nil, 0
		if err := db.insertGroup([]*createReq{req}); err != nil {
			req.err = err
		}
	}
}

// insertGroup inserts the group's posts and tags in one transaction. Creates whose URL is
// taken get post.ErrExists in their err; the error returned fails the whole group.
func (db *DB) insertGroup(group []*createReq) error {
	// The group's transaction must not end with any one caller's context.
	ctx := context.Background()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create post: begin: %w", err)
	}
	defer tx.Rollback()
	if err := insertPosts(ctx, tx, group); err != nil {
		return err
	}
	if err := insertPostTags(ctx, tx, group); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create post: commit: %w", err)
	}
	return nil
}

// insertPosts inserts every post of the group in one statement; RETURNING names those
// inserted, and the rest had their URL taken.
func insertPosts(ctx context.Context, tx execQuerier, group []*createReq) error {
	var b strings.Builder
	b.WriteString(`INSERT OR IGNORE INTO posts
		(url, slug, post_type, item, published, updated, deleted, status, visibility, syndicate_to) VALUES `)
	args := make([]any, 0, 10*len(group))
	for i, req := range group {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`(?,?,?,?,?,?,?,?,?,?)`)
		p := req.p
		args = append(args, p.URL, p.Slug, p.Type, req.item, formatTime(p.Published),
			formatTime(p.Updated), p.Deleted, p.Status, p.Visibility, req.synd)
	}
	b.WriteString(` RETURNING id, url`)
	rows, err := tx.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return fmt.Errorf("create post: %w", err)
	}
	defer rows.Close()
	ids := make(map[string]int64, len(group))
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
	for _, req := range group {
		// Two creates of one URL in a group: the first was inserted, the second ignored.
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

// execQuerier is a transaction, as the insert helpers need it.
type execQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// tagRow is one post's link to one tag.
type tagRow struct {
	p         *post.Post
	postID    int64
	norm, tag string
}

// tagRowArgs are the post_tags values of a row, in insertPostTagSQL's order after the
// tag's norm.
func (r tagRow) args() []any {
	return []any{r.postID, formatTime(r.p.Published), r.p.Type, r.p.Deleted, r.p.Status, r.p.Visibility, r.norm}
}

// insertPostTags creates the group's new tags and links the inserted posts to theirs.
func insertPostTags(ctx context.Context, tx execQuerier, group []*createReq) error {
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
	for len(rows) > 0 {
		n := min(len(rows), maxTagRows)
		if err := insertTagRows(ctx, tx, rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

func insertTagRows(ctx context.Context, tx execQuerier, rows []tagRow) error {
	values := strings.TrimSuffix(strings.Repeat(`(?,?),`, len(rows)), ",")
	args := make([]any, 0, 3*len(rows))
	for _, r := range rows {
		args = append(args, r.norm, r.tag)
	}
	// A tag keeps the display form first written: the first row of a new tag wins.
	if _, err := tx.ExecContext(ctx, `INSERT INTO tags (norm, display) VALUES `+values+
		` ON CONFLICT (norm) DO NOTHING`, args...); err != nil {
		return fmt.Errorf("create post: tags: %w", err)
	}
	values = strings.TrimSuffix(strings.Repeat(`(?,?,?,?,?,?,?),`, len(rows)), ",")
	args = args[:0]
	for _, r := range rows {
		args = append(args, r.args()...)
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO post_tags
		(post_id, tag_id, published, post_type, deleted, status, visibility)
		SELECT v.column1, t.id, v.column2, v.column3, v.column4, v.column5, v.column6
		FROM (VALUES `+values+`) v JOIN tags t ON t.norm = v.column7`,
		args...); err != nil {
		return fmt.Errorf("create post: tags: %w", err)
	}
	return nil
}

const (
	insertTagSQL     = `INSERT INTO tags (norm, display) VALUES (?, ?) ON CONFLICT (norm) DO NOTHING`
	insertPostTagSQL = `INSERT OR IGNORE INTO post_tags
		(post_id, tag_id, published, post_type, deleted, status, visibility)
		SELECT ?, id, ?, ?, ?, ?, ? FROM tags WHERE norm = ?`
)
