package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// searchState is the index's mark, the newest post's ID and the changes waiting (those
// noted after the last one the index has taken).
func searchState(t *testing.T, db *DB) (mark, newest, backlog int64) {
	t.Helper()
	if err := db.search.QueryRow(`SELECT (SELECT id FROM search_indexed), (SELECT coalesce(max(id), 0) FROM posts),
		(SELECT count(*) FROM search_backlog WHERE seq > (SELECT seq FROM search_indexed))`).Scan(&mark, &newest, &backlog); err != nil {
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

// storeWord stores n posts whose content is word and the post's number, at
// https://example.com/notes/<prefix><number>.
func storeWord(t *testing.T, db *DB, word, prefix string, n int) {
	t.Helper()
	for i := range n {
		p := newPost(t, fmt.Sprintf(`{"type":["h-entry"],"properties":{"content":["%s %d"]}}`, word, i),
			fmt.Sprintf("https://example.com/notes/%s%d", prefix, i))
		if err := db.CreatePost(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
}

// newBatchedDB is a new store whose index transactions each take batch new posts, however
// long they last.
func newBatchedDB(t *testing.T, batch int64) *DB {
	t.Helper()
	db := newDB(t)
	db.searchBatch.Store(batch)
	db.searchBatchTime.Store(int64(time.Hour))
	return db
}

// setContent changes the content of the post at url to text.
func setContent(t *testing.T, db *DB, url, text string) {
	t.Helper()
	if _, err := db.UpdatePost(t.Context(), url, func(p *post.Post) error {
		p.Item.Properties["content"] = []any{text}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
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
	if _, err := db.search.Exec(`DELETE FROM post_search`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.search.Exec(`UPDATE search_indexed SET id = 0, seq = 0`); err != nil {
		t.Fatal(err)
	}
}

// TestSearchIndexedBehindWrites: the indexer takes the posts soon after they are
// written, without any search asking, at most db.searchBatch new posts a transaction, and a
// change to an indexed post replaces its row. The index passes FTS5's own integrity check
// after it all.
func TestSearchIndexedBehindWrites(t *testing.T) {
	const batch = 64
	db := newBatchedDB(t, batch)
	const n = 3*batch + 100
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
		if next <= mark || next-mark > batch {
			t.Fatalf("one index transaction took posts %d to %d: want 1 to %d of them", mark+1, next, batch)
		}
		marks = append(marks, next)
		mark = next
	}
	if want := (n + batch - 1) / batch; len(marks) != want {
		t.Errorf("index transactions ended at %v, want %d of them", marks, want)
	}
	if got := searchURLs(t, db, "walrus"); len(got) != n {
		t.Errorf("search after indexing again: %d posts, want %d", len(got), n)
	}

	// A change: the new words found, the old ones gone, once the indexer has it.
	setContent(t, db, "https://example.com/notes/w7", "narwhal")
	waitIndexed(t, db)
	var rows int
	if err := db.search.QueryRow(`SELECT count(*) FROM post_search WHERE post_search MATCH 'narwhal OR number7'`).Scan(&rows); err != nil {
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
	if _, err := db.search.Exec(`INSERT INTO post_search (post_search) VALUES ('integrity-check')`); err != nil {
		t.Errorf("FTS5 integrity check: %v", err)
	}
}

// TestSearchCatchesUpFirst: a search finds the posts and the changes the index has not
// taken yet: it takes them first.
func TestSearchCatchesUpFirst(t *testing.T) {
	db := newDB(t)
	storeWord(t, db, "otter", "o", 3)
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
	db := openAt(t, path)
	storeWord(t, db, "heron", "h", 50)
	db.Close() // at once: the indexer's delay has not passed
	db = openAt(t, path)
	defer db.Close()
	if got := searchURLs(t, db, "heron"); len(got) != 50 {
		t.Errorf("search after reopening: %d posts, want 50", len(got))
	}
	var rows int
	if err := db.search.QueryRow(`SELECT count(*) FROM post_search WHERE post_search MATCH 'heron'`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 50 {
		t.Errorf("%d index rows for 50 posts", rows)
	}
}

// TestIndexBesideCreates: the index is written in its own file, so that an index
// transaction, however long, holds up no create. While a transaction holds the search
// file's write lock, 64 creates from 16 goroutines are stored; once it ends, the index
// takes them. With the index in the posts' file, the creates waited for the transaction.
func TestIndexBesideCreates(t *testing.T) {
	db := newDB(t)
	ctx := t.Context()
	db.indexing.Lock() // the indexer and searches wait, as behind a long batch
	tx, err := db.search.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE search_indexed SET id = id`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 64)
	for w := range 16 {
		go func() {
			for i := w; i < 64; i += 16 {
				p := newPost(t, fmt.Sprintf(`{"type":["h-entry"],"properties":{"content":["puffin %d"]}}`, i),
					fmt.Sprintf("https://example.com/notes/p%d", i))
				done <- db.CreatePost(context.Background(), p)
			}
		}()
	}
	timeout := time.After(10 * time.Second)
	for range 64 {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-timeout:
			t.Fatal("creates still waiting 10 s into an index transaction")
		}
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	db.indexing.Unlock()
	waitIndexed(t, db)
	if got := searchURLs(t, db, "puffin"); len(got) != 64 {
		t.Errorf("search after the transaction: %d posts, want 64", len(got))
	}
}

// TestSearchFileMadeAgain: the search file is derived data. Missing, of another schema
// version, or ahead of the posts (the posts' file replaced by an older copy), it is made
// anew when the store opens, and the index, built again from the posts with no write or
// search to start it, finds each post once, as it is now.
func TestSearchFileMadeAgain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "indiepub.db")
	db := openAt(t, path)
	storeWord(t, db, "ibis", "i", 20)
	setContent(t, db, "https://example.com/notes/i3", "stork")
	waitIndexed(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, spoil := range []struct {
		name string
		do   func(s *sql.DB) error
	}{
		// An index of other posts: none of these, and a mark beyond them.
		{"ahead of the posts", func(s *sql.DB) error {
			_, err := s.Exec(`DELETE FROM post_search; UPDATE search_indexed SET id = id + 1000`)
			return err
		}},
		{"ahead of the changes", func(s *sql.DB) error {
			_, err := s.Exec(`DELETE FROM post_search; UPDATE search_indexed SET seq = seq + 1`)
			return err
		}},
		{"of another version", func(s *sql.DB) error {
			if _, err := s.Exec(`DELETE FROM post_search`); err != nil {
				return err
			}
			_, err := s.Exec(`PRAGMA user_version = 99`)
			return err
		}},
		{"missing", func(*sql.DB) error {
			for _, f := range []string{"", "-wal", "-shm"} {
				if err := os.Remove(path + "-search" + f); err != nil && !errors.Is(err, os.ErrNotExist) {
					return err
				}
			}
			return nil
		}},
	} {
		s, err := sql.Open("sqlite", "file:"+path+"-search")
		if err != nil {
			t.Fatal(err)
		}
		err = spoil.do(s)
		s.Close()
		if err != nil {
			t.Fatalf("%s: %v", spoil.name, err)
		}
		db, err := Open(t.Context(), path)
		if err != nil {
			t.Fatalf("%s: open: %v", spoil.name, err)
		}
		// Built again from the store's opening, before any write or search asks.
		waitIndexed(t, db)
		if got := searchURLs(t, db, "ibis"); len(got) != 19 {
			t.Errorf("%s: search for the unchanged posts' word: %d posts, want 19", spoil.name, len(got))
		}
		if got := searchURLs(t, db, "stork"); len(got) != 1 {
			t.Errorf("%s: search for the changed post's word: %q, want it", spoil.name, got)
		}
		var rows int
		if err := db.search.QueryRow(`SELECT count(*) FROM post_search WHERE post_search MATCH 'ibis OR stork'`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != 20 {
			t.Errorf("%s: %d index rows for 20 posts", spoil.name, rows)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTwoStoresIndex: two stores open on one file (a server and a command beside it) each
// index their own writes and answer searches, at once, and each search finds every post
// either stored before it. An index transaction that read before it wrote failed here
// when the other store's had committed in between (SQLITE_BUSY_SNAPSHOT).
func TestTwoStoresIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "indiepub.db")
	var dbs [2]*DB
	for i := range dbs {
		dbs[i] = openAt(t, path)
		defer dbs[i].Close()
	}
	var failed atomic.Bool
	var wg sync.WaitGroup
	for w := range 8 {
		db := dbs[w%2]
		wg.Go(func() {
			for i := range 40 {
				p := newPost(t, fmt.Sprintf(`{"type":["h-entry"],"properties":{"content":["gannet %d %d"]}}`, w, i),
					fmt.Sprintf("https://example.com/notes/g%d-%d", w, i))
				if err := db.CreatePost(context.Background(), p); err != nil {
					t.Error(err)
					return
				}
				if err := db.catchUpSearch(context.Background(), 0); err != nil {
					t.Errorf("store %d indexing: %v", w%2, err)
					failed.Store(true)
					return
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() {
		return
	}
	for i, db := range dbs {
		if got := searchURLs(t, db, "gannet"); len(got) != 320 {
			t.Errorf("store %d: search found %d posts, want 320", i, len(got))
		}
	}
}

// TestChangeBeyondTheMark: a post changed before the index has reached it is indexed once,
// as it is when the index reaches it, and the change's note is not taken again: across
// batches, with a change to a post the first batch takes and one to a post a later batch
// takes.
func TestChangeBeyondTheMark(t *testing.T) {
	const batch = 64
	db := newBatchedDB(t, batch)
	const n = 2*batch + 10
	storeWord(t, db, "tern", "t", n)
	time.Sleep(3 * searchDelay)
	forgetIndex(t, db)
	for _, i := range []int{3, n - 2} {
		setContent(t, db, fmt.Sprintf("https://example.com/notes/t%d", i), fmt.Sprintf("plover %d", i))
	}
	for mark := int64(0); mark < n; {
		next, err := db.indexSearch(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		mark = next
	}
	if _, _, backlog := searchState(t, db); backlog != 0 {
		t.Errorf("%d changes still waiting after the index took every post", backlog)
	}
	if got := searchURLs(t, db, "plover"); len(got) != 2 {
		t.Errorf("search for the changed posts' word: %q, want both", got)
	}
	if got := searchURLs(t, db, "tern"); len(got) != n-2 {
		t.Errorf("search for the unchanged posts' word: %d posts, want %d", len(got), n-2)
	}
	var rows int
	if err := db.search.QueryRow(`SELECT count(*) FROM post_search WHERE post_search MATCH 'tern OR plover'`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != n {
		t.Errorf("%d index rows for %d posts", rows, n)
	}
}

// TestSearchStepFollowsTime: an index transaction that takes longer than
// searchBatchTime halves the next one's new posts, down to searchMinBatch, and one that
// takes less than a quarter of it doubles them, up to searchBatch.
func TestSearchStepFollowsTime(t *testing.T) {
	db := newBatchedDB(t, 64)
	const n = 300
	storeWord(t, db, "heron", "h", n)
	time.Sleep(3 * searchDelay)
	forgetIndex(t, db)
	db.indexing.Lock()
	db.searchStep = 0
	db.indexing.Unlock()
	steps := func(k int) []int64 {
		t.Helper()
		var got []int64
		mark, _, _ := searchState(t, db)
		for range k {
			next, err := db.indexSearch(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, next-mark)
			mark = next
		}
		return got
	}
	db.searchBatchTime.Store(0) // every transaction too long
	if got, want := steps(5), []int64{64, 32, 16, 16, 16}; !slices.Equal(got, want) {
		t.Errorf("posts a transaction, each too long: %v, want %v", got, want)
	}
	db.searchBatchTime.Store(int64(time.Hour)) // every transaction quick
	if got, want := steps(3), []int64{16, 32, 64}; !slices.Equal(got, want) {
		t.Errorf("posts a transaction, each quick: %v, want %v", got, want)
	}
	for {
		mark, err := db.indexSearch(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if mark >= n {
			break
		}
	}
	if got := searchURLs(t, db, "heron"); len(got) != n {
		t.Errorf("search after indexing in steps: %d posts, want %d", len(got), n)
	}
}
