package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
)

// CreatePost stores a new post and its tags and sets p.ID. A post whose URL is taken
// gives post.ErrExists (wrapped), so the caller can try the next slug; nothing of that
// post is stored. Concurrent creates are committed together (see groupcommit.go); each
// still gets its own result.
func (db *DB) CreatePost(ctx context.Context, p *post.Post) error {
	req, err := db.newCreateReq(ctx, p)
	if err != nil {
		return err
	}
	return db.space.check(db.submit(ctx, req))
}

// CreateNumbered stores a new post as CreatePost does, at p.URL if that is free and
// otherwise at the first free numbered slug (post.NthSlug: slug-2, slug-3…), whose URL
// urlOf gives; it sets p.Slug, p.URL and p.ID. The number comes from a counter kept per
// URL in the same transaction as the insert (slugs.go), so a create costs the same
// however many posts share its slug.
func (db *DB) CreateNumbered(ctx context.Context, p *post.Post, urlOf func(slug string) string) error {
	req, err := db.newCreateReq(ctx, p)
	if err != nil {
		return err
	}
	req.urlOf, req.base, req.key = urlOf, p.Slug, p.URL
	return db.space.check(db.submit(ctx, req))
}

func (db *DB) newCreateReq(ctx context.Context, p *post.Post) (*createReq, error) {
	item, err := json.Marshal(p.Item)
	if err != nil {
		return nil, fmt.Errorf("create post: encode: %w", err)
	}
	synd, err := json.Marshal(nonNil(p.SyndicateTo))
	if err != nil {
		return nil, fmt.Errorf("create post: encode: %w", err)
	}
	copies, err := json.Marshal(copiesOf(p))
	if err != nil {
		return nil, fmt.Errorf("create post: encode: %w", err)
	}
	return &createReq{ctx: ctx, p: p, item: item, synd: synd, copies: copies, files: db.files.Files(p.Item, item),
		done: make(chan error, 1)}, nil
}

// PostByURL returns the post at url, deleted or not; post.ErrNotFound if there is none.
func (db *DB) PostByURL(ctx context.Context, url string) (*post.Post, error) {
	p, err := scanPost(db.stmts.postByURL.QueryRowContext(ctx, url))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("post %s: %w", url, post.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("post %s: %w", url, err)
	}
	return p, nil
}

// UpdatePost reads the post at url, lets fn change it and writes it back, all in one
// transaction: if fn fails nothing is written. fn should Reindex the post after changing
// its item; the tags stored follow p.Categories.
func (db *DB) UpdatePost(ctx context.Context, url string, fn func(*post.Post) error) (*post.Post, error) {
	p, err := db.updatePost(ctx, url, fn)
	return p, db.space.check(err)
}

