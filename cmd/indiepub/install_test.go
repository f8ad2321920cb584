package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestInstallStampsVersion clones this repository's commit and runs `go install
// ./cmd/indiepub` in the clone, as a user who checked the module out does, then checks
// that the binary's `version` and `--version` name the commit and its date, read by
// debug.ReadBuildInfo from what the go command stamped (vcs.revision, vcs.time). A clone,
// because the go command stamps only a checkout whose .git is a directory, not a git
// worktree's .git file; -buildvcs=true, because a go env may turn it off.
// (`go install …@latest` through the module proxy records only the version, which
// TestVersionLine's pseudo-versions cover.)
func TestInstallStampsVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git not found: the build stamps its commit from git")
	}
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	head, err := exec.Command(git, "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not a git checkout (%v): nothing to stamp", err)
	}
	commit := strings.TrimSpace(string(head))
	clone := filepath.Join(t.TempDir(), "indiepub")
	for _, args := range [][]string{
		{"clone", "--quiet", "--shared", "--no-checkout", root, clone},
		{"-C", clone, "-c", "advice.detachedHead=false", "checkout", "--quiet", commit},
	} {
		if out, err := exec.Command(git, args...).CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	gobin := t.TempDir()
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "install", "./cmd/indiepub")
	cmd.Dir = clone
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=-buildvcs=true")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install ./cmd/indiepub: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(gobin, "indiepub"), "version").Output()
	if err != nil {
		t.Fatalf("indiepub version: %v", err)
	}
	got := strings.TrimSpace(string(out))
	if !strings.HasPrefix(got, "indiepub ") || !strings.Contains(got, "commit "+commit+",") || strings.Contains(got, "built devel") {
		t.Errorf("installed indiepub version: %q, want commit %s and its date", got, commit)
	}
	if out, err := exec.Command(filepath.Join(gobin, "indiepub"), "--version").Output(); err != nil || strings.TrimSpace(string(out)) != got {
		t.Errorf("indiepub --version: %q, %v; want %q", out, err, got)
	}
}
