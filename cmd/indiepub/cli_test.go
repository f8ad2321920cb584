package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/authserver"
)

// TestHelp checks that every command's and subcommand's -h or --help, and the help
// command, print the usage to stdout and succeed (exit 0), touching nothing on disk.
func TestHelp(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"help"}, "usage: indiepub <command>"},
		{[]string{"--help"}, "usage: indiepub <command>"},
		{[]string{"-h"}, "usage: indiepub <command>"},
		{[]string{"serve", "--help"}, "usage: indiepub serve"},
		{[]string{"serve", "-h"}, "-max-upload"},
		{[]string{"token", "--help"}, "usage: indiepub token <command>"},
		{[]string{"token", "-h"}, "no-pkce-withdraw URL"},
		{[]string{"token", "issue", "--help"}, "-scope"},
		{[]string{"token", "issue", "-h"}, "usage: indiepub token issue --scope"},
		{[]string{"token", "list", "--help"}, "usage: indiepub token list"},
		{[]string{"token", "revoke", "-h"}, "-client-id"},
		{[]string{"token", "no-pkce", "--help"}, "usage: indiepub token no-pkce"},
		{[]string{"token", "no-pkce-withdraw", "-h"}, "usage: indiepub token no-pkce-withdraw URL"},
		{[]string{"passwd", "--help"}, "usage: indiepub passwd"},
		{[]string{"media", "--help"}, "usage: indiepub media --me URL"}, // --me is not needed to ask
		{[]string{"version", "--help"}, "usage: indiepub version"},
		{[]string{"jobs", "--help"}, "jobs retry ID"},
		{[]string{"version", "-h"}, "usage: indiepub version"},
		{[]string{"doctor", "--help"}, "usage: indiepub doctor [flags] URL"}, // no URL needed to ask
		{[]string{"doctor", "-h"}, "-token"},
		{[]string{"help", "doctor"}, "-json"},
		{[]string{"serve", "--help"}, "-metrics-addr"},
		{[]string{"serve", "--help"}, "-access-log"},
		{[]string{"passwd", "-h"}, "-data"},
		{[]string{"media", "-h"}, "-token-endpoint"},
		{[]string{"token", "revoke", "--help"}, "usage: indiepub token revoke"},
		{[]string{"token", "list", "-h"}, "-data"},
		{[]string{"help", "serve"}, "usage: indiepub serve"},
		{[]string{"help", "token", "issue"}, "-expires"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		err := Main(context.Background(), tt.args, nil, &stdout, &stderr)
		if err != nil || !strings.Contains(stdout.String(), tt.want) || stderr.Len() != 0 {
			t.Errorf("%q: err %v, stdout %q, stderr %q; want success and %q on stdout only",
				tt.args, err, stdout.String(), stderr.String(), tt.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("asking for help created %v in the working directory", entries)
	}
}

// TestBadFlagIsAnError checks that help did not swallow real mistakes: a bad flag still
// fails, with the usage on stderr.
func TestBadFlagIsAnError(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := Main(context.Background(), []string{"serve", "--no-such-flag"}, nil, &stdout, &stderr)
	if err == nil || stdout.Len() != 0 || !strings.Contains(stderr.String(), "usage: indiepub serve") {
		t.Errorf("serve --no-such-flag: err %v, stdout %q, stderr %q; want an error and the usage on stderr", err, stdout.String(), stderr.String())
	}
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version"} {
		var stdout bytes.Buffer
		if err := Main(context.Background(), []string{arg}, nil, &stdout, io.Discard); err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		// Test binaries carry no VCS stamp: every part falls back to devel.
		if got := stdout.String(); !strings.HasPrefix(got, "indiepub ") || !strings.Contains(got, ", commit ") || !strings.Contains(got, ", built ") {
			t.Errorf("%s printed %q, want the version, commit and build date", arg, got)
		}
	}
	if err := Main(context.Background(), []string{"version", "extra"}, nil, io.Discard, io.Discard); err == nil {
		t.Error("version extra: no error")
	}
}