func (db *DB) updatePost(ctx context.Context, url string, fn func(*post.Post) error) (*post.Post, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("update post: %w", err)
	}
	defer tx.Rollback()
	byURL := tx.StmtContext(ctx, db.stmts.postByURL)
	defer byURL.Close()
	p, err := scanPost(byURL.QueryRowContext(ctx, url))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("post %s: %w", url, post.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("update post %s: %w", url, err)
	}
	wasDeleted := p.Deleted
	// The files the post used, before fn changes its item in place.
	var wasFiles []string
	if len(db.files.Prefixes()) > 0 {
		wasFiles = post.FileURLs(p.Item, db.files.Prefixes())
	}
	if err := fn(p); err != nil {
		return nil, err
	}
	item, err := json.Marshal(p.Item)
	if err != nil {
		return nil, fmt.Errorf("update post: encode: %w", err)
	}
	synd, _ := json.Marshal(nonNil(p.SyndicateTo))
	copies, _ := json.Marshal(copiesOf(p))
	if _, err := tx.ExecContext(ctx, `UPDATE posts SET slug = ?, post_type = ?, item = ?, published = ?,
		updated = ?, deleted = ?, status = ?, visibility = ?, syndicate_to = ?, copies = ? WHERE id = ?`,
		p.Slug, p.Type, item, formatTime(p.Published), formatTime(p.Updated), p.Deleted, p.Status,
		p.Visibility, string(synd), string(copies), p.ID); err != nil {
		return nil, fmt.Errorf("update post %s: %w", url, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM post_tags WHERE post_id = ?`, p.ID); err != nil {
		return nil, fmt.Errorf("update post %s: tags: %w", url, err)
	}
	if err := db.setTags(ctx, tx, p); err != nil {
		return nil, err
	}
	if err := updatePostFiles(ctx, tx, p.ID, wasFiles, db.files.Files(p.Item, item)); err != nil {
		return nil, fmt.Errorf("update post %s: %w", url, err)
	}
	// The change's PostChanged job commits with it (jobs.go).
	change := jobs.PostChange{URL: p.URL, Action: changeAction(wasDeleted, p.Deleted)}
	queued, err := db.enqueuePostChanges(ctx, tx, []jobs.PostChange{change}, []*post.Post{p})
	if err != nil {
		return nil, fmt.Errorf("update post %s: %w", url, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("update post %s: commit: %w", url, err)
	}
	if queued > 0 {
		db.wakeJobs()
	}
	db.wakeSearch()
	return p, nil
}

// changeAction names an update by what it did to the post's deleted flag.
func changeAction(was, is bool) string {
	switch {
	case !was && is:
		return jobs.ActionDelete
	case was && !is:
		return jobs.ActionUndelete
	}
	return jobs.ActionUpdate
}

// ListPosts lists posts newest first (by published, then ID) as q selects them: q.Limit
// of them (20 when unset), after skipping q.Offset, and only those after the cursor
// q.After (post.Cursor of the last post of the previous page) when it is set. Filters:
// q.Type, q.Status, q.Visibility (any of), q.Category (case-insensitive) and, unless
// q.Deleted, no deleted posts. A malformed cursor is post.ErrInvalid.
func (db *DB) ListPosts(ctx context.Context, q post.Query) ([]*post.Post, error) {
	query, args, err := listSQL(q)
	if err != nil {
		return nil, fmt.Errorf("list posts: %w", err)
	}
	rows, err := db.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list posts: %w", err)
	}
	defer rows.Close()
	posts := []*post.Post{}
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, fmt.Errorf("list posts: %w", err)
		}
		posts = append(posts, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list posts: %w", err)
	}
	return posts, nil
}

func listSQL(q post.Query) (string, []any, error) {
	sel, err := selectPosts(q, true)
	if err != nil {
		return "", nil, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	query := `SELECT ` + postColumns + sel.from + sel.where() + sel.order + ` LIMIT ? OFFSET ?`
	return query, append(sel.args, limit, max(q.Offset, 0)), nil
}

// CountPosts counts the posts q's filters select, for paging: Limit, Offset and After
// are ignored. The counts come from post_counts and tag_counts, kept by triggers
// (migrations/0001_posts.sql) and by the inserts themselves (counts.go), so this costs
// the same at any size.
func (db *DB) CountPosts(ctx context.Context, q post.Query) (int, error) {
	s := countFilters(q)
	from := ` FROM post_counts c`
	if q.Category != "" {
		from = ` FROM tag_counts c`
		s.conds = append([]string{`c.tag_id = (SELECT id FROM tags WHERE norm = ?)`}, s.conds...)
		s.args = append([]any{NormalizeTag(q.Category)}, s.args...)
	}
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(c.n), 0)`+from+s.where(), s.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count posts: %w", err)
	}
	return n, nil
}

// countFilters is q's filters on a counts table (post_counts or tag_counts) named c.
func countFilters(q post.Query) *selection {
	s := &selection{}
	if !q.Deleted {
		s.add(`c.deleted = 0`)
	}
	if q.Type != "" {
		s.add(`c.post_type = ?`, q.Type)
	}
	if q.Status != "" {
		s.add(`c.status = ?`, q.Status)
	}
	if len(q.Visibility) > 0 {
		s.add(`c.visibility IN (?`+strings.Repeat(",?", len(q.Visibility)-1)+`)`, stringArgs(q.Visibility)...)
	}
	return s
}

