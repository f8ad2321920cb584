package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/store/sqlite"
	"github.com/indiepub/indiepub/internal/syndicate"
)

// The test binary runs as `indiepub serve` itself when INDIEPUB_TEST_SERVE is set (see
// TestMain): a real process, with a syndication target whose publisher logs each call to
// the file INDIEPUB_TEST_PUBLOG and takes INDIEPUB_TEST_DELAY per call. With asMain set
// (instances_test.go) it runs indiepub's main as it is.
func TestMain(m *testing.M) {
	if os.Getenv("INDIEPUB_TEST_SERVE") != "" {
		os.Exit(serveForTest())
	}
	if os.Getenv(asMain) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const killTarget = "https://social.example/@owner"

func serveForTest() int {
	delay, _ := time.ParseDuration(os.Getenv("INDIEPUB_TEST_DELAY"))
	pub := &logPublisher{path: os.Getenv("INDIEPUB_TEST_PUBLOG"), delay: delay}
	err := serveWith(context.Background(), os.Args[1:], os.Stdout, os.Stderr, func(c *server.Config) {
		c.Syndication = []syndicate.Target{{UID: killTarget, Name: "Social", Publisher: pub}}
		c.Jobs = jobs.Config{Workers: 1, Lease: 2 * time.Second, Poll: 100 * time.Millisecond, Backoff: 100 * time.Millisecond}
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// logPublisher appends "start KEY" and, after its delay, "done KEY" to a file.
type logPublisher struct {
	path  string
	delay time.Duration
}

func (l *logPublisher) log(line string) {
	f, err := os.OpenFile(l.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		panic(err)
	}
	fmt.Fprintln(f, line)
	f.Sync()
	f.Close()
}

func (l *logPublisher) Publish(ctx context.Context, p *post.Post, prev, key string, _ syndicate.MediaOpener) (string, error) {
	l.log("start " + key)
	select {
	case <-time.After(l.delay):
	case <-ctx.Done():
		return "", ctx.Err()
	}
	l.log("done " + key)
	return "https://social.example/@owner/" + url.QueryEscape(key), nil
}

func (l *logPublisher) Delete(context.Context, string) error { return nil }
func (l *logPublisher) Service() syndicate.Service           { return syndicate.Service{Name: "social"} }
func (l *logPublisher) User() syndicate.Service              { return syndicate.Service{Name: "owner"} }

// startServeProcess runs the test binary as `indiepub serve` on dir and waits for /healthz.
func startServeProcess(t *testing.T, dir, addr, publog string, delay time.Duration) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve", "--data", dir, "--addr", addr)
	cmd.Env = append(os.Environ(), "INDIEPUB_TEST_SERVE=1", "INDIEPUB_TEST_PUBLOG="+publog,
		"INDIEPUB_TEST_DELAY="+delay.String())
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitUntil(t, "the server answers", func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	})
	return cmd
}

// createToken issues a token with the create scope from the command line.
func createToken(t *testing.T, dir, addr string) string {
	t.Helper()
	var out strings.Builder
	if err := Main(context.Background(), []string{"token", "issue", "--data", dir, "--addr", addr, "--scope", "create"},
		nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out.String())
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 60s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// publog reads the publisher's log lines.
func publog(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// TestKillDuringJob kills a real `indiepub serve` with SIGKILL while a syndication job is
// half done (its remote call started) and others wait. Started again, it finishes every
// waiting job, and runs the interrupted one again once its lease has passed, with the same
// idempotency key, so that a service honouring the key keeps one copy.
func TestKillDuringJob(t *testing.T) {
	if testing.Short() {
		t.Skip("starts indiepub twice")
	}
	dir := t.TempDir()
	logPath := filepath.Join(t.TempDir(), "publog")
	addr := freeAddr(t)
	cmd := startServeProcess(t, dir, addr, logPath, time.Hour)
	tok := createToken(t, dir, addr)
	var posts []string
	for i := range 3 {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/micropub", strings.NewReader(
			fmt.Sprintf("h=entry&content=post+%d&mp-syndicate-to=%s", i, url.QueryEscape(killTarget))))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create %d: %d", i, resp.StatusCode)
		}
		posts = append(posts, resp.Header.Get("Location"))
	}
	waitUntil(t, "a publish under way", func() bool { return len(publog(t, logPath)) > 0 })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	interrupted := strings.TrimPrefix(publog(t, logPath)[0], "start ")

	startServeProcess(t, dir, addr, logPath, 0)
	waitUntil(t, "every post published", func() bool {
		done := 0
		for _, l := range publog(t, logPath) {
			if strings.HasPrefix(l, "done ") {
				done++
			}
		}
		return done == len(posts)
	})
	starts := map[string]int{}
	for _, l := range publog(t, logPath) {
		if key, ok := strings.CutPrefix(l, "start "); ok {
			starts[key]++
		}
	}
	for key, n := range starts {
		want := 1
		if key == interrupted {
			want = 2
		}
		if n != want {
			t.Errorf("publish of %q started %d times, want %d", key, n, want)
		}
	}
	// Each post records its one copy.
	db, err := sqlite.Open(t.Context(), filepath.Join(dir, "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	waitUntil(t, "every copy recorded", func() bool {
		for _, u := range posts {
			p, err := db.PostByURL(context.Background(), u)
			if err != nil {
				t.Fatal(err)
			}
			if c := p.Copy(killTarget); c == nil || c.Status != post.CopyPublished || len(p.Item.Properties["syndication"]) != 1 {
				return false
			}
		}
		return true
	})
}

// TestKillWhileIndexing kills a real `indiepub serve` with SIGKILL while 16 clients create
// posts and the search index, in its file beside the posts', takes them. Started again,
// its search finds every post it acknowledged, each once: the index is never ahead of the
// posts nor torn, and what it had not taken it takes.
func TestKillWhileIndexing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts indiepub twice")
	}
	dir, addr := t.TempDir(), freeAddr(t)
	logPath := filepath.Join(t.TempDir(), "publog")
	cmd := startServeProcess(t, dir, addr, logPath, 0)
	tok := createToken(t, dir, addr)
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	client := &http.Client{Timeout: 10 * time.Second}
	for w := range 16 {
		wg.Go(func() {
			for i := 0; ; i++ {
				req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/micropub",
					strings.NewReader(fmt.Sprintf("h=entry&content=kestrel+%d+%d", w, i)))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					t.Errorf("create: %d", resp.StatusCode)
					return
				}
				mu.Lock()
				acked = append(acked, resp.Header.Get("Location"))
				mu.Unlock()
			}
		})
	}
	// Long enough for the indexer to be taking batches (it starts 0.1 s after writes).
	waitUntil(t, "2,000 posts acknowledged", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 2000
	})
	time.Sleep(150 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	wg.Wait()

	startServeProcess(t, dir, addr, logPath, 0)
	db, err := sqlite.Open(t.Context(), filepath.Join(dir, "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	found, err := db.SearchPosts(t.Context(), post.Search{Text: "kestrel", Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range found {
		if seen[p.URL] {
			t.Errorf("%s found twice", p.URL)
		}
		seen[p.URL] = true
	}
	missing := 0
	for _, u := range acked {
		if !seen[u] {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged posts not found by the search after the restart", missing, len(acked))
	}
	t.Logf("%d posts acknowledged before the kill, %d found", len(acked), len(found))
}
