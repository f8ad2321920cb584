package git_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gitstore "github.com/indiepub/indiepub/internal/contentstore/git"
	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/server"
)

// handClone clones the remote as the owner would, to edit by hand.
func handClone(t testing.TB, remote string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "hand")
	run(t, filepath.Dir(dir), "clone", "-q", "-b", "main", remote, dir)
	return dir
}

func writeHand(t testing.TB, dir, rel, content string) {
	t.Helper()
	full := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A remote that moved (a commit pushed by someone else) is fetched and rebased onto: the
// history stays linear, nothing is force-pushed, both changes are on the remote.
func TestRemoteThatMovedIsRebasedOnto(t *testing.T) {
	remote := bareRemote(t)
	g := newGitServer(t, "jekyll", remote)
	g.create(t, map[string]any{"content": []any{"first"}, "mp-slug": []any{"first"}, "published": []any{"2026-12-01T09:00:00Z"}})
	g.idle(t)
	hand := handClone(t, remote)
	writeHand(t, hand, "_config.yml", "title: My site\n")
	run(t, hand, "add", "_config.yml")
	run(t, hand, "commit", "-q", "-m", "site title")
	run(t, hand, "push", "-q", "origin", "main")
	theirs := strings.TrimSpace(run(t, remote, "rev-parse", "main"))

	g.create(t, map[string]any{"content": []any{"second"}, "mp-slug": []any{"second"}, "published": []any{"2026-12-02T09:00:00Z"}})
	g.idle(t)
	if remoteFile(t, remote, "_posts/2026-12-02-second.md") == "" || remoteFile(t, remote, "_config.yml") == "" {
		t.Fatalf("the remote lacks a change: %v", remoteFiles(t, remote, "."))
	}
	// Not forced: the hand commit is an ancestor of the new tip, and there is no merge.
	run(t, remote, "merge-base", "--is-ancestor", theirs, "main")
	if merges := run(t, remote, "rev-list", "--merges", "main"); merges != "" {
		t.Errorf("merge commits on the remote: %s", merges)
	}
}

// A remote that is down keeps the commits queued in the clone; they are pushed once it
// is back.
func TestRemoteDownPushesLater(t *testing.T) {
	base := t.TempDir()
	run(t, base, "init", "-q", "--bare", "-b", "main", "site.git")
	remote := filepath.Join(base, "site.git")
	d := startDaemon(t, base)
	g := newGitServer(t, "hugo", d.url("site.git"))
	g.create(t, map[string]any{"content": []any{"before"}, "mp-slug": []any{"before"}})
	g.idle(t)
	if remoteFile(t, remote, "content/notes/before.md") == "" {
		t.Fatal("the first post was not pushed over git://")
	}

	d.stop()
	for _, slug := range []string{"while-down-1", "while-down-2"} {
		g.create(t, map[string]any{"content": []any{slug}, "mp-slug": []any{slug}})
	}
	waitFor(t, "a push retried while the remote is down", time.Minute, func() bool {
		js, _ := g.DB.Jobs(context.Background(), []jobs.State{jobs.Pending}, 1000)
		for _, j := range js {
			if j.Kind == gitstore.KindPush && j.Attempts > 0 && j.LastError != "" {
				return true
			}
		}
		return false
	})
	if got := remoteFiles(t, remote, "content/notes"); len(got) != 1 {
		t.Fatalf("files on the remote while it was down: %v", got)
	}
	log := run(t, g.repo.Dir(), "log", "--format=%s")
	if !strings.Contains(log, "while-down-1") || !strings.Contains(log, "while-down-2") {
		t.Fatalf("the commits made while the remote was down are not in the clone:\n%s", log)
	}

	d.start(t)
	waitFor(t, "the queued commits pushed", 2*time.Minute, func() bool {
		return len(remoteFiles(t, remote, "content/notes")) == 3
	})
}

// A file edited by hand and pushed to the remote is read back on a pull (the webhook):
// q=source shows the edit. A file added by hand becomes a post; one removed deletes its
// post.
func TestHandEditPulledShowsInSource(t *testing.T) {
	remote := bareRemote(t)
	g := newGitServer(t, "hugo", remote, func(c *server.Config, _ *gitstore.Config) { c.SyndicateSecret = "s3cret" })
	u := g.create(t, map[string]any{"name": []any{"Draft title"}, "content": []any{"Typo here"}, "mp-slug": []any{"edited"},
		"category": []any{"one"}})
	gone := g.create(t, map[string]any{"content": []any{"to remove"}, "mp-slug": []any{"removed"}})
	g.idle(t)

	hand := handClone(t, remote)
	path := filepath.Join(hand, "content", "articles", "edited.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(strings.Replace(string(b), "Draft title", "Final title", 1), "Typo here", "Fixed by hand", 1)
	edited = strings.Replace(edited, "- one", "- one\n    - two", 1)
	writeHand(t, hand, "content/articles/edited.md", edited)
	writeHand(t, hand, "content/notes/by-hand.md", "---\ntitle: Written in my editor\ndate: 2026-11-30T08:00:00Z\ntags: [hand]\n---\nHello from vim\n")
	run(t, hand, "rm", "-q", "content/notes/removed.md")
	run(t, hand, "add", "-A")
	run(t, hand, "commit", "-q", "-m", "edits by hand")
	run(t, hand, "push", "-q", "origin", "main")

	resp, body := g.PostJSON(t, "/git/pull", "", `{}`)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST /git/pull unauthenticated: %d %s, want 401", resp.StatusCode, body)
	}
	resp, body = g.PostJSON(t, "/git/pull", g.token, `{}`)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /git/pull: %d %s", resp.StatusCode, body)
	}
	g.idle(t)
	src := g.source(t, u)
	if got := str(src["name"]); got != "[Final title]" {
		t.Errorf("q=source name %s, want the hand edit", got)
	}
	if got := str(src["content"]); got != "[Fixed by hand]" {
		t.Errorf("q=source content %s, want the hand edit", got)
	}
	if got := str(src["category"]); got != "[one two]" {
		t.Errorf("q=source category %s, want [one two]", got)
	}
	resp, _ = g.Get(t, "/micropub?q=source&url="+gone, g.token)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("q=source of the post whose file was removed: %d, want 400 (deleted)", resp.StatusCode)
	}
	resp, body = g.Get(t, "/micropub?q=source&limit=20", g.token)
	if !strings.Contains(string(body), "Hello from vim") {
		t.Errorf("the file added by hand is not a post: %s", body)
	}
	// The files stay where the owner put them: no second copy of the hand-added post.
	if files := remoteFiles(t, remote, "content/notes"); len(files) != 1 || files[0] != "content/notes/by-hand.md" {
		t.Errorf("notes on the remote after the pull: %v", files)
	}
}

// The scheduled pull (--git-pull-every) reads a hand edit back without any webhook.
func TestScheduledPullReadsAHandEdit(t *testing.T) {
	remote := bareRemote(t)
	g := newGitServer(t, "jekyll", remote, func(c *server.Config, _ *gitstore.Config) { c.GitPull = 200 * time.Millisecond })
	u := g.create(t, map[string]any{"content": []any{"As posted"}, "mp-slug": []any{"scheduled"},
		"published": []any{"2026-12-01T09:00:00Z"}})
	g.idle(t)

	hand := handClone(t, remote)
	const file = "_posts/2026-12-01-scheduled.md"
	b, err := os.ReadFile(filepath.Join(hand, filepath.FromSlash(file)))
	if err != nil {
		t.Fatal(err)
	}
	writeHand(t, hand, file, strings.Replace(string(b), "As posted", "Edited, never announced", 1))
	run(t, hand, "commit", "-q", "-am", "quiet edit")
	run(t, hand, "push", "-q", "origin", "main")

	waitFor(t, "the hand edit in q=source", time.Minute, func() bool {
		return str(g.source(t, u)["content"]) == "[Edited, never announced]"
	})
}