// selection is the FROM, WHERE and ORDER BY of a post listing.
type selection struct {
	from  string
	conds []string
	args  []any
	order string
}

func (s *selection) where() string {
	if len(s.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(s.conds, " AND ")
}

func (s *selection) add(cond string, args ...any) {
	s.conds = append(s.conds, cond)
	s.args = append(s.args, args...)
}

// selectPosts builds the query for q. With a category the listing is driven by the tag's
// rows in post_tags, which carry the post's published time, so the index post_tags_tag
// gives them in order; otherwise by the posts indexes (see 0001_posts.sql).
func selectPosts(q post.Query, paging bool) (*selection, error) {
	s := &selection{from: ` FROM posts p`, order: ` ORDER BY p.published DESC, p.id DESC`}
	orderCols, published := "(p.published, p.id)", "p.published"
	if q.Category != "" {
		s.from = ` FROM post_tags pt JOIN posts p ON p.id = pt.post_id`
		s.add(`pt.tag_id = (SELECT id FROM tags WHERE norm = ?)`, NormalizeTag(q.Category))
		s.order = ` ORDER BY pt.published DESC, pt.post_id DESC`
		orderCols, published = "(pt.published, pt.post_id)", "pt.published"
	}
	if !q.PublishedBy.IsZero() {
		s.add(published+` <= ?`, formatTime(q.PublishedBy))
	}
	if !q.Deleted {
		s.add(`p.deleted = 0`)
	}
	if q.Type != "" {
		s.add(`p.post_type = ?`, q.Type)
	}
	if q.Status != "" {
		s.add(`p.status = ?`, q.Status)
	}
	if q.ClientID != "" {
		s.add(`p.id IN (SELECT post_id FROM post_clients WHERE client_id = ?)`, q.ClientID)
	}
	switch len(q.Visibility) {
	case 0:
	case 1:
		// Equality, not IN, so the listing index serves the order too.
		s.add(`p.visibility = ?`, q.Visibility[0])
	default:
		s.add(`p.visibility IN (?`+strings.Repeat(",?", len(q.Visibility)-1)+`)`, stringArgs(q.Visibility)...)
	}
	if paging && q.After != "" {
		published, id, err := post.ParseCursor(q.After)
		if err != nil {
			return nil, err
		}
		s.add(orderCols+` < (?, ?)`, formatTime(published), id)
	}
	return s, nil
}

func stringArgs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// TagCounts lists the tags of the posts q's filters select (Type, Status, Visibility,
// Deleted) with how many of those posts carry each, in alphabetical order of the
// normalized tag; q.Limit caps the list when set. The counts come from tag_counts, which
// triggers on post_tags keep (migrations/0001_posts.sql).
func (db *DB) TagCounts(ctx context.Context, q post.Query) ([]post.TagCount, error) {
	s := countFilters(q)
	query := `SELECT t.display, t.norm, SUM(c.n) FROM tag_counts c JOIN tags t ON t.id = c.tag_id` +
		s.where() + ` GROUP BY c.tag_id HAVING SUM(c.n) > 0 ORDER BY t.norm`
	args := s.args
	if q.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, q.Limit)
	}
	rows, err := db.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("tag counts: %w", err)
	}
	defer rows.Close()
	out := []post.TagCount{}
	for rows.Next() {
		var tc post.TagCount
		if err := rows.Scan(&tc.Tag, &tc.Norm, &tc.Count); err != nil {
			return nil, fmt.Errorf("tag counts: %w", err)
		}
		out = append(out, tc)
	}
	return out, rows.Err()
}

