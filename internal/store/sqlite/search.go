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
// q.Visibility, q.Type and q.Category; with q.Prefix the last word also finds the words
// it begins. Text without words finds nothing. The index is post_search, in its own file
// (searchdb.go) and written behind the posts (searchindex.go), who may see each post
// included: the filters are words of the index too, and the columns of posts only confirm
// them. What the index has not taken yet it takes first, so that the search finds every
// post stored before it; when that fails (a full disk), the search answers from the index
// as it is.
func (db *DB) SearchPosts(ctx context.Context, q post.Search) ([]*post.Post, error) {
	match := ftsQuery(post.SearchTerms(q.Text), q.Prefix)
	if match == "" {
		return []*post.Post{}, nil
	}
	if err := db.catchUpSearch(ctx, 0); err != nil {
		db.logger.Warn("search index", "err", err)
	}
	ask, exclude := accessQuery(q)
	match = "(" + match + ask + ")" + exclude
	s := &selection{}
	s.add(`post_search MATCH ?`, match)
	s.add(`p.deleted = 0`)
	if q.Status != "" {
		s.add(`p.status = ?`, q.Status)
	}
	if len(q.Visibility) > 0 {
		s.add(`p.visibility IN (?`+strings.Repeat(",?", len(q.Visibility)-1)+`)`, stringArgs(q.Visibility)...)
	}
	if q.Type != "" {
		s.add(`p.post_type = ?`, q.Type)
	}
	if q.Category != "" {
		s.add(`EXISTS (SELECT 1 FROM post_tags pt WHERE pt.post_id = p.id
			AND pt.tag_id = (SELECT id FROM tags WHERE norm = ?))`, NormalizeTag(q.Category))
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
	rows, err := db.search.QueryContext(ctx, query, append(s.args, limit)...)
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
// an operator, a column filter or a prefix, except the last one's "*" (a prefix query,
// §3.3) when prefix is set; strings side by side are ANDed (§3.7). It names no column:
// a column filter (§3.6) made FTS5 read every match's positions, ten times the cost of a
// rare word's search, so a term that is an access word ("xsdraft") also finds the posts
// it names, which the access part of the query and the columns still filter.
func ftsQuery(terms []string, prefix bool) string {
	if len(terms) == 0 {
		return ""
	}
	quoted := make([]string, len(terms))
	for i, t := range terms {
		quoted[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	if prefix {
		quoted[len(quoted)-1] += " *"
	}
	return strings.Join(quoted, " ")
}

// accessQuery is the parts of the FTS5 query that keep the posts q may see, by the words
// of the access column (post.Search.AccessWords): those ANDed with the search's words,
// and the NOT that follows (§3.7); the columns' conditions confirm them. No column
// filter either: a post whose text holds an access word is only read and checked.
func accessQuery(q post.Search) (ask, exclude string) {
	word := func(w string) string { return `"` + strings.ReplaceAll(w, `"`, `""`) + `"` }
	all, none := q.AccessWords()
	for _, group := range all {
		alts := make([]string, len(group))
		for i, w := range group {
			alts[i] = word(w)
		}
		ask += ` AND (` + strings.Join(alts, " OR ") + `)`
	}
	nots := make([]string, len(none))
	for i, w := range none {
		nots[i] = word(w)
	}
	return ask, ` NOT (` + strings.Join(nots, " OR ") + `)`
}
