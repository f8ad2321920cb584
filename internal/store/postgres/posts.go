package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
)

// CreatePost stores a new post and its tags and sets p.ID. A post whose URL is taken
// gives post.ErrExists (wrapped), decided by the unique index on posts.url, so that two
// instances creating one URL at once get one post and one ErrExists; nothing of that
// post is stored. Concurrent creates are committed together (groupcommit.go).
func (db *DB) CreatePost(ctx context.Context, p *post.Post) error {
	req, err := db.newCreateReq(ctx, p)
	if err != nil {
		return err
	}
	return db.submit(ctx, req)
}

// CreateNumbered stores a new post as CreatePost does, at p.URL if that is free and
// otherwise at the next numbered slug (post.NthSlug: slug-2, slug-3…), whose URL urlOf
// gives; it sets p.Slug, p.URL and p.ID. The number comes from a counter row per URL
// taken and locked in the create's transaction (slugs.go), so creates on several
// instances get distinct numbers.
func (db *DB) CreateNumbered(ctx context.Context, p *post.Post, urlOf func(slug string) string) error {
	req, err := db.newCreateReq(ctx, p)
	if err != nil {
		return err
	}
	req.urlOf, req.base, req.key = urlOf, p.Slug, p.URL
	return db.submit(ctx, req)
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
	return &createReq{ctx: ctx, p: p, item: string(item), synd: string(synd), copies: string(copies),
		done: make(chan error, 1), files: db.files.Files(p.Item, item)}, nil
}

const postColumns = `p.id, p.url, p.slug, p.post_type, p.item, p.published, p.updated, p.deleted,
	p.status, p.visibility, p.syndicate_to, p.copies`

const postByURLSQL = `SELECT ` + postColumns + ` FROM posts p WHERE p.url = $1`

// PostByURL returns the post at url, deleted or not; post.ErrNotFound if there is none.
func (db *DB) PostByURL(ctx context.Context, url string) (*post.Post, error) {
	p, err := scanPost(db.pool.QueryRow(ctx, postByURLSQL, url))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("post %s: %w", url, post.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("post %s: %w", url, err)
	}
	return p, nil
}