// Categories lists the display forms of tags in use (on any post, drafts and deleted
// ones included: this is the owner's list for Micropub's q=category), those starting
// with prefix (case-insensitive) if one is given, in alphabetical order.
func (db *DB) Categories(ctx context.Context, prefix string) ([]string, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT display FROM tags
		WHERE norm LIKE ? ESCAPE '\' AND id IN (SELECT tag_id FROM tag_counts WHERE n > 0) ORDER BY norm`,
		escapeLike(NormalizeTag(prefix))+"%")
	if err != nil {
		return nil, fmt.Errorf("categories: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("categories: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// NormalizeTag is the lookup key of a tag (post.NormalizeTag).
func NormalizeTag(s string) string { return post.NormalizeTag(s) }

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// setTags links the post, none of whose tag rows is left, to its tags, creating those
// never seen (their display form is the first one written), and counts them.
func (db *DB) setTags(ctx context.Context, tx *sql.Tx, p *post.Post) error {
	insTag := tx.StmtContext(ctx, db.stmts.insertTag)
	defer insTag.Close()
	insLink := tx.StmtContext(ctx, db.stmts.insertPostTag)
	defer insLink.Close()
	for _, t := range p.Categories {
		norm := NormalizeTag(t)
		if norm == "" {
			continue
		}
		if _, err := insTag.ExecContext(ctx, norm, strings.TrimSpace(t)); err != nil {
			return fmt.Errorf("tag %q: %w", t, err)
		}
		if _, err := insLink.ExecContext(ctx, tagRow{p: p, postID: p.ID, norm: norm}.args()...); err != nil {
			return fmt.Errorf("tag %q: %w", t, err)
		}
	}
	// The post's rows were all deleted before, so those now there are the ones to count.
	if err := execIn(ctx, tx, db.stmts.countTags, []any{p.ID, p.ID}); err != nil {
		return fmt.Errorf("tags: count: %w", err)
	}
	return nil
}

const postColumns = `p.id, p.url, p.slug, p.post_type, p.item, p.published, p.updated, p.deleted,
	p.status, p.visibility, p.syndicate_to, p.copies`

type scanner interface{ Scan(dest ...any) error }

func scanPost(s scanner) (*post.Post, error) {
	var p post.Post
	var item, synd, copies []byte
	var published, updated string
	if err := s.Scan(&p.ID, &p.URL, &p.Slug, &p.Type, &item, &published, &updated, &p.Deleted,
		&p.Status, &p.Visibility, &synd, &copies); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(copies, &p.Copies); err != nil {
		return nil, fmt.Errorf("decode post %d: copies: %w", p.ID, err)
	}
	if err := json.Unmarshal(item, &p.Item); err != nil {
		return nil, fmt.Errorf("decode post %d: %w", p.ID, err)
	}
	if p.Item.Properties == nil {
		p.Item.Properties = map[string][]any{}
	}
	if err := json.Unmarshal(synd, &p.SyndicateTo); err != nil {
		return nil, fmt.Errorf("decode post %d: syndicate_to: %w", p.ID, err)
	}
	p.Published, p.Updated = parseTime(published), parseTime(updated)
	p.Categories = p.Item.Tags()
	return &p, nil
}

// copiesOf is p.Copies, never null in JSON.
func copiesOf(p *post.Post) []post.Copy {
	if p.Copies == nil {
		return []post.Copy{}
	}
	return p.Copies
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// PostsAwaitingSyndication lists the posts, not deleted, whose pending list of
// syndication targets is not empty, oldest first, at most limit (the partial index
// posts_awaiting_syndication holds exactly them).
func (db *DB) PostsAwaitingSyndication(ctx context.Context, limit int) ([]*post.Post, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+postColumns+` FROM posts p
		WHERE p.syndicate_to != '[]' AND p.deleted = 0 ORDER BY p.id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("posts awaiting syndication: %w", err)
	}
	defer rows.Close()
	out := []*post.Post{}
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, fmt.Errorf("posts awaiting syndication: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
