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
// q.Visibility, q.Type and q.Category; with q.Prefix the last word also finds the words it begins. Text without
// words finds nothing. The words are posts.search, a generated column with a GIN index
// (migrations/0013_post_files_search.sql), who may see each post included: the filters
// are words of the index too, and the columns only confirm them.
func (db *DB) SearchPosts(ctx context.Context, q post.Search) ([]*post.Post, error) {
	terms := post.SearchTerms(q.Text)
	if len(terms) == 0 {
		return []*post.Post{}, nil
	}
	s := &selection{}
	s.add(`p.search @@ to_tsquery('simple', ?)`, tsQuery(terms, q))
	s.add(`NOT p.deleted`)
	if q.Status != "" {
		s.add(`p.status = ?`, q.Status)
	}
	if len(q.Visibility) > 0 {
		s.add(`p.visibility = ANY(?)`, q.Visibility)
	}
	if q.Type != "" {
		s.add(`p.post_type = ?`, q.Type)
	}
	if q.Category != "" {
		s.add(`EXISTS (SELECT 1 FROM post_tags pt WHERE pt.post_id = p.id
			AND pt.tag_id = (SELECT id FROM tags WHERE norm = ?))`, post.NormalizeTag(q.Category))
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

// tsQuery is a to_tsquery text that ANDs the terms, each at weight A (the post's words),
// the last one a prefix (":*") when q.Prefix is set, with the access words of weight D
// that q's filters ask for and NOT those they exclude (post.Search.AccessWords;
// https://www.postgresql.org/docs/current/datatype-textsearch.html §8.11.2). A term is
// letters and digits only (post.SearchTerms), quoted as a lexeme all the same; the
// columns confirm the access words.
func tsQuery(terms []string, q post.Search) string {
	lexeme := func(w, weight string) string { return "'" + strings.ReplaceAll(w, "'", "''") + "'" + weight }
	parts := make([]string, 0, len(terms)+3)
	for i, t := range terms {
		weight := ":A"
		if q.Prefix && i == len(terms)-1 {
			weight = ":*A"
		}
		parts = append(parts, lexeme(t, weight))
	}
	all, none := q.AccessWords()
	for _, group := range all {
		alts := make([]string, len(group))
		for i, w := range group {
			alts[i] = lexeme(w, ":D")
		}
		parts = append(parts, "("+strings.Join(alts, " | ")+")")
	}
	nots := make([]string, len(none))
	for i, w := range none {
		nots[i] = lexeme(w, ":D")
	}
	parts = append(parts, "!("+strings.Join(nots, " | ")+")")
	return strings.Join(parts, " & ")
}
