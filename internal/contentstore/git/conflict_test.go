package git_test

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gitstore "github.com/indiepub/indiepub/internal/contentstore/git"
	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/server"
)

// commitAt commits everything staged in dir as the owner would, dated at (author and
// committer), and pushes it.
func commitAt(t testing.TB, dir string, at time.Time, msg string) {
	t.Helper()
	date := at.UTC().Format(time.RFC3339)
	cmd := exec.Command("git", "commit", "-q", "-m", msg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=Hand", "GIT_AUTHOR_EMAIL=hand@example.com",
		"GIT_COMMITTER_NAME=Hand", "GIT_COMMITTER_EMAIL=hand@example.com", "GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git commit: %v\n%s", err, out)
	}
	run(t, dir, "push", "-q", "origin", "main")
}

// A post's file edited on the remote and, before indiepub pulled that edit, updated
// through Micropub: the rebase conflicts in indiepub's own file and the newer change
// wins, by commit time. Nothing is lost: when indiepub's update wins, the hand edit stays
// in the remote's history; when the hand edit wins, indiepub's version is kept under a
// ref in the clone. Either way q=source shows what the file on the remote holds.
func TestConflictInAPostFileNewerWins(t *testing.T) {
	tests := []struct {
		name string
		// handAt dates the hand edit: an hour ago (older than indiepub's update) or in an
		// hour (newer).
		handAt    time.Duration
		wantIndie bool
	}{
		{"indiepub's update is newer", -time.Hour, true},
		{"the hand edit is newer", time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			remote := bareRemote(t)
			logs := &syncBuffer{}
			g := newGitServer(t, "hugo", remote, func(c *server.Config, gc *gitstore.Config) {
				c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
				gc.Logger = c.Logger
			})
			u := g.create(t, map[string]any{"content": []any{"Original"}, "mp-slug": []any{"contested"}})
			g.idle(t)
			const file = "content/notes/contested.md"

			hand := handClone(t, remote)
			b, err := os.ReadFile(filepath.Join(hand, filepath.FromSlash(file)))
			if err != nil {
				t.Fatal(err)
			}
			writeHand(t, hand, file, strings.Replace(string(b), "Original", "Edited by hand", 1))
			run(t, hand, "add", file)
			commitAt(t, hand, time.Now().Add(tt.handAt), "hand edit")
			handCommit := strings.TrimSpace(run(t, hand, "rev-parse", "HEAD"))

			g.action(t, map[string]any{"action": "update", "url": u, "replace": map[string]any{"content": []any{"Updated via Micropub"}}})
			g.idle(t)

			_, body := frontMatter(t, remoteFile(t, remote, file))
			want := "Edited by hand"
			if tt.wantIndie {
				want = "Updated via Micropub"
			}
			if got := strings.TrimSpace(body); got != want {
				t.Errorf("the remote's %s has %q, want %q", file, got, want)
			}
			if got := str(g.source(t, u)["content"]); got != "["+want+"]" {
				t.Errorf("q=source content %s, want the file's %q", got, want)
			}
			// Never forced: the hand commit is in the remote's history either way.
			run(t, remote, "merge-base", "--is-ancestor", handCommit, "main")
			if !strings.Contains(logs.String(), "resolved for the newer change") {
				t.Errorf("the conflict is not logged:\n%s", logs.String())
			}
			refs := run(t, g.repo.Dir(), "for-each-ref", "--format=%(refname)", "refs/indiepub/overridden/")
			if tt.wantIndie {
				if refs != "" {
					t.Errorf("refs of overridden versions when indiepub's won: %s", refs)
				}
				return
			}
			ref := strings.TrimSpace(refs)
			if ref == "" || strings.Contains(ref, "\n") {
				t.Fatalf("want one ref keeping indiepub's overridden version, got %q", refs)
			}
			if kept := run(t, g.repo.Dir(), "show", ref+":"+file); !strings.Contains(kept, "Updated via Micropub") {
				t.Errorf("%s:%s does not hold indiepub's version:\n%s", ref, file, kept)
			}
			if !strings.Contains(logs.String(), ref) {
				t.Errorf("the log does not name %s:\n%s", ref, logs.String())
			}
		})
	}
}

// A file indiepub did not write (a theme's layout) changed on both sides stops the push:
// the job fails for good with the file's name, the remote is left as it was and the
// clone keeps its commits; once the owner resolves it in the clone, a retry pushes
// everything.
func TestConflictInAnotherFileStopsThePush(t *testing.T) {
	remote := bareRemote(t)
	g := newGitServer(t, "hugo", remote)
	g.create(t, map[string]any{"content": []any{"first"}, "mp-slug": []any{"first"}})
	g.idle(t)
	const layout = "layouts/_default/single.html"

	// The owner edits the layout in indiepub's clone (while no job runs) ...
	clone := g.repo.Dir()
	writeHand(t, clone, layout, "<main>{{ .Content }}</main>\n")
	run(t, clone, "add", layout)
	run(t, clone, "commit", "-q", "-m", "layout in the clone")
	// ... and in their own clone, pushed first.
	hand := handClone(t, remote)
	writeHand(t, hand, layout, "<article>{{ .Content }}</article>\n")
	run(t, hand, "add", layout)
	run(t, hand, "commit", "-q", "-m", "layout by hand")
	run(t, hand, "push", "-q", "origin", "main")
	remoteHead := strings.TrimSpace(run(t, remote, "rev-parse", "main"))

	g.create(t, map[string]any{"content": []any{"second"}, "mp-slug": []any{"second"}})
	var failed *jobs.Job
	waitFor(t, "the push failed for good", 2*time.Minute, func() bool {
		js, err := g.DB.Jobs(context.Background(), []jobs.State{jobs.Failed}, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range js {
			if j.Kind == gitstore.KindPush {
				failed = j
				return true
			}
		}
		return false
	})
	if !strings.Contains(failed.LastError, layout) || !strings.Contains(failed.LastError, "conflict") {
		t.Errorf("the failed push's error %q does not name the conflict in %s", failed.LastError, layout)
	}
	if got := strings.TrimSpace(run(t, remote, "rev-parse", "main")); got != remoteHead {
		t.Errorf("the remote moved to %s after a conflict, want it left at %s", got, remoteHead)
	}
	if _, err := os.Stat(filepath.Join(clone, ".git", "rebase-merge")); err == nil {
		t.Error("the clone is left in the middle of a rebase")
	}
	if log := run(t, clone, "log", "--format=%s"); !strings.Contains(log, "second") || !strings.Contains(log, "layout in the clone") {
		t.Errorf("the clone lost a commit:\n%s", log)
	}

	// The owner takes the remote's layout in the clone (in a rebase "ours" is the
	// upstream) and retries the job.
	run(t, clone, "fetch", "-q", "origin")
	if out, err := exec.Command("git", "-C", clone, "-c", "user.name=Owner", "-c", "user.email=o@example.com",
		"rebase", "-q", "-X", "ours", "origin/main").CombinedOutput(); err != nil {
		t.Fatalf("the owner's rebase: %v\n%s", err, out)
	}
	if err := g.DB.RetryJob(context.Background(), failed.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	g.idle(t)
	if remoteFile(t, remote, "content/notes/second.md") == "" {
		t.Errorf("the post created during the conflict is not on the remote after the retry: %v", remoteFiles(t, remote, "."))
	}
}
