package git_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gitstore "github.com/indiepub/indiepub/internal/contentstore/git"
	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// requireTool skips the test when a program it needs is missing, and fails it under
// CI=true (.ci/run installs git, hugo and jekyll).
func requireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed (CI: .ci/run installs it)", name)
		}
		t.Skipf("%s is not installed: apt-get install %s, or run .ci/run", name, name)
	}
	return p
}

// run runs git in dir (a bare repository when it ends in .git) and returns its output.
func run(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=Hand", "GIT_AUTHOR_EMAIL=hand@example.com",
		"GIT_COMMITTER_NAME=Hand", "GIT_COMMITTER_EMAIL=hand@example.com", "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}

// bareRemote makes an empty bare repository: the site's remote.
func bareRemote(t testing.TB) string {
	t.Helper()
	requireTool(t, "git")
	dir := filepath.Join(t.TempDir(), "site.git")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, dir, "init", "-q", "--bare", "-b", "main")
	return dir
}

// remoteFile is a file of the remote's main branch, "" when it has none.
func remoteFile(t testing.TB, remote, path string) string {
	t.Helper()
	cmd := exec.Command("git", "show", "main:"+path)
	cmd.Dir = remote
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// remoteFiles lists the files of the remote's main branch under dir.
func remoteFiles(t testing.TB, remote, dir string) []string {
	t.Helper()
	cmd := exec.Command("git", "ls-tree", "-r", "--name-only", "main", "--", dir)
	cmd.Dir = remote
	out, err := cmd.Output()
	if err != nil {
		return nil
	}
	return strings.Fields(string(out))
}

// gitServer is indiepub with the git content store on remote.
type gitServer struct {
	*servertest.Server
	repo   *gitstore.Repo
	remote string
	token  string
}

// newGitServer starts indiepub writing posts to remote with the preset; the jobs retry
// fast, so that tests of a remote that comes back do not wait minutes.
func newGitServer(t testing.TB, preset, remote string, modify ...func(*server.Config, *gitstore.Config)) *gitServer {
	t.Helper()
	requireTool(t, "git")
	g := &gitServer{remote: remote}
	g.Server = servertest.New(t, func(c *server.Config) {
		ps, err := gitstore.PresetNamed(preset, nil)
		if err != nil {
			t.Fatal(err)
		}
		gc := gitstore.Config{Dir: filepath.Join(c.DataDir, "git"), Remote: remote, SiteURL: c.URL, Preset: ps,
			Timeout: 20 * time.Second}
		c.Jobs = jobs.Config{Workers: 16, Backoff: 100 * time.Millisecond, MaxBackoff: 500 * time.Millisecond,
			MaxAttempts: 1000, Poll: 100 * time.Millisecond}
		c.GitPull = -1
		c.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
		for _, m := range modify {
			m(c, &gc)
		}
		if g.repo, err = gitstore.Open(context.Background(), gc); err != nil {
			t.Fatal(err)
		}
		c.Git = g.repo
	})
	g.token = g.IssueToken(t, "create update delete undelete media")
	return g
}

// create posts a Micropub JSON create and returns the post's URL.
func (g *gitServer) create(t testing.TB, props map[string]any) string {
	t.Helper()
	resp, body := g.PostJSON(t, "/micropub", g.token, map[string]any{"type": []string{"h-entry"}, "properties": props})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	return resp.Header.Get("Location")
}

// action posts a Micropub JSON action (update, delete, undelete).
func (g *gitServer) action(t testing.TB, v map[string]any) {
	t.Helper()
	resp, body := g.PostJSON(t, "/micropub", g.token, v)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%v: %d %s", v["action"], resp.StatusCode, body)
	}
}

// source is q=source of url.
func (g *gitServer) source(t testing.TB, url string) map[string][]any {
	t.Helper()
	resp, body := g.Get(t, "/micropub?q=source&url="+url, g.token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("q=source: %d %s", resp.StatusCode, body)
	}
	var v struct {
		Properties map[string][]any `json:"properties"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	return v.Properties
}

// waitFor polls cond until it holds, failing after a generous deadline (the machine is
// shared and loaded).
func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// idle waits until no post change or git job is pending or running (other features'
// jobs, such as webmentions to hosts that do not exist, may retry on).
func (g *gitServer) idle(t testing.TB) {
	t.Helper()
	g.idleWithin(t, 5*time.Minute)
}

// idleWithin is idle with its own deadline.
// It asks every 250 ms, not waitFor's 50: reading thousands of queued jobs that often
// took a third of the benchmark's CPU.
func (g *gitServer) idleWithin(t testing.TB, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		js, err := g.DB.Jobs(context.Background(), []jobs.State{jobs.Pending, jobs.Running}, 100000)
		if err != nil {
			t.Fatal(err)
		}
		busy := false
		for _, j := range js {
			switch j.Kind {
			case jobs.PostChanged, gitstore.KindWrite, gitstore.KindPush, gitstore.KindMedia:
				busy = true
			}
		}
		if !busy {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: git jobs not done (%d jobs queued)", d, len(js))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// daemon is git daemon serving a folder of bare repositories on a loopback port, pushes
// allowed.
type daemon struct {
	mu   sync.Mutex
	cmd  *exec.Cmd
	base string
	port int
}

func startDaemon(t testing.TB, base string) *daemon {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	d := &daemon{base: base, port: port}
	d.start(t)
	t.Cleanup(d.stop)
	return d
}

// url is the git:// URL of a repository of the daemon.
func (d *daemon) url(name string) string { return fmt.Sprintf("git://127.0.0.1:%d/%s", d.port, name) }

func (d *daemon) start(t testing.TB) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	stderr := new(syncBuffer) // written by the command's output goroutine
	cmd := exec.Command("git", "daemon", "--reuseaddr", "--export-all", "--enable=receive-pack",
		"--base-path="+d.base, "--listen=127.0.0.1", "--port="+strconv.Itoa(d.port), d.base)
	cmd.Stderr = stderr
	// Its own process group, so that stopping it ends the children serving connections
	// too (they hold the listening socket).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d.cmd = cmd
	waitFor(t, "git daemon listening: "+stderr.String(), 30*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", d.port), time.Second)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
}

func (d *daemon) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cmd == nil {
		return
	}
	syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
	d.cmd.Wait()
	d.cmd = nil
}

// testWriter sends log lines to the test's log, git's messages with them.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	if !strings.Contains(string(b), "webmention") {
		w.t.Log(strings.TrimSpace(string(b)))
	}
	return len(b), nil
}
