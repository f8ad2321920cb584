package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/indiepub/indiepub/internal/post"
)

// SearchPosts lists the posts, never deleted ones, whose name, content or tags hold every
// word of q.Text (post.SearchTerms), newest stored first (by ID), q.Limit of them (20 when
// unset), only those with an ID below q.Before when it is set, filtered by q.Status and
// q.Visibility. Text without words finds nothing. The words are posts.search, a generated
// column with a GIN index (migrations/0006_search.sql).
func (db *DB) SearchPosts(ctx context.Context, q post.Search) ([]*post.Post, error) {
	terms := post.SearchTerms(q.Text)
	if len(terms) == 0 {
		return []*post.Post{}, nil
	}
	// plainto_tsquery ANDs the words it is given and reads no operators: the terms are
	// letters and digits only, and it would take anything else as text too.
	s := &selection{}
	s.add(`p.search @@ plainto_tsquery('simple', ?)`, strings.Join(terms, " "))
	s.add(`NOT p.deleted`)
	if q.Status != "" {
		s.add(`p.status = ?`, q.Status)
	}
	if len(q.Visibility) > 0 {
		s.add(`p.visibility = ANY(?)`, q.Visibility)
	}
	if q.Before > 0 {
		s.add(`p.id < ?`, q.Before)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	query := `SELECT ` + postColumns + ` FROM posts p` + s.where() + ` ORDER BY p.id DESC LIMIT ?`
	rows, err := db.pool.Query(ctx, numbered(query), append(s.args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("search posts: %w", err)
	}
	defer rows.Close()
	posts := []*post.Post{}
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, fmt.Errorf("search posts: %w", err)
		}
		posts = append(posts, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search posts: %w", err)
	}
	return posts, nil
}
