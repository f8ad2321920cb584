package sqlite

import (
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// TestQueryPlans checks with EXPLAIN QUERY PLAN that the lookups the site and the
// Micropub endpoint make most are index searches that need no sort: by URL, the home page
// (public, published, not deleted), a tag's page, a type's list, and their next pages.
func TestQueryPlans(t *testing.T) {
	db := newDB(t)
	cursor := (&post.Post{ID: 10, Published: time.Now()}).Cursor()
	home := post.Query{Status: post.StatusPublished, Visibility: []string{post.VisibilityPublic}}
	withAfter := func(q post.Query) post.Query { q.After = cursor; return q }
	tagged := home
	tagged.Category = "Go"
	likes := post.Query{Type: "like"}
	tests := []struct {
		name, index string
		q           *post.Query
		sql         string
	}{
		{"by url", "sqlite_autoindex_posts_1", nil, `SELECT ` + postColumns + ` FROM posts p WHERE url = ?`},
		{"home", "posts_listing", &home, ""},
		{"home next page", "posts_listing", ptr(withAfter(home)), ""},
		{"tag", "post_tags_tag", &tagged, ""},
		{"tag next page", "post_tags_tag", ptr(withAfter(tagged)), ""},
		{"type", "posts_type", &likes, ""},
		{"type next page", "posts_type", ptr(withAfter(likes)), ""},
		{"micropub list", "posts_published", &post.Query{}, ""},
		{"micropub list next page", "posts_published", ptr(withAfter(post.Query{})), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			query, args := tt.sql, []any{"x"}
			if tt.q != nil {
				var err error
				if query, args, err = listSQL(*tt.q); err != nil {
					t.Fatal(err)
				}
			}
			plan := explain(t, db, query, args)
			t.Logf("%s", plan)
			if !strings.Contains(plan, "INDEX "+tt.index+" ") || strings.Contains(plan, "TEMP B-TREE") ||
				strings.Contains(plan, "SCAN p\n") {
				t.Errorf("plan for %s:\n%s\nwant a search on %s and no sort", query, plan, tt.index)
			}
		})
	}
}

func ptr(q post.Query) *post.Query { return &q }

func explain(t *testing.T, db *DB, query string, args []any) string {
	t.Helper()
	rows, err := db.SQL().Query(`EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		b.WriteString(detail + "\n")
	}
	return b.String()
}
