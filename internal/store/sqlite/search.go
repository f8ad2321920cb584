package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/indiepub/indiepub/internal/post"
)

// SearchPosts lists the posts, never deleted ones, whose name, content or tags hold every
// word of q.Text (post.SearchTerms), newest stored first (by ID), q.Limit of them (20 when
// unset), only those with an ID below q.Before when it is set, filtered by q.Status and
// q.Visibility. Text without words finds nothing. The index is post_search, written
// behind the posts (searchindex.go): what it has not taken yet it takes first, so that
// the search finds every post stored before it. When that fails (a full disk), the search
// answers from the index as it is.
func (db *DB) SearchPosts(ctx context.Context, q post.Search) ([]*post.Post, error) {
	match := ftsQuery(post.SearchTerms(q.Text))
	if match == "" {
		return []*post.Post{}, nil
	}
	if err := db.catchUpSearch(ctx, 0); err != nil {
		db.logger.Warn("search index", "err", err)
	}
	s := &selection{}
	s.add(`post_search MATCH ?`, match)
	s.add(`p.deleted = 0`)
	if q.Status != "" {
		s.add(`p.status = ?`, q.Status)
	}
	if len(q.Visibility) > 0 {
		s.add(`p.visibility IN (?`+strings.Repeat(",?", len(q.Visibility)-1)+`)`, stringArgs(q.Visibility)...)
	}
	if q.Before > 0 {
		s.add(`s.rowid < ?`, q.Before)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	// FTS5 gives its matches in rowid order, so newest first with a LIMIT reads no more
	// of the index than the page needs, however many posts hold a common word.
	query := `SELECT ` + postColumns + ` FROM post_search s JOIN posts p ON p.id = s.rowid` +
		s.where() + ` ORDER BY s.rowid DESC LIMIT ?`
	rows, err := db.db.QueryContext(ctx, query, append(s.args, limit)...)
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

// ftsQuery is an FTS5 query that matches every term: each one a string (§3.1 of
// https://www.sqlite.org/fts5.html, its double quotes doubled), so that nothing in it is
// an operator, a column filter or a prefix; strings side by side are ANDed (§3.7).
func ftsQuery(terms []string) string {
	quoted := make([]string, len(terms))
	for i, t := range terms {
		quoted[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	return strings.Join(quoted, " ")
}