func TestVersionLine(t *testing.T) {
	stamped := &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "eb08d14dd990b196ee8948979aa65a4c28219d37"},
		{Key: "vcs.time", Value: "2026-12-02T08:19:51Z"},
		{Key: "vcs.modified", Value: "false"},
	}}
	modified := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "eb08d14"}, {Key: "vcs.time", Value: "2026-12-02T08:19:51Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"stamped", stamped, "indiepub v1.4.0, commit eb08d14dd990b196ee8948979aa65a4c28219d37, built 2026-12-02T08:19:51Z"},
		{"uncommitted changes", modified, "indiepub devel, commit eb08d14 (modified), built 2026-12-02T08:19:51Z"},
		{"no VCS stamp", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "indiepub devel, commit devel, built devel"},
		// go install …@latest from the module proxy: no vcs.* settings, only the version.
		{"pseudo-version", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261202141500-e015a894f2ec"}},
			"indiepub v0.0.0-20261202141500-e015a894f2ec, commit e015a894f2ec, built 2026-12-02T14:15:00Z"},
		{"pseudo-version after a tag", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.1-0.20261202141500-e015a894f2ec"}},
			"indiepub v1.4.1-0.20261202141500-e015a894f2ec, commit e015a894f2ec, built 2026-12-02T14:15:00Z"},
		{"tagged, from the proxy", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "indiepub v1.4.0, commit devel, built devel"},
		{"no build info", nil, "indiepub devel, commit devel, built devel"},
	}
	for _, tt := range tests {
		if got := versionLine(tt.info); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestTokenIssueRequiresScope: without --scope, token issue used to grant every scope,
// forever; now it refuses, naming the scopes there are, and issues nothing.
func TestTokenIssueRequiresScope(t *testing.T) {
	data := t.TempDir()
	err := Main(context.Background(), []string{"token", "issue", "--data", data, "--client-id", "https://app.example/"}, nil, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("token issue without --scope succeeded, want an error")
	}
	for _, s := range authserver.Scopes {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not list the scope %q", err, s)
		}
	}
	var out bytes.Buffer
	if err := Main(context.Background(), []string{"token", "list", "--data", data}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "https://app.example/") {
		t.Errorf("token list = %q, want no token issued", out.String())
	}
}

// startServe runs `indiepub serve` with args, logging to logs, until the test ends, and
// returns its address.
func startServe(t *testing.T, logs io.Writer, args ...string) string {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, append([]string{"serve", "--addr", addr}, args...), nil, io.Discard, logs)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop after its context was cancelled")
		}
	})
	waitHealthy(t, "http://"+addr+"/healthz", done)
	return addr
}

// TestServeLogsDataDir: without --data the server makes ./data wherever it was started,
// so it says where, as an absolute path.
func TestServeLogsDataDir(t *testing.T) {
	t.Chdir(t.TempDir())
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("INDIEPUB_DATA", "")
	os.Unsetenv("INDIEPUB_DATA") // the default, data; t.Setenv restores any value afterwards
	logs := newSyncBuffer()
	startServe(t, logs)
	want := "path=" + filepath.Join(wd, "data")
	if !strings.Contains(logs.String(), want) {
		t.Errorf("log %q does not name the data directory: want %q", logs.String(), want)
	}
}

// TestUploadLoggedAtDebug: an upload is one log line at DEBUG, not at INFO, where a busy
// media endpoint would drown everything else.
func TestUploadLoggedAtDebug(t *testing.T) {
	for _, debugFlag := range []bool{false, true} {
		data := t.TempDir()
		args := []string{"--data", data}
		if debugFlag {
			args = append(args, "--debug")
		}
		logs := newSyncBuffer()
		addr := startServe(t, logs, args...)
		var out bytes.Buffer
		if err := Main(context.Background(), []string{"token", "issue", "--data", data, "--addr", addr, "--scope", "media"}, nil, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		resp, body := postFile(t, "http://"+addr+"/media", strings.TrimSpace(out.String()), pngBytes(t, 9))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("upload: %d %s, want 201", resp.StatusCode, body)
		}
		if got := strings.Contains(logs.String(), "media uploaded"); got != debugFlag {
			t.Errorf("debug %v: upload logged %v, want %v; log:\n%s", debugFlag, got, debugFlag, logs.String())
		}
	}
}