// UpdatePost reads the post at url, lets fn change it and writes it back, all in one
// transaction that holds the post's row lock (FOR UPDATE), so that updates of one post
// from several instances apply one after the other: if fn fails nothing is written. fn
// should Reindex the post after changing its item; the tags stored follow p.Categories.
// The change's PostChanged job (jobs.go) commits with it.
func (db *DB) UpdatePost(ctx context.Context, url string, fn func(*post.Post) error) (*post.Post, error) {
	var out *post.Post
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		p, err := scanPost(tx.QueryRow(ctx, postByURLSQL+` FOR UPDATE`, url))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("post %s: %w", url, post.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("update post %s: %w", url, err)
		}
		wasDeleted := p.Deleted
		// The files the post used, before fn changes its item in place.
		var wasFiles []string
		if len(db.files.Prefixes()) > 0 {
			wasFiles = post.FileURLs(p.Item, db.files.Prefixes())
		}
		if err := fn(p); err != nil {
			return err
		}
		change := jobs.PostChange{URL: p.URL, Action: changeAction(wasDeleted, p.Deleted)}
		if err := db.writePost(ctx, tx, p, change, wasFiles); err != nil {
			return fmt.Errorf("update post %s: %w", url, err)
		}
		out = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	db.wakeJobs()
	return out, nil
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

// writePost rewrites a stored post's row, its tags and the files it uses (which were
// wasFiles), and enqueues change's job.
func (db *DB) writePost(ctx context.Context, tx pgx.Tx, p *post.Post, change jobs.PostChange, wasFiles []string) error {
	item, err := json.Marshal(p.Item)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	synd, _ := json.Marshal(nonNil(p.SyndicateTo))
	copies, _ := json.Marshal(copiesOf(p))
	if _, err := tx.Exec(ctx, `UPDATE posts SET slug = $1, post_type = $2, item = $3, published = $4,
		updated = $5, deleted = $6, status = $7, visibility = $8, syndicate_to = $9, copies = $10 WHERE id = $11`,
		p.Slug, p.Type, string(item), formatTime(p.Published), formatTime(p.Updated), p.Deleted, p.Status,
		p.Visibility, string(synd), string(copies), p.ID); err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM post_tags WHERE post_id = $1`, p.ID)
	if rows := tagRows([]*post.Post{p}); len(rows) > 0 {
		queueTags(b, rows)
	}
	if err := db.queuePostChanges(b, []jobs.PostChange{change}, []*post.Post{p}); err != nil {
		return err
	}
	queueFileChanges(b, p.ID, wasFiles, db.files.Files(p.Item, item))
	return tx.SendBatch(ctx, b).Close()
}

// ListPosts lists posts newest first (by published, then ID) as q selects them: q.Limit
// of them (20 when unset), after skipping q.Offset, and only those after the cursor
// q.After when it is set. Filters: q.Type, q.Status, q.Visibility (any of), q.Category
// (case-insensitive), q.ClientID and, unless q.Deleted, no deleted posts. A malformed
// cursor is post.ErrInvalid.
func (db *DB) ListPosts(ctx context.Context, q post.Query) ([]*post.Post, error) {
	sel, err := selectPosts(q, true)
	if err != nil {
		return nil, fmt.Errorf("list posts: %w", err)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	query := `SELECT ` + postColumns + sel.from + sel.where() + sel.order + ` LIMIT ? OFFSET ?`
	rows, err := db.pool.Query(ctx, numbered(query), append(sel.args, limit, max(q.Offset, 0))...)
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

// CountPosts counts the posts q's filters select, for paging: Limit, Offset and After
// are ignored. The counts come from post_counts and tag_counts, which triggers keep, so
// this costs the same at any size.
func (db *DB) CountPosts(ctx context.Context, q post.Query) (int, error) {
	s := countFilters(q)
	from := ` FROM post_counts c`
	if q.Category != "" {
		from = ` FROM tag_counts c`
		s.conds = append([]string{`c.tag_id = (SELECT id FROM tags WHERE norm = ?)`}, s.conds...)
		s.args = append([]any{post.NormalizeTag(q.Category)}, s.args...)
	}
	var n int64
	if err := db.pool.QueryRow(ctx, numbered(`SELECT COALESCE(SUM(c.n), 0)::bigint`+from+s.where()),
		s.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count posts: %w", err)
	}
	return int(n), nil
}

// countFilters is q's filters on a counts table (post_counts or tag_counts) named c.
func countFilters(q post.Query) *selection {
	s := &selection{}
	if !q.Deleted {
		s.add(`NOT c.deleted`)
	}
	if q.Type != "" {
		s.add(`c.post_type = ?`, q.Type)
	}
	if q.Status != "" {
		s.add(`c.status = ?`, q.Status)
	}
	if len(q.Visibility) > 0 {
		s.add(`c.visibility = ANY(?)`, q.Visibility)
	}
	return s
}

// selection is the FROM, WHERE and ORDER BY of a post listing, with ? placeholders that
// numbered turns into PostgreSQL's $1, $2…
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

// numbered replaces the ? placeholders of query, which holds no other question mark,
// with $1, $2…
func numbered(query string) string {
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// selectPosts builds the query for q. With a category the listing is driven by the tag's
// rows in post_tags, which carry the post's published time, so the index post_tags_tag
// gives them in order; otherwise by the posts indexes.
func selectPosts(q post.Query, paging bool) (*selection, error) {
	s := &selection{from: ` FROM posts p`, order: ` ORDER BY p.published DESC, p.id DESC`}
	orderCols, published := "(p.published, p.id)", "p.published"
	if q.Category != "" {
		s.from = ` FROM post_tags pt JOIN posts p ON p.id = pt.post_id`
		s.add(`pt.tag_id = (SELECT id FROM tags WHERE norm = ?)`, post.NormalizeTag(q.Category))
		s.order = ` ORDER BY pt.published DESC, pt.post_id DESC`
		orderCols, published = "(pt.published, pt.post_id)", "pt.published"
	}
	if !q.PublishedBy.IsZero() {
		s.add(published+` <= ?::text`, formatTime(q.PublishedBy))
	}
	if !q.Deleted {
		s.add(`NOT p.deleted`)
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
		// Equality, not ANY, so the listing index serves the order too.
		s.add(`p.visibility = ?`, q.Visibility[0])
	default:
		s.add(`p.visibility = ANY(?)`, q.Visibility)
	}
	if paging && q.After != "" {
		published, id, err := post.ParseCursor(q.After)
		if err != nil {
			return nil, err
		}
		s.add(orderCols+` < (?::text, ?::bigint)`, formatTime(published), id)
	}
	return s, nil
}

// TagCounts lists the tags of the posts q's filters select (Type, Status, Visibility,
// Deleted) with how many of those posts carry each, in alphabetical order of the
// normalized tag; q.Limit caps the list when set.
func (db *DB) TagCounts(ctx context.Context, q post.Query) ([]post.TagCount, error) {
	s := countFilters(q)
	query := `SELECT t.display, t.norm, SUM(c.n)::bigint FROM tag_counts c JOIN tags t ON t.id = c.tag_id` +
		s.where() + ` GROUP BY t.id, t.display, t.norm HAVING SUM(c.n) > 0 ORDER BY t.norm`
	args := s.args
	if q.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, q.Limit)
	}
	rows, err := db.pool.Query(ctx, numbered(query), args...)
	if err != nil {
		return nil, fmt.Errorf("tag counts: %w", err)
	}
	defer rows.Close()
	out := []post.TagCount{}
	for rows.Next() {
		var tc post.TagCount
		var n int64
		if err := rows.Scan(&tc.Tag, &tc.Norm, &n); err != nil {
			return nil, fmt.Errorf("tag counts: %w", err)
		}
		tc.Count = int(n)
		out = append(out, tc)
	}
	return out, rows.Err()
}

// Categories lists the display forms of tags in use (on any post, drafts and deleted
// ones included: the owner's list for Micropub's q=category), those starting with prefix
// (case-insensitive) if one is given, in alphabetical order.
func (db *DB) Categories(ctx context.Context, prefix string) ([]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT display FROM tags
		WHERE starts_with(norm, $1) AND id IN (SELECT tag_id FROM tag_counts WHERE n > 0) ORDER BY norm`,
		post.NormalizeTag(prefix))
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

// SiteTag returns the display form of a tag, looked up case-insensitively;
// post.ErrNotFound if no post ever carried it.
func (db *DB) SiteTag(ctx context.Context, tag string) (string, error) {
	var display string
	err := db.pool.QueryRow(ctx, `SELECT display FROM tags WHERE norm = $1`, post.NormalizeTag(tag)).Scan(&display)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("tag %q: %w", tag, post.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("tag %q: %w", tag, err)
	}
	return display, nil
}

// SiteChanges reports how many times posts have changed and when they last did, as the
// statement triggers on posts count them (migrations/0001_schema.sql). Every instance
// reads the same row, so a change made through one invalidates the page cache of all at
// their next request: one primary-key read of one row.
func (db *DB) SiteChanges(ctx context.Context) (version int64, changed time.Time, err error) {
	if err := db.pool.QueryRow(ctx, `SELECT version, changed FROM site_changes WHERE id = 1`).
		Scan(&version, &changed); err != nil {
		return 0, time.Time{}, fmt.Errorf("site changes: %w", err)
	}
	return version, changed, nil
}

// PostClient returns the client_id of the app that created the post at url, or "" when
// none is recorded; post.ErrNotFound if there is no such post.
func (db *DB) PostClient(ctx context.Context, url string) (string, error) {
	var client *string
	err := db.pool.QueryRow(ctx, `SELECT pc.client_id FROM posts p
		LEFT JOIN post_clients pc ON pc.post_id = p.id WHERE p.url = $1`, url).Scan(&client)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("post %s: %w", url, post.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("client of post %s: %w", url, err)
	}
	if client == nil {
		return "", nil
	}
	return *client, nil
}

func scanPost(s pgx.Row) (*post.Post, error) {
	var p post.Post
	var item, synd, copies, published, updated string
	if err := s.Scan(&p.ID, &p.URL, &p.Slug, &p.Type, &item, &published, &updated, &p.Deleted,
		&p.Status, &p.Visibility, &synd, &copies); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(copies), &p.Copies); err != nil {
		return nil, fmt.Errorf("decode post %d: copies: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(item), &p.Item); err != nil {
		return nil, fmt.Errorf("decode post %d: %w", p.ID, err)
	}
	if p.Item.Properties == nil {
		p.Item.Properties = map[string][]any{}
	}
	if err := json.Unmarshal([]byte(synd), &p.SyndicateTo); err != nil {
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

// PostsAwaitingSyndication lists the posts, not deleted, whose pending list of
// syndication targets is not empty, oldest first, at most limit (the partial index
// posts_awaiting_syndication holds exactly them).
func (db *DB) PostsAwaitingSyndication(ctx context.Context, limit int) ([]*post.Post, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+postColumns+` FROM posts p
		WHERE p.syndicate_to <> '[]' AND NOT p.deleted ORDER BY p.id LIMIT $1`, limit)
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
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("posts awaiting syndication: %w", err)
	}
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
