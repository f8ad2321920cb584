package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// searchState is the index's mark, the newest post's ID and the changes waiting.
func searchState(t *testing.T, db *DB) (mark, newest, backlog int64) {
	t.Helper()
	if err := db.db.QueryRow(`SELECT (SELECT id FROM search_indexed), (SELECT coalesce(max(id), 0) FROM posts),
		(SELECT count(*) FROM search_backlog)`).Scan(&mark, &newest, &backlog); err != nil {
		t.Fatal(err)
	}
	return mark, newest, backlog
}

func searchURLs(t *testing.T, db *DB, text string) []string {
	t.Helper()
	posts, err := db.SearchPosts(t.Context(), post.Search{Text: text, Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, p := range posts {
		urls = append(urls, p.URL)
	}
	return urls
}

// waitIndexed waits until the indexer has taken every post and change, with no search
// asking.
func waitIndexed(t *testing.T, db *DB) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(time.Millisecond) {
		mark, newest, backlog := searchState(t, db)
		if mark == newest && backlog == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("index at post %d of %d, %d changes waiting, 20s after the writes", mark, newest, backlog)
		}
	}
}

// forgetIndex empties the index, as if no post had been indexed yet. Nothing wakes the
// indexer afterwards (no post is written), so what indexes the posts next is the test's.
func forgetIndex(t *testing.T, db *DB) {
	t.Helper()
	if _, err := db.db.Exec(`DELETE FROM post_search`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.db.Exec(`UPDATE search_indexed SET id = 0`); err != nil {
		t.Fatal(err)
	}
}

// TestSearchIndexedBehindWrites: the indexer takes the posts soon after they are
// written, without any search asking, at most searchBatch new posts a transaction, and a
// change to an indexed post replaces its row. The index passes FTS5's own integrity check
// after it all.
func TestSearchIndexedBehindWrites(t *testing.T) {
	db := newDB(t)
	const n = 3*searchBatch + 100
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < n; i += 16 {
				p := newPost(t, fmt.Sprintf(`{"type":["h-entry"],"properties":{"content":["walrus number%d"]}}`, i),
					fmt.Sprintf("https://example.com/notes/w%d", i))
				if err := db.CreatePost(context.Background(), p); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	waitIndexed(t, db)
	if got := searchURLs(t, db, "walrus"); len(got) != n {
		t.Errorf("search for a word of every post: %d posts, want %d", len(got), n)
	}

	// The same posts again, one index transaction at a time, once the background indexer,
	// woken by the creates above, has run and found nothing behind: otherwise it takes
	// batches between the calls below.
	time.Sleep(3 * searchDelay)
	forgetIndex(t, db)
	var marks []int64
	for mark := int64(0); mark < n; {
		next, err := db.indexSearch(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if next <= mark || next-mark > searchBatch {
			t.Fatalf("one index transaction took posts %d to %d: want 1 to %d of them", mark+1, next, searchBatch)
		}
		marks = append(marks, next)
		mark = next
	}
	if want := (n + searchBatch - 1) / searchBatch; len(marks) != want {
		t.Errorf("index transactions ended at %v, want %d of them", marks, want)
	}
	if got := searchURLs(t, db, "walrus"); len(got) != n {
		t.Errorf("search after indexing again: %d posts, want %d", len(got), n)
	}

	// A change: the new words found, the old ones gone, once the indexer has it.
	if _, err := db.UpdatePost(t.Context(), "https://example.com/notes/w7", func(p *post.Post) error {
		p.Item.Properties["content"] = []any{"narwhal"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	waitIndexed(t, db)
	var rows int
	if err := db.db.QueryRow(`SELECT count(*) FROM post_search WHERE post_search MATCH 'narwhal OR number7'`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Errorf("%d index rows for the changed post's old and new words, want its one new row", rows)
	}
	if got := searchURLs(t, db, "narwhal"); len(got) != 1 || got[0] != "https://example.com/notes/w7" {
		t.Errorf("search for the changed post's new word: %q", got)
	}
	if got := searchURLs(t, db, "number7"); len(got) != 0 {
		t.Errorf("search for the changed post's old word: %q, want none", got)
	}
	if _, err := db.db.Exec(`INSERT INTO post_search (post_search) VALUES ('integrity-check')`); err != nil {
		t.Errorf("FTS5 integrity check: %v", err)
	}
}

// TestSearchCatchesUpFirst: a search finds the posts and the changes the index has not
// taken yet: it takes them first.
func TestSearchCatchesUpFirst(t *testing.T) {
	db := newDB(t)
	for i := range 3 {
		p := newPost(t, fmt.Sprintf(`{"type":["h-entry"],"properties":{"content":["otter %d"]}}`, i),
			fmt.Sprintf("https://example.com/notes/o%d", i))
		if err := db.CreatePost(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
	waitIndexed(t, db)
	forgetIndex(t, db)
	// A change written beside the store's own methods, so that it wakes no indexer: only
	// the search can take it.
	if _, err := db.db.Exec(`UPDATE posts SET item = json_set(item, '$.properties.content[0]', 'beaver')
		WHERE url = 'https://example.com/notes/o1'`); err != nil {
		t.Fatal(err)
	}
	if got := searchURLs(t, db, "otter"); len(got) != 2 {
		t.Errorf("search for a word of the two unchanged posts: %q, want 2", got)
	}
	if got := searchURLs(t, db, "beaver"); len(got) != 1 {
		t.Errorf("search for the changed post's new word: %q, want 1", got)
	}
	if mark, newest, backlog := searchState(t, db); mark != newest || backlog != 0 {
		t.Errorf("after the search: index at %d of %d, %d changes waiting", mark, newest, backlog)
	}
}

// TestSearchIndexSurvivesReopen: what the index had not taken when the store closed is
// taken after it opens again; nothing is indexed twice.
func TestSearchIndexSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "indiepub.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		p := newPost(t, fmt.Sprintf(`{"type":["h-entry"],"properties":{"content":["heron %d"]}}`, i),
			fmt.Sprintf("https://example.com/notes/h%d", i))
		if err := db.CreatePost(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
	db.Close() // at once: the indexer's delay has not passed
	db, err = Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := searchURLs(t, db, "heron"); len(got) != 50 {
		t.Errorf("search after reopening: %d posts, want 50", len(got))
	}
	var rows int
	if err := db.db.QueryRow(`SELECT count(*) FROM post_search WHERE post_search MATCH 'heron'`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 50 {
		t.Errorf("%d index rows for 50 posts", rows)
	}
}
