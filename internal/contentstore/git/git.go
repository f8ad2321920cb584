// Package git keeps posts as front-matter files in a git repository, for static sites
// (Jekyll, Hugo, Eleventy) built by their host on every push. indiepub owns a working
// clone in its data directory; the store (SQLite or PostgreSQL) stays the index that
// requests read. Files are written and committed by jobs fed from post.changed, grouped
// into commits; pushes are jobs of their own (fetch and rebase when the remote moved,
// never a force-push); files changed in the repository by hand are read back into the
// index on a pull.
//
// It runs Debian's git command, not a Go implementation: the same program the host and
// the owner use, with its credential helpers, SSH and rebase, and the one the tests need
// anyway for git daemon.
package git

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Env names of the push credentials; they are read from the environment only, never
// from a flag, and never logged.
const (
	// EnvToken is an HTTPS token (GitHub, GitLab, Codeberg), given to git by an askpass
	// helper; EnvUser is its user name (default "x-access-token").
	EnvToken = "INDIEPUB_GIT_TOKEN"
	EnvUser  = "INDIEPUB_GIT_USERNAME"
	// EnvSSHKey is the path of an SSH private key file for ssh:// and scp-like remotes.
	EnvSSHKey = "INDIEPUB_GIT_SSH_KEY"
)

// Config sets the repository.
type Config struct {
	// Dir is the working clone, in the data directory.
	Dir string
	// Remote is the repository's URL or local path; "" keeps the clone local (nothing
	// is pushed).
	Remote string
	// Branch is the branch written and pushed; default "main".
	Branch string
	// SiteURL is the site's absolute URL, for permalinks.
	SiteURL string
	Preset  Preset
	// AuthorName and AuthorEmail sign the commits; default "indiepub" <indiepub@localhost>.
	AuthorName, AuthorEmail string
	// Message is the commit message template: {action} {type} {slug} {url} {path};
	// default "{action} {type}: {slug}".
	Message string
	// Token and SSHKey are the push credentials (from EnvToken, EnvSSHKey).
	Token, User, SSHKey string
	// URLPatterns are the site's URL patterns (post.Post.PathFor), for posts whose files
	// name no permalink (written by hand, or by another tool).
	URLPatterns map[string]string
	// Media commits uploaded media files into the repository, under MediaDir (default
	// the preset's), as well as keeping them in the media store; without it posts link
	// them by URL only.
	Media    bool
	MediaDir string
	// Timeout bounds one git command, so that a remote that accepts a connection and
	// never answers does not hold the clone; default 2 minutes.
	Timeout time.Duration
	Logger  *slog.Logger
}

func (c *Config) defaults() {
	if c.Branch == "" {
		c.Branch = "main"
	}
	if c.AuthorName == "" {
		c.AuthorName = "indiepub"
	}
	if c.AuthorEmail == "" {
		c.AuthorEmail = "indiepub@localhost"
	}
	if c.Message == "" {
		c.Message = "{action} {type}: {slug}"
	}
	if c.User == "" {
		c.User = "x-access-token"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Minute
	}
	if c.MediaDir == "" {
		c.MediaDir = c.Preset.MediaDir
	}
}

// Repo is the working clone. Its methods may be called from many goroutines: writes are
// grouped into commits (see Apply) and git runs one command at a time.
type Repo struct {
	cfg Config
	// mu serialises git commands on the clone (git's own index lock would fail them).
	mu sync.Mutex
	// paths maps a post's URL to its file, and files the reverse: so that a post whose
	// type or date changed leaves its old file, and two posts never share one.
	paths, files map[string]string
	// batch is the group commit under way (see Apply).
	batchMu sync.Mutex
	batch   *batch
	askpass string
	// pushed is the last commit this process pushed (or found on the remote).
	pushed string
	// born is set once HEAD names a commit (the branch is born); commits counts the
	// commits this process made, for git's upkeep (see commitFiles).
	born    bool
	commits int
}

// Open opens the working clone at cfg.Dir, cloning cfg.Remote into it (or creating an
// empty repository) the first time, and reads the files indiepub wrote.
func Open(ctx context.Context, cfg Config) (*Repo, error) {
	cfg.defaults()
	if cfg.Media {
		if err := CheckDir(cfg.MediaDir); err != nil {
			return nil, fmt.Errorf("media folder: %w", err)
		}
	}
	r := &Repo{cfg: cfg, paths: map[string]string{}, files: map[string]string{}}
	if err := r.writeAskpass(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(cfg.Dir, ".git")); errors.Is(err, os.ErrNotExist) {
		if err := r.create(ctx); err != nil {
			return nil, err
		}
	}
	if err := r.scan(); err != nil {
		return nil, err
	}
	return r, nil
}

