package micropub_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/servertest"
)

// TestSameTextCreates posts 2,000 notes with the same text from 16 clients, as a site
// where every post is a short "Hello" does. Every post gets its own URL, the numbers run
// from the slug itself to hello-2000 with no gap and no random suffix, and a create made
// when 1,900 posts share the slug is no slower than one made when a few do.
func TestSameTextCreates(t *testing.T) {
	if testing.Short() {
		t.Skip("2,000 creates")
	}
	srv := servertest.New(t)
	// What this measures is the create itself. The background jobs each create causes
	// (post.changed, then webmentions) start with none queued and build a backlog that
	// the later creates share the writer with: they would make the last hundred slower
	// for a reason that has nothing to do with slugs.
	srv.Handler.StopJobs(t.Context())
	tok := srv.IssueToken(t, "create")
	client := benchClient()
	post := func(body string) (string, time.Duration) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/micropub", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return "", 0
		}
		took := time.Since(start)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Errorf("create: %d", resp.StatusCode)
		}
		return resp.Header.Get("Location"), took
	}
	for i := range 32 { // warm the connections and the statements
		post(fmt.Sprintf("h=entry&content=warm+%d", i))
	}
	const clients, total = 16, 2000
	body := "h=entry&content=Hello&published=2024-05-01T12:00:00Z"
	// creates posts body n times from the clients at once, and gives each create's URL and
	// time in the order they were started.
	creates := func(n int) (urls []string, took []time.Duration) {
		var next atomic.Int64
		took = make([]time.Duration, n)
		urls = make([]string, n)
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
					urls[i], took[i] = post(body)
				}
			})
		}
		wg.Wait()
		return urls, took
	}
	urls, took := creates(total)
	first, last := median(took[:100]), median(took[total-100:])
	t.Logf("p50 of the first hundred creates %v, of the last hundred %v", first, last)
	// A generous margin: the machine may be shared; a create that searched the taken
	// numbers, or retried them against concurrent creates, grows well past it. A hundred
	// creates slowed by the machine alone are measured again, a hundred more posts on:
	// creates that slow down as the posts sharing their slug grow fail every time.
	for again := 0; last > first*3/2+2*time.Millisecond; again++ {
		if again == 2 {
			t.Errorf("p50 of the last hundred creates %v, of the first hundred %v: creates slow down as posts share the slug", last, first)
			break
		}
		more, moreTook := creates(100)
		urls = append(urls, more...)
		last = median(moreTook)
		t.Logf("p50 of a hundred more creates %v", last)
	}
	want := map[string]bool{}
	for n := 1; n <= len(urls); n++ {
		want[srv.Cfg.URL+"notes/2024/05/"+postNthSlug(n)] = true
	}
	for i, u := range urls {
		if !want[u] {
			t.Errorf("create %d at %q, or twice: want hello … hello-%d, each once", i, u, len(urls))
			if t.Failed() && i > 20 {
				break
			}
		}
		delete(want, u)
	}
}

func postNthSlug(n int) string { return post.NthSlug("hello", n) }

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
