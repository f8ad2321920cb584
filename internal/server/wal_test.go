package server_test

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/servertest"
)

var walFor = flag.Duration("wal-for", 20*time.Second, "how long TestWALBounded runs its load")

// TestWALBounded runs 16 Micropub writers and 16 page readers (home page, feed, the newest
// post's page, a search) together and checks, every 50 ms, that SQLite's write-ahead log
// stays within max(64 MiB, twice the database), and the search index's log within the
// same of its file: checkpoints must reset the log while creates never stop and readers
// always hold some snapshot. Without the resets the log grows by about 16 KB a create and
// passes 64 MiB within a few thousand. -wal-for=60s runs it for a minute.
func TestWALBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("a sustained load")
	}
	srv := servertest.New(t)
	tok := srv.IssueToken(t, "create")
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}}
	dbPath := filepath.Join(srv.Cfg.DataDir, "indiepub.db")
	size := func(path string) int64 {
		st, err := os.Stat(path)
		if err != nil {
			return 0
		}
		return st.Size()
	}
	var creates, reads, failures atomic.Int64
	var newest atomic.Value
	newest.Store("/")
	text := strings.Repeat("words+", 80)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	do := func(req *http.Request, want int) string {
		resp, err := client.Do(req)
		if err != nil {
			failures.Add(1)
			return ""
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			failures.Add(1)
		}
		return resp.Header.Get("Location")
	}
	for w := range 16 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf("h=entry&content=%s%d-%d&category[]=tag%d", text, w, i, i%50)
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/micropub", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if loc := do(req, http.StatusCreated); loc != "" {
					newest.Store(strings.TrimPrefix(loc, srv.URL))
					creates.Add(1)
				}
			}
		})
	}
	for r := range 16 {
		wg.Go(func() {
			pages := []string{"/", "/feed.atom", "", "/search?q=post"}
			for i := r; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				path := pages[i%len(pages)]
				if path == "" {
					path = newest.Load().(string)
				}
				req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
				do(req, http.StatusOK)
				reads.Add(1)
			}
		})
	}
	start := time.Now()
	var maxWAL, dbAtMax int64
	tick := time.NewTicker(50 * time.Millisecond)
	for time.Since(start) < *walFor {
		<-tick.C
		wal, db := size(dbPath+"-wal"), size(dbPath)
		if wal > maxWAL {
			maxWAL, dbAtMax = wal, db
		}
		if limit := max(64<<20, 2*db); wal > limit {
			t.Errorf("after %v and %d creates: WAL %d bytes beside a database of %d, over %d",
				time.Since(start).Round(time.Millisecond), creates.Load(), wal, db, limit)
			break
		}
		// The search index's file (written behind the posts) has a log of its own.
		if swal, sdb := size(dbPath+"-search-wal"), size(dbPath+"-search"); swal > max(64<<20, 2*sdb) {
			t.Errorf("after %v and %d creates: the search index's WAL %d bytes beside its file of %d",
				time.Since(start).Round(time.Millisecond), creates.Load(), swal, sdb)
			break
		}
	}
	tick.Stop()
	close(stop)
	wg.Wait()
	el := time.Since(start).Seconds()
	t.Logf("%.0f s: %d creates (%.0f/s), %d page reads (%.0f/s), %d failures; largest WAL %d bytes beside a database of %d; at the end WAL %d, database %d; search index WAL %d, file %d",
		el, creates.Load(), float64(creates.Load())/el, reads.Load(), float64(reads.Load())/el, failures.Load(),
		maxWAL, dbAtMax, size(dbPath+"-wal"), size(dbPath), size(dbPath+"-search-wal"), size(dbPath+"-search"))
	if failures.Load() > 0 {
		t.Errorf("%d requests failed", failures.Load())
	}
	if creates.Load() == 0 || reads.Load() == 0 {
		t.Error("no load ran")
	}
}
