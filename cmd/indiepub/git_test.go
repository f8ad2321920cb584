package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// gitIn runs git in dir, as the owner would.
func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=Hand", "GIT_AUTHOR_EMAIL=hand@example.com",
		"GIT_COMMITTER_NAME=Hand", "GIT_COMMITTER_EMAIL=hand@example.com", "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// The git content store's flags and variables as the README's "Static sites" section
// documents them: the clone in DATA/git, the branch, the preset, a per-type path from the
// flag and one from INDIEPUB_GIT_PATHS, the author, the message template, media committed
// under --git-media-dir, and the scheduled pull.
func TestServeGitFlags(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	remote := filepath.Join(t.TempDir(), "site.git")
	gitIn(t, filepath.Dir(remote), "init", "-q", "--bare", "-b", "main", remote)
	t.Setenv("INDIEPUB_GIT_PATHS", "article=content/posts/{yyyy}/{mm}/{slug}.md")
	data := t.TempDir()
	addr := startServe(t, io.Discard, "--data", data, "--content-store", "git", "--git-remote", remote,
		"--git-branch", "site", "--git-preset", "hugo", "--git-author", "Jane Doe <jane@example.com>",
		"--git-message", "{action} {type} {slug} ({path})", "--git-path", "photo=content/photos/{yyyy}/{slug}.md",
		"--git-pull-every", "300ms", "--git-media", "--git-media-dir", "assets/uploads")
	if _, err := os.Stat(filepath.Join(data, "git", ".git")); err != nil {
		t.Fatalf("no working clone in DATA/git: %v", err)
	}
	var out bytes.Buffer
	if err := Main(context.Background(), []string{"token", "issue", "--data", data, "--addr", addr, "--scope", "create update media"}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())
	create := func(props map[string]any) string {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"type": []string{"h-entry"}, "properties": props})
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/micropub", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d", resp.StatusCode)
		}
		return resp.Header.Get("Location")
	}
	const published = "2026-12-02T10:00:00Z"
	create(map[string]any{"content": []any{"a cat"}, "mp-slug": []any{"cat"}, "published": []any{published},
		"photo": []any{"https://example.com/cat.jpg"}})
	create(map[string]any{"name": []any{"Essay"}, "content": []any{"long"}, "mp-slug": []any{"essay"}, "published": []any{published}})
	note := create(map[string]any{"content": []any{"short"}, "mp-slug": []any{"short"}, "published": []any{published}})
	resp, body := postFile(t, "http://"+addr+"/media", token, pngBytes(t, 5))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	_, mediaPath, _ := strings.Cut(resp.Header.Get("Location"), "/media/")

	show := func(rev string) string {
		cmd := exec.Command("git", "show", "-s", "--format=%an <%ae>%n%B", rev)
		cmd.Dir = remote
		b, _ := cmd.Output()
		return string(b)
	}
	files := []string{"content/photos/2026/cat.md", "content/posts/2026/12/essay.md", "content/notes/short.md",
		"assets/uploads/" + mediaPath}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		cmd := exec.Command("git", "ls-tree", "-r", "--name-only", "site")
		cmd.Dir = remote
		got, _ := cmd.Output()
		all := true
		for _, f := range files {
			all = all && strings.Contains(string(got), f+"\n")
		}
		if all {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the remote's branch site holds %q, want %v", got, files)
		}
		time.Sleep(100 * time.Millisecond)
	}
	log := ""
	for rev := "site"; ; rev += "^" {
		s := show(rev)
		if s == "" {
			break
		}
		log += s
	}
	if !strings.Contains(log, "Jane Doe <jane@example.com>") || !strings.Contains(log, "create photo cat (content/photos/2026/cat.md)") {
		t.Errorf("commits on the remote, want Jane's with the template's message:\n%s", log)
	}

	// A hand edit on the remote's branch reaches q=source on the schedule.
	hand := filepath.Join(t.TempDir(), "hand")
	gitIn(t, filepath.Dir(hand), "clone", "-q", "-b", "site", remote, hand)
	file := filepath.Join(hand, "content", "notes", "short.md")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, bytes.Replace(b, []byte("---\nshort\n"), []byte("---\nedited by hand\n"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	gitIn(t, hand, "commit", "-q", "-am", "edit")
	gitIn(t, hand, "push", "-q", "origin", "site")
	deadline = time.Now().Add(time.Minute)
	for {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/micropub?q=source&url="+note, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), "edited by hand") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("q=source after a hand edit and --git-pull-every 300ms: %s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Settings the README rules out are refused at start, saying which.
func TestServeGitFlagsRefused(t *testing.T) {
	tests := []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"--content-store", "svn"}, "", "--content-store"},
		{[]string{"--content-store", "git", "--git-preset", "gatsby"}, "", "unknown git preset"},
		{[]string{"--content-store", "git", "--git-path", "photo=../outside/{slug}.md"}, "", "path template for photo"},
		{[]string{"--content-store", "git", "--git-path", "photo=content/photos/fixed.md"}, "", "needs {slug}"},
		{[]string{"--content-store", "git", "--git-path", "nothing"}, "", "want type=template"},
		{[]string{"--content-store", "git", "--git-author", "no address"}, "", "--git-author"},
		{[]string{"--content-store", "git"}, "photo", "INDIEPUB_GIT_PATHS"},
		{[]string{"--content-store", "git", "--git-media", "--git-media-dir", "../site"}, "", "media folder"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " ")+" "+tt.env, func(t *testing.T) {
			t.Setenv("INDIEPUB_GIT_PATHS", tt.env)
			args := append([]string{"serve", "--data", t.TempDir(), "--addr", freeAddr(t)}, tt.args...)
			var stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := Main(ctx, args, nil, io.Discard, &stderr)
			if err == nil || !strings.Contains(err.Error()+stderr.String(), tt.want) {
				t.Errorf("serve %v: %v %s, want an error naming %q", tt.args, err, stderr.String(), tt.want)
			}
		})
	}
}
