package git_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gitstore "github.com/indiepub/indiepub/internal/contentstore/git"
	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/server"
)

// httpRemote serves the bare repositories under base over smart HTTP (git
// http-backend, as a git host does), asking for basic authentication with token.
func httpRemote(t testing.TB, base string, token *atomic.Value) *httptest.Server {
	t.Helper()
	gitBin := requireTool(t, "git")
	backend := &cgi.Handler{Path: gitBin, Args: []string{"http-backend"},
		Env: []string{"GIT_PROJECT_ROOT=" + base, "GIT_HTTP_EXPORT_ALL=1", "REMOTE_USER=site"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pass, ok := r.BasicAuth(); !ok || pass != token.Load().(string) {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// syncBuffer is a log that tests read while the server writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The HTTPS token reaches git through the askpass helper, from the environment: pushes
// work with it, and neither a failed push's error (in `indiepub jobs`) nor the log ever
// holds it, even when the remote URL carries credentials of its own.
func TestTokenNeverInErrorsOrLogs(t *testing.T) {
	base := t.TempDir()
	run(t, base, "init", "-q", "--bare", "-b", "main", "site.git")
	const token = "ghp_s3cretTokenValue0123456789"
	var accepted atomic.Value
	accepted.Store(token)
	srv := httpRemote(t, base, &accepted)

	logs := &syncBuffer{}
	withLog := func(c *server.Config, gc *gitstore.Config) {
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
		gc.Logger = c.Logger
	}
	g := newGitServer(t, "hugo", srv.URL+"/site.git", withLog, func(_ *server.Config, gc *gitstore.Config) {
		gc.Token = token
	})
	g.create(t, map[string]any{"content": []any{"pushed with a token"}, "mp-slug": []any{"tokened"}})
	g.idle(t)
	if remoteFile(t, filepath.Join(base, "site.git"), "content/notes/tokened.md") == "" {
		t.Fatal("nothing pushed over HTTP with the token")
	}

	// The host revokes the token: the next push fails, and its error says so without it.
	accepted.Store("ghp_rotated")
	g.create(t, map[string]any{"content": []any{"refused"}, "mp-slug": []any{"refused"}})
	var lastErr string
	waitFor(t, "a failed push", time.Minute, func() bool {
		js, _ := g.DB.Jobs(context.Background(), []jobs.State{jobs.Pending, jobs.Failed}, 1000)
		for _, j := range js {
			if j.Kind == gitstore.KindPush && j.LastError != "" {
				lastErr = j.LastError
				return true
			}
		}
		return false
	})
	if !strings.Contains(lastErr, "Authentication failed") {
		t.Errorf("push error %q does not say what failed", lastErr)
	}
	if strings.Contains(lastErr, token) {
		t.Errorf("push error holds the token: %s", lastErr)
	}

	// A clone refused at start, with the token and with a password in the URL: the
	// error says why without either.
	const inURL = "urlPassw0rdValue"
	for _, remote := range []string{srv.URL + "/site.git", strings.Replace(srv.URL, "http://", "http://someone:"+inURL+"@", 1) + "/site.git"} {
		_, err := gitstore.Open(context.Background(), gitstore.Config{Dir: filepath.Join(t.TempDir(), "git"), Remote: remote,
			SiteURL: "https://example.com/", Preset: gitstore.Presets["hugo"], Token: token, Logger: g.Cfg.Logger})
		if err == nil {
			t.Fatalf("%s: opened with a refused token", gitstore.RedactURL(remote))
		}
		for _, secret := range []string{token, inURL} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("open error holds a secret: %v", err)
			}
		}
	}
	for _, secret := range []string{token, inURL} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds a secret:\n%s", logs.String())
		}
	}
}

// The SSH key file of INDIEPUB_GIT_SSH_KEY reaches ssh as "-i FILE" with IdentitiesOnly
// (GIT_SSH_COMMAND), for an ssh:// remote. There is no SSH server here: a stand-in ssh
// (testdata/fakessh) records its arguments, refuses any other key, and runs git's
// command on this machine as sshd would. Pushes work with the key; once the host
// refuses it, the error says so, and neither errors nor the log ever hold the key.
func TestSSHKeyUsedAndNeverLogged(t *testing.T) {
	requireTool(t, "git")
	fake, err := filepath.Abs(filepath.Join("testdata", "fakessh"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", fake+string(os.PathListSeparator)+os.Getenv("PATH"))
	dir := t.TempDir()
	const material = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"
	key := filepath.Join(dir, "deploy key") // a space, to show it is quoted
	if err := os.WriteFile(key, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\n"+material+"\n-----END OPENSSH PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	argLog, refuse := filepath.Join(dir, "ssh-args"), filepath.Join(dir, "refuse")
	t.Setenv("FAKESSH_LOG", argLog)
	t.Setenv("FAKESSH_KEY", key)
	t.Setenv("FAKESSH_REFUSE", refuse)
	base := t.TempDir()
	run(t, base, "init", "-q", "--bare", "-b", "main", "site.git")
	remote := "ssh://git@git.example.com" + filepath.Join(base, "site.git")

	// Without the key the host refuses: the clone at start fails and says why.
	_, err = gitstore.Open(context.Background(), gitstore.Config{Dir: filepath.Join(t.TempDir(), "git"), Remote: remote,
		SiteURL: "https://example.com/", Preset: gitstore.Presets["hugo"]})
	if err == nil || !strings.Contains(err.Error(), "Permission denied (publickey)") {
		t.Fatalf("open without the key: %v, want the host's refusal", err)
	}

	logs := &syncBuffer{}
	g := newGitServer(t, "hugo", remote, func(c *server.Config, gc *gitstore.Config) {
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
		gc.Logger = c.Logger
		gc.SSHKey = key
	})
	g.create(t, map[string]any{"content": []any{"pushed over ssh"}, "mp-slug": []any{"over-ssh"}})
	g.idle(t)
	if remoteFile(t, filepath.Join(base, "site.git"), "content/notes/over-ssh.md") == "" {
		t.Fatal("nothing pushed over ssh with the key")
	}
	args, err := os.ReadFile(argLog)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(args), "-i "+key+" -o IdentitiesOnly=yes") || !strings.Contains(string(args), "git-receive-pack") {
		t.Errorf("ssh was not given the key file for the push; its calls:\n%s", args)
	}

	// The host revokes the key: the push fails, its error says so without the key.
	if err := os.WriteFile(refuse, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	g.create(t, map[string]any{"content": []any{"refused"}, "mp-slug": []any{"refused"}})
	var lastErr string
	waitFor(t, "a failed push", time.Minute, func() bool {
		js, _ := g.DB.Jobs(context.Background(), []jobs.State{jobs.Pending, jobs.Failed}, 1000)
		for _, j := range js {
			if j.Kind == gitstore.KindPush && j.LastError != "" {
				lastErr = j.LastError
				return true
			}
		}
		return false
	})
	if !strings.Contains(lastErr, "Permission denied (publickey)") {
		t.Errorf("push error %q does not say what failed", lastErr)
	}
	if strings.Contains(lastErr, material) || strings.Contains(logs.String(), material) {
		t.Errorf("the key is in an error or the log:\n%s\n%s", lastErr, logs.String())
	}
}
