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
// together in one transaction. Each create has its own savepoint, so a duplicate URL or
// any other failure undoes and reports only that create; the others commit. While a
// group commits, the next one gathers, so the group size follows the load with no timer.

// maxGroup bounds a group so one commit stays short.
const maxGroup = 256

// errClosed is what a create gets once the store is closing.
var errClosed = errors.New("store closed")

type createReq struct {
	ctx        context.Context
	p          *post.Post
	item, synd []byte
	id         int64
	done       chan error
}

func (db *DB) startWriter() {
	db.creates = make(chan *createReq)
	db.closing = make(chan struct{})
	db.writerDone = make(chan struct{})
	go db.writeLoop()
}

func (db *DB) stopWriter() {
	db.closeOnce.Do(func() {
		if db.closing == nil {
			return
		}
		close(db.closing)
		<-db.writerDone
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
	}
}

// commitGroup inserts a group in one transaction and answers every create in it.
func (db *DB) commitGroup(group []*createReq) {
	errs := make([]error, len(group))
	err := db.insertGroup(group, errs)
	for i, req := range group {
		switch {
		case errs[i] != nil:
			req.done <- errs[i]
		case err != nil:
			req.done <- err
		default:
			req.p.ID = req.id
			req.done <- nil
		}
	}
}

// insertGroup runs the group's inserts; errs gets each create's own failure, and the
// returned error is one that fails them all (begin or commit).
func (db *DB) insertGroup(group []*createReq, errs []error) error {
	// The group's transaction must not end with any one caller's context.
	ctx := context.Background()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create post: begin: %w", err)
	}
	defer tx.Rollback()
	ins, err := prepareInserts(ctx, tx)
	if err != nil {
		return err
	}
	defer ins.close()
	for i, req := range group {
		if err := req.ctx.Err(); err != nil {
			errs[i] = fmt.Errorf("create post: %w", err)
			continue
		}
		errs[i] = ins.insertOne(ctx, tx, req)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create post: commit: %w", err)
	}
	return nil
}

// inserts are the statements a create runs, prepared once per group.
type inserts struct {
	post, tag, postTag *sql.Stmt
}

func prepareInserts(ctx context.Context, tx *sql.Tx) (*inserts, error) {
	var ins inserts
	var err error
	if ins.post, err = tx.PrepareContext(ctx, `INSERT INTO posts
		(url, slug, post_type, item, published, updated, deleted, status, visibility, syndicate_to)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`); err != nil {
		return nil, fmt.Errorf("create post: prepare: %w", err)
	}
	if ins.tag, err = tx.PrepareContext(ctx, insertTagSQL); err != nil {
		ins.close()
		return nil, fmt.Errorf("create post: prepare: %w", err)
	}
	if ins.postTag, err = tx.PrepareContext(ctx, insertPostTagSQL); err != nil {
		ins.close()
		return nil, fmt.Errorf("create post: prepare: %w", err)
	}
	return &ins, nil
}

func (ins *inserts) close() {
	for _, s := range []*sql.Stmt{ins.post, ins.tag, ins.postTag} {
		if s != nil {
			s.Close()
		}
	}
}

// insertOne inserts one post and its tags inside a savepoint, undone on any failure.
func (ins *inserts) insertOne(ctx context.Context, tx *sql.Tx, req *createReq) error {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT create_post`); err != nil {
		return fmt.Errorf("create post: %w", err)
	}
	err := ins.insertPost(ctx, req)
	if err != nil {
		if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO create_post`); rerr != nil {
			return fmt.Errorf("create post: %w (rollback: %v)", err, rerr)
		}
	}
	if _, rerr := tx.ExecContext(ctx, `RELEASE create_post`); rerr != nil && err == nil {
		err = fmt.Errorf("create post: %w", rerr)
	}
	return err
}

func (ins *inserts) insertPost(ctx context.Context, req *createReq) error {
	p := req.p
	published := formatTime(p.Published)
	res, err := ins.post.ExecContext(ctx, p.URL, p.Slug, p.Type, req.item, published,
		formatTime(p.Updated), p.Deleted, p.Status, p.Visibility, req.synd)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE constraint failed: posts.url") {
			return fmt.Errorf("post %s: %w", p.URL, post.ErrExists)
		}
		return fmt.Errorf("create post: %w", err)
	}
	if req.id, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("create post: %w", err)
	}
	for _, t := range p.Categories {
		norm := NormalizeTag(t)
		if norm == "" {
			continue
		}
		if _, err := ins.tag.ExecContext(ctx, norm, strings.TrimSpace(t)); err != nil {
			return fmt.Errorf("tag %q: %w", t, err)
		}
		if _, err := ins.postTag.ExecContext(ctx, req.id, published, norm); err != nil {
			return fmt.Errorf("tag %q: %w", t, err)
		}
	}
	return nil
}

const (
	insertTagSQL     = `INSERT INTO tags (norm, display) VALUES (?, ?) ON CONFLICT (norm) DO NOTHING`
	insertPostTagSQL = `INSERT OR IGNORE INTO post_tags (post_id, tag_id, published)
		SELECT ?, id, ? FROM tags WHERE norm = ?`
)
