package sqlite

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// seedList stores posts of several types, statuses and visibilities; some share a
// published time, so order falls back to the ID.
func seedList(t *testing.T, db *DB) []*post.Post {
	t.Helper()
	specs := []struct{ props string }{
		{`"content":["n0"],"category":["Go"]`},
		{`"like-of":["https://a.example/"]`},
		{`"content":["n2"],"post-status":["draft"],"category":["go"]`},
		{`"content":["n3"],"visibility":["unlisted"],"category":["SQLite"]`},
		{`"content":["n4"],"visibility":["private"],"category":["Go"]`},
		{`"like-of":["https://b.example/"],"category":["go"]`},
		{`"content":["n6"],"category":["Go","SQLite"]`},
		{`"content":["n7"]`},
	}
	var posts []*post.Post
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for i, s := range specs {
		// Posts 6 and 7 share published with 4 and 5.
		pub := base.Add(time.Duration(min(i, i-2*(i/6))) * time.Hour).Format(time.RFC3339)
		p := newPost(t, fmt.Sprintf(`{"properties":{%s,"published":[%q]}}`, s.props, pub), fmt.Sprintf("https://example.com/p/%d", i))
		posts = append(posts, create(t, db, p))
	}
	if _, err := db.UpdatePost(context.Background(), posts[7].URL, func(p *post.Post) error {
		p.Deleted = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return posts
}

func urls(ps []*post.Post) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.URL[len("https://example.com/p/"):])
	}
	return out
}

func TestListPosts(t *testing.T) {
	db := newDB(t)
	seedList(t, db)
	ctx := context.Background()
	public := []string{post.VisibilityPublic}
	tests := []struct {
		name string
		q    post.Query
		want []string
	}{
		// Published hours: 0,1,2,3,4,5,4,5 for posts 0..7; ties newest ID first.
		{"all not deleted", post.Query{}, []string{"5", "6", "4", "3", "2", "1", "0"}},
		{"with deleted", post.Query{Deleted: true}, []string{"7", "5", "6", "4", "3", "2", "1", "0"}},
		{"home", post.Query{Status: post.StatusPublished, Visibility: public}, []string{"5", "6", "1", "0"}},
		{"public or unlisted", post.Query{Status: post.StatusPublished, Visibility: []string{"public", "unlisted"}}, []string{"5", "6", "3", "1", "0"}},
		{"drafts", post.Query{Status: post.StatusDraft}, []string{"2"}},
		{"likes", post.Query{Type: "like"}, []string{"5", "1"}},
		{"tag any case", post.Query{Category: "GO"}, []string{"5", "6", "4", "2", "0"}},
		{"tag on home", post.Query{Category: "go", Status: post.StatusPublished, Visibility: public}, []string{"5", "6", "0"}},
		{"tag and type", post.Query{Category: "go", Type: "like"}, []string{"5"}},
		{"unknown tag", post.Query{Category: "nope"}, []string{}},
		{"limit", post.Query{Limit: 2}, []string{"5", "6"}},
		{"offset", post.Query{Limit: 2, Offset: 2}, []string{"4", "3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.ListPosts(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(urls(got), tt.want) {
				t.Errorf("ListPosts(%+v) = %v, want %v", tt.q, urls(got), tt.want)
			}
			n, err := db.CountPosts(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if tt.q.Limit == 0 && n != len(tt.want) {
				t.Errorf("CountPosts = %d, want %d", n, len(tt.want))
			}
		})
	}
}

// TestListPostsCursor pages with After through every filter shape and checks the pages
// join up to the full listing, and that a post added meanwhile does not shift them.
func TestListPostsCursor(t *testing.T) {
	db := newDB(t)
	seedList(t, db)
	ctx := context.Background()
	added := 0
	for _, q := range []post.Query{{}, {Deleted: true}, {Category: "go"}, {Type: "like"},
		{Status: post.StatusPublished, Visibility: []string{post.VisibilityPublic}}} {
		full, err := db.ListPosts(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var paged []*post.Post
		page := q
		page.Limit = 2
		for i := 0; ; i++ {
			got, err := db.ListPosts(ctx, page)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				// A newer post arriving after the first page must not move the next ones.
				added++
				create(t, db, newPost(t, `{"properties":{"content":["new"],"category":["go"],"published":["2030-01-01T00:00:00Z"]}}`, fmt.Sprintf("https://example.com/p/new%d", added)))
			}
			paged = append(paged, got...)
			if len(got) < page.Limit {
				break
			}
			page.After = got[len(got)-1].Cursor()
		}
		if !reflect.DeepEqual(urls(paged), urls(full)) {
			t.Errorf("%+v: pages %v, want %v", q, urls(paged), urls(full))
		}
	}
	if _, err := db.ListPosts(ctx, post.Query{After: "not a cursor"}); !errors.Is(err, post.ErrInvalid) {
		t.Errorf("bad cursor: %v, want ErrInvalid", err)
	}
}

