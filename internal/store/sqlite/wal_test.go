package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// TestWALResetUnderLoad runs 16 writers and 16 readers of what a page reads (the home
// listing and its count, a post by URL, the site's version) against the store for 10 s
// and checks, every 50 ms, that the write-ahead log stays within max(64 MiB, twice the
// database), that it was started over, and how long those resets stopped the writer.
// Without resets the log grows by every create's pages (about 13 KB a create here), past
// 64 MiB after some 5,000 creates, more than a loaded machine or the race detector
// makes in 10 s; so the log is started over at 1 MiB here instead of 16, and must stay
// under 8 MiB: the same mechanism, its bound shown within a few hundred creates.
func TestWALResetUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("a sustained load")
	}
	path := filepath.Join(t.TempDir(), "indiepub.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.resetFrames.Store(256)
	const testBound = 8 << 20
	size := func(path string) int64 {
		st, err := os.Stat(path)
		if err != nil {
			return 0
		}
		return st.Size()
	}
	ctx := context.Background()
	var creates, reads atomic.Int64
	var newest atomic.Value
	newest.Store("")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	text := strings.Repeat("word ", 200)
	for w := range 16 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				u := fmt.Sprintf("https://example.com/notes/%d-%d", w, i)
				p := newPost(t, fmt.Sprintf(`{"properties":{"content":["%s %d"],"category":["t%d"]}}`, text, i, i%50), u)
				if err := db.CreatePost(ctx, p); err != nil {
					t.Error(err)
					return
				}
				newest.Store(u)
				creates.Add(1)
			}
		})
	}
	for range 16 {
		wg.Go(func() {
			home := post.Query{Status: post.StatusPublished, Visibility: []string{post.VisibilityPublic}, Limit: 20}
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, err1 := db.ListPosts(ctx, home)
				_, err2 := db.CountPosts(ctx, home)
				_, _, err3 := db.SiteChanges(ctx)
				if u := newest.Load().(string); u != "" {
					db.PostByURL(ctx, u)
				}
				if err := errorsJoin(err1, err2, err3); err != nil {
					t.Error(err)
					return
				}
				reads.Add(1)
			}
		})
	}
	start := time.Now()
	var maxWAL int64
	tick := time.NewTicker(50 * time.Millisecond)
	for time.Since(start) < 10*time.Second {
		<-tick.C
		wal, dbSize := size(path+"-wal"), size(path)
		maxWAL = max(maxWAL, wal)
		if limit := min(testBound, max(64<<20, 2*dbSize)); wal > limit {
			t.Errorf("after %v and %d creates: WAL %d bytes beside a database of %d, over %d",
				time.Since(start).Round(time.Millisecond), creates.Load(), wal, dbSize, limit)
			break
		}
	}
	tick.Stop()
	close(stop)
	wg.Wait()
	st := &db.ckptStats
	stall := time.Duration(st.maxStall.Load())
	t.Logf("%d creates, %d page reads; largest WAL %d bytes; %d resets, %d deferred; writer stopped %v on average, %v at most",
		creates.Load(), reads.Load(), maxWAL, st.resets.Load(), st.failedResets.Load(),
		time.Duration(st.stallTotal.Load()/max(1, st.stalls.Load())), stall)
	if maxWAL > 2*256*4096 && st.resets.Load() == 0 {
		t.Errorf("WAL reached %d bytes and was never started over", maxWAL)
	}
	// The stop is two fsyncs of what was written since the last PASSIVE checkpoint: a few
	// ms on a quiet machine (docs/PERFORMANCE.md). The bound only catches a reset that
	// waits on the pool's 10 s busy timeout; a shared disk makes single fsyncs slow.
	if avg := time.Duration(st.stallTotal.Load() / max(1, st.stalls.Load())); avg > time.Second {
		t.Errorf("resets stopped the writer for %v on average", avg)
	}
}

func errorsJoin(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