// create makes the clone: a clone of the remote's branch, or an empty repository on the
// branch when the remote has no such branch yet (or there is no remote).
func (r *Repo) create(ctx context.Context) error {
	if err := os.MkdirAll(r.cfg.Dir, 0o700); err != nil {
		return fmt.Errorf("git clone: %w", err)
	}
	if _, err := r.git(ctx, "init", "-q", "-b", r.cfg.Branch); err != nil {
		return err
	}
	if r.cfg.Remote == "" {
		return nil
	}
	if _, err := r.git(ctx, "remote", "add", "origin", r.cfg.Remote); err != nil {
		return err
	}
	out, err := r.git(ctx, "ls-remote", "--heads", "origin", r.cfg.Branch)
	if err != nil {
		return err
	}
	if strings.TrimSpace(out) == "" {
		return nil
	}
	if _, err := r.git(ctx, "fetch", "-q", "origin", r.cfg.Branch); err != nil {
		return err
	}
	_, err = r.git(ctx, "reset", "-q", "--hard", "origin/"+r.cfg.Branch)
	return err
}

// Dir is the working clone's directory.
func (r *Repo) Dir() string { return r.cfg.Dir }

// CommitsMedia reports whether uploaded media are committed into the repository.
func (r *Repo) CommitsMedia() bool { return r.cfg.Media }

// writeAskpass writes the helper git asks for an HTTPS user name and password: it
// prints them from the environment git is given, so that the token is never in a
// command line or a file.
func (r *Repo) writeAskpass() error {
	if r.cfg.Token == "" {
		return nil
	}
	r.askpass = filepath.Join(filepath.Dir(filepath.Clean(r.cfg.Dir)), "git-askpass.sh")
	script := "#!/bin/sh\ncase \"$1\" in\nUsername*) printf '%s\\n' \"$INDIEPUB_GIT_ASKPASS_USER\" ;;\n*) printf '%s\\n' \"$INDIEPUB_GIT_ASKPASS_TOKEN\" ;;\nesac\n"
	if err := os.MkdirAll(filepath.Dir(r.askpass), 0o700); err != nil {
		return fmt.Errorf("git askpass helper: %w", err)
	}
	if err := os.WriteFile(r.askpass, []byte(script), 0o700); err != nil {
		return fmt.Errorf("git askpass helper: %w", err)
	}
	return nil
}

// env is the environment of every git command: no prompts, no user or system
// configuration that could change what is written, and the credentials.
func (r *Repo) env() []string {
	env := append(os.Environ(),
		"GIT_TERMINAL_PROMPT=0",
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME="+r.cfg.AuthorName, "GIT_AUTHOR_EMAIL="+r.cfg.AuthorEmail,
		"GIT_COMMITTER_NAME="+r.cfg.AuthorName, "GIT_COMMITTER_EMAIL="+r.cfg.AuthorEmail,
		"LC_ALL=C",
	)
	if r.askpass != "" {
		env = append(env, "GIT_ASKPASS="+r.askpass,
			"INDIEPUB_GIT_ASKPASS_USER="+r.cfg.User, "INDIEPUB_GIT_ASKPASS_TOKEN="+r.cfg.Token)
	}
	if r.cfg.SSHKey != "" {
		env = append(env, "GIT_SSH_COMMAND=ssh -i "+shellQuote(r.cfg.SSHKey)+
			" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new")
	}
	return env
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// git runs one git command in the clone and returns its output. Its error carries git's
// message with any credential taken out.
func (r *Repo) git(ctx context.Context, args ...string) (string, error) {
	return r.gitIn(ctx, nil, args...)
}

func (r *Repo) gitIn(ctx context.Context, stdin []byte, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", append([]string{"-c", "core.quotepath=off",
		"-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"}, args...)...)
	cmd.Dir = r.cfg.Dir
	cmd.Env = r.env()
	cmd.WaitDelay = 5 * time.Second
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if msg == "" {
			msg = strings.TrimSpace(out.String())
		}
		return out.String(), &Error{Op: args[0], Msg: r.redact(msg), Err: err}
	}
	return out.String(), nil
}

// Error is a git command that failed.
type Error struct {
	Op, Msg string
	Err     error
}

func (e *Error) Error() string { return fmt.Sprintf("git %s: %s", e.Op, e.Msg) }
func (e *Error) Unwrap() error { return e.Err }

var userinfo = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@`)

// redact takes credentials out of git's messages: the token, and the user information
// of any URL (a remote given as https://user:token@host/).
func (r *Repo) redact(s string) string {
	if r.cfg.Token != "" {
		s = strings.ReplaceAll(s, r.cfg.Token, "[redacted]")
	}
	return userinfo.ReplaceAllString(s, "${1}[redacted]@")
}

// RedactURL is a remote URL fit for a log line: without its user information.
func RedactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		u.User = url.User("[redacted]")
		return u.String()
	}
	return s
}