func TestTags(t *testing.T) {
	db := newDB(t)
	seedList(t, db)
	ctx := context.Background()
	got, err := db.TagCounts(ctx, post.Query{})
	if err != nil {
		t.Fatal(err)
	}
	want := []post.TagCount{{Tag: "Go", Norm: "go", Count: 5}, {Tag: "SQLite", Norm: "sqlite", Count: 2}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("TagCounts = %+v, want %+v", got, want)
	}
	got, _ = db.TagCounts(ctx, post.Query{Status: post.StatusPublished, Visibility: []string{post.VisibilityPublic}})
	want = []post.TagCount{{Tag: "Go", Norm: "go", Count: 3}, {Tag: "SQLite", Norm: "sqlite", Count: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("public TagCounts = %+v, want %+v", got, want)
	}
	for prefix, want := range map[string][]string{"": {"Go", "SQLite"}, "s": {"SQLite"}, "SQ": {"SQLite"}, "%": {}, "x": {}} {
		if got, _ := db.Categories(ctx, prefix); !reflect.DeepEqual(got, want) {
			t.Errorf("Categories(%q) = %v, want %v", prefix, got, want)
		}
	}
}

// TestCountsFollowChanges checks the trigger-kept counts against a count from the
// tables themselves after creates, updates that change status, visibility, type and tags,
// a soft delete and a hard delete.
func TestCountsFollowChanges(t *testing.T) {
	db := newDB(t)
	seedList(t, db)
	ctx := context.Background()
	change := func(url string, fn func(p *post.Post)) {
		t.Helper()
		if _, err := db.UpdatePost(ctx, url, func(p *post.Post) error {
			fn(p)
			return p.Reindex(time.Now())
		}); err != nil {
			t.Fatal(err)
		}
	}
	change("https://example.com/p/0", func(p *post.Post) { p.Item.Properties["post-status"] = []any{"draft"} })
	change("https://example.com/p/6", func(p *post.Post) { p.Item.Properties["category"] = []any{"go", "New"} })
	change("https://example.com/p/1", func(p *post.Post) { p.Item.Properties["category"] = []any{"Go"} })
	change("https://example.com/p/3", func(p *post.Post) { p.Deleted = true })
	if _, err := db.SQL().Exec(`DELETE FROM posts WHERE url = 'https://example.com/p/5'`); err != nil {
		t.Fatal(err)
	}
	public := []string{post.VisibilityPublic}
	for _, q := range []post.Query{{}, {Deleted: true}, {Type: "like"}, {Type: "note", Status: post.StatusPublished},
		{Status: post.StatusPublished, Visibility: public}, {Visibility: []string{"public", "private"}}} {
		got, err := db.TagCounts(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want := tagCountsByJoin(t, db, q)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("TagCounts(%+v) = %+v, want %+v", q, got, want)
		}
		for _, cat := range []string{"", "GO", "sqlite", "new", "none"} {
			q.Category = cat
			n, err := db.CountPosts(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if want := countByJoin(t, db, q); n != want {
				t.Errorf("CountPosts(%+v) = %d, want %d", q, n, want)
			}
		}
	}
	got, _ := db.TagCounts(ctx, post.Query{Status: post.StatusPublished, Visibility: public})
	// Public and published: 1 and 6 tagged Go (0 is now a draft, 5 is gone), 6 tagged New;
	// SQLite is left only on a deleted post (3) and a private one, so it is not listed.
	want := []post.TagCount{{Tag: "Go", Norm: "go", Count: 2}, {Tag: "New", Norm: "new", Count: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("public TagCounts = %+v, want %+v", got, want)
	}
}

// countByJoin counts posts the slow way, from posts and post_tags.
func countByJoin(t *testing.T, db *DB, q post.Query) int {
	t.Helper()
	sel, err := selectPosts(q, false)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*)`+sel.from+sel.where(), sel.args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// tagCountsByJoin counts tags the slow way, from posts and post_tags.
func tagCountsByJoin(t *testing.T, db *DB, q post.Query) []post.TagCount {
	t.Helper()
	q.Category, q.After = "", ""
	sel, err := selectPosts(q, false)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.SQL().Query(`SELECT t.display, t.norm, COUNT(*) FROM posts p
		JOIN post_tags pt ON pt.post_id = p.id JOIN tags t ON t.id = pt.tag_id`+sel.where()+
		` GROUP BY t.id ORDER BY t.norm`, sel.args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := []post.TagCount{}
	for rows.Next() {
		var tc post.TagCount
		rows.Scan(&tc.Tag, &tc.Norm, &tc.Count)
		out = append(out, tc)
	}
	return out
}
