package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/indiepub/indiepub/internal/post"
)

// CreatePost stores a new post and its tags in one transaction and sets p.ID. A post whose
// URL is taken gives post.ErrExists.
func (db *DB) CreatePost(ctx context.Context, p *post.Post) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create post: %w", err)
	}
	defer tx.Rollback()
	item, err := json.Marshal(p.Item)
	if err != nil {
		return fmt.Errorf("create post: encode: %w", err)
	}
	synd, _ := json.Marshal(nonNil(p.SyndicateTo))
	res, err := tx.ExecContext(ctx, `INSERT INTO posts
		(url, slug, post_type, item, published, updated, deleted, status, visibility, syndicate_to)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.URL, p.Slug, p.Type, item, formatTime(p.Published), formatTime(p.Updated), p.Deleted,
		p.Status, p.Visibility, synd)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE constraint failed: posts.url") {
			return fmt.Errorf("post %s: %w", p.URL, post.ErrExists)
		}
		return fmt.Errorf("create post: %w", err)
	}
	if p.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("create post: %w", err)
	}
	if err := setTags(ctx, tx, p.ID, p.Categories); err != nil {
		return err
	}
	return tx.Commit()
}

// PostByURL returns the post at url, deleted or not; post.ErrNotFound if there is none.
func (db *DB) PostByURL(ctx context.Context, url string) (*post.Post, error) {
	row := db.db.QueryRowContext(ctx, `SELECT `+postColumns+` FROM posts p WHERE url = ?`, url)
	p, err := scanPost(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("post %s: %w", url, post.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("post %s: %w", url, err)
	}
	return p, nil
}

// UpdatePost reads the post at url, lets fn change it and writes it back, all in one
// transaction: if fn fails nothing is written.
func (db *DB) UpdatePost(ctx context.Context, url string, fn func(*post.Post) error) (*post.Post, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("update post: %w", err)
	}
	defer tx.Rollback()
	p, err := scanPost(tx.QueryRowContext(ctx, `SELECT `+postColumns+` FROM posts p WHERE url = ?`, url))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("post %s: %w", url, post.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("update post %s: %w", url, err)
	}
	if err := fn(p); err != nil {
		return nil, err
	}
	item, err := json.Marshal(p.Item)
	if err != nil {
		return nil, fmt.Errorf("update post: encode: %w", err)
	}
	synd, _ := json.Marshal(nonNil(p.SyndicateTo))
	if _, err := tx.ExecContext(ctx, `UPDATE posts SET slug = ?, post_type = ?, item = ?, published = ?,
		updated = ?, deleted = ?, status = ?, visibility = ?, syndicate_to = ? WHERE id = ?`,
		p.Slug, p.Type, item, formatTime(p.Published), formatTime(p.Updated), p.Deleted, p.Status,
		p.Visibility, synd, p.ID); err != nil {
		return nil, fmt.Errorf("update post %s: %w", url, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM post_tags WHERE post_id = ?`, p.ID); err != nil {
		return nil, fmt.Errorf("update post %s: tags: %w", url, err)
	}
	if err := setTags(ctx, tx, p.ID, p.Categories); err != nil {
		return nil, err
	}
	return p, tx.Commit()
}

// ListPosts lists posts newest first as q selects them.
func (db *DB) ListPosts(ctx context.Context, q post.Query) ([]*post.Post, error) {
	var where []string
	var args []any
	if !q.Deleted {
		where = append(where, "p.deleted = 0")
	}
	if q.Type != "" {
		where = append(where, "p.post_type = ?")
		args = append(args, q.Type)
	}
	if q.Status != "" {
		where = append(where, "p.status = ?")
		args = append(args, q.Status)
	}
	if len(q.Visibility) > 0 {
		where = append(where, "p.visibility IN (?"+strings.Repeat(",?", len(q.Visibility)-1)+")")
		for _, v := range q.Visibility {
			args = append(args, v)
		}
	}
	if q.Category != "" {
		where = append(where, `p.id IN (SELECT pt.post_id FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE t.norm = ?)`)
		args = append(args, NormalizeTag(q.Category))
	}
	query := `SELECT ` + postColumns + ` FROM posts p`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	query += " ORDER BY p.published DESC, p.id DESC LIMIT ? OFFSET ?"
	args = append(args, limit, q.Offset)
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
	return posts, rows.Err()
}

// Categories lists the display forms of tags in use, those starting with prefix
// (case-insensitive) if one is given, in alphabetical order.
func (db *DB) Categories(ctx context.Context, prefix string) ([]string, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT display FROM tags
		WHERE norm LIKE ? ESCAPE '\' AND id IN (SELECT tag_id FROM post_tags) ORDER BY norm`,
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

// NormalizeTag is the lookup key of a tag: trimmed and lower-cased.
func NormalizeTag(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func setTags(ctx context.Context, tx *sql.Tx, postID int64, tags []string) error {
	for _, t := range tags {
		norm := NormalizeTag(t)
		if norm == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tags (norm, display) VALUES (?, ?) ON CONFLICT (norm) DO NOTHING`,
			norm, strings.TrimSpace(t)); err != nil {
			return fmt.Errorf("tag %q: %w", t, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO post_tags (post_id, tag_id)
			SELECT ?, id FROM tags WHERE norm = ?`, postID, norm); err != nil {
			return fmt.Errorf("tag %q: %w", t, err)
		}
	}
	return nil
}

const postColumns = `p.id, p.url, p.slug, p.post_type, p.item, p.published, p.updated, p.deleted,
	p.status, p.visibility, p.syndicate_to`

type scanner interface{ Scan(dest ...any) error }

func scanPost(s scanner) (*post.Post, error) {
	var p post.Post
	var item, synd []byte
	var published, updated string
	if err := s.Scan(&p.ID, &p.URL, &p.Slug, &p.Type, &item, &published, &updated, &p.Deleted,
		&p.Status, &p.Visibility, &synd); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(item, &p.Item); err != nil {
		return nil, fmt.Errorf("decode post %d: %w", p.ID, err)
	}
	if p.Item.Properties == nil {
		p.Item.Properties = map[string][]any{}
	}
	_ = json.Unmarshal(synd, &p.SyndicateTo)
	p.Published, p.Updated = parseTime(published), parseTime(updated)
	for _, c := range p.Item.Properties["category"] {
		if s := post.StringValue(c); s != "" {
			p.Categories = append(p.Categories, s)
		}
	}
	return &p, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
