package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer is a bytes.Buffer safe for the server's log writes and the test's reads.
type syncBuffer struct {
	mu  chan struct{}
	buf bytes.Buffer
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{mu: make(chan struct{}, 1)} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu <- struct{}{}
	defer func() { <-b.mu }()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu <- struct{}{}
	defer func() { <-b.mu }()
	return b.buf.String()
}

func TestServeOnFreshDataDir(t *testing.T) {
	addr := freeAddr(t)
	data := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := newSyncBuffer()
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--addr", addr, "--data", data}, strings.NewReader(""), io.Discard, logs)
	}()
	waitHealthy(t, "http://"+addr+"/healthz", done)

	var out bytes.Buffer
	if err := Main(context.Background(), []string{"token", "issue", "--data", data, "--addr", addr,
		"--scope", "create update", "--expires", "90d"}, nil, &out, io.Discard); err != nil {
		t.Fatalf("token issue: %v", err)
	}
	tok := strings.TrimSpace(out.String())
	if len(tok) < 32 || strings.ContainsAny(tok, "+/=&% \n") {
		t.Fatalf("token issue printed %q, want one URL-safe token", out.String())
	}
	if code := configStatus(t, addr, tok); code == http.StatusUnauthorized || code == http.StatusForbidden {
		t.Errorf("GET /micropub with an issued token: %d, want the token accepted", code)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after shutdown, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Errorf("log %q does not mention the shutdown", logs.String())
	}
}

// configStatus is the status of a q=config query to the server at addr with tok.
func configStatus(t *testing.T, addr, tok string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+"/micropub?q=config", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func waitHealthy(t *testing.T, url string, done <-chan error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("server exited early: %v", err)
		default:
		}
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never answered 200", url)
}

func TestTokenListAndRevoke(t *testing.T) {
	data := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := Main(context.Background(), append(args, "--data", data), nil, &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out.String()
	}
	run("token", "issue", "--scope", "media", "--client-id", "https://app.example/")
	list := run("token", "list")
	if !strings.Contains(list, "https://app.example/") || !strings.Contains(list, "media") {
		t.Fatalf("token list = %q, want the issued token's client and scope", list)
	}
	if got := run("token", "revoke", "1"); !strings.Contains(got, "revoked token 1") {
		t.Fatalf("token revoke 1 = %q", got)
	}
	if list := run("token", "list"); strings.Contains(list, "https://app.example/") {
		t.Fatalf("token list after revoke = %q, want the token gone", list)
	}
	err := Main(context.Background(), []string{"token", "revoke", "1", "--data", data}, nil, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("revoking a revoked token succeeded, want an error")
	}
}

// TestGracefulShutdown checks that a request in flight when the signal arrives completes.
func TestGracefulShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, h, slog.New(slog.NewTextHandler(io.Discard, nil)), "") }()

	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	cancel()
	time.Sleep(100 * time.Millisecond) // let Shutdown begin while the request is in flight
	close(release)
	if body := <-got; body != "finished" {
		t.Fatalf("in-flight request got %q, want it to finish", body)
	}
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}

func TestUnknownCommand(t *testing.T) {
	if err := Main(context.Background(), []string{"frobnicate"}, nil, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown command succeeded")
	}
}

func TestTokenIssueRefusesBadScopes(t *testing.T) {
	data := t.TempDir()
	for _, scope := range []string{"", "  ", "create bogus", "admin"} {
		err := Main(context.Background(), []string{"token", "issue", "--data", data, "--scope", scope}, nil, io.Discard, io.Discard)
		if err == nil {
			t.Errorf("token issue --scope %q succeeded, want an error", scope)
		}
	}
	var out bytes.Buffer
	if err := Main(context.Background(), []string{"token", "issue", "--data", data, "--scope", "post media"}, nil, &out, io.Discard); err != nil {
		t.Errorf("token issue --scope \"post media\": %v", err)
	}
}

// TestURLPatterns checks that --url-pattern and INDIEPUB_URL_PATTERNS place posts where
// they say, through a real create.
func TestURLPatterns(t *testing.T) {
	for _, bad := range []string{"note", "note=/{yyyy}/x", "note=notes/{slug}", "note=/../{slug}", "=/{slug}", "note=/a?b={slug}"} {
		var o options
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		o.bind(fs)
		if err := fs.Parse([]string{"--data", t.TempDir(), "--url-pattern", bad}); err == nil {
			t.Errorf("--url-pattern %q accepted, want an error", bad)
		}
	}
	t.Setenv("INDIEPUB_URL_PATTERNS", "article=/writing/{slug}")
	addr := freeAddr(t)
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--addr", addr, "--data", data, "--url-pattern", "note=/{yyyy}/{slug}"},
			nil, io.Discard, io.Discard)
	}()
	waitHealthy(t, "http://"+addr+"/healthz", done)
	var out bytes.Buffer
	if err := Main(context.Background(), []string{"token", "issue", "--data", data, "--addr", addr, "--scope", "create"}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out.String())
	for form, want := range map[string]string{
		"h=entry&content=hi&mp-slug=hello":          "http://" + addr + "/" + time.Now().UTC().Format("2006") + "/hello",
		"h=entry&name=Essay&content=Long&mp-slug=e": "http://" + addr + "/writing/e",
	} {
		req, _ := http.NewRequest("POST", "http://"+addr+"/micropub", strings.NewReader(form))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusCreated || got != want {
			t.Errorf("create %s: %d Location %q, want 201 %q", form, resp.StatusCode, got, want)
		}
	}
	cancel()
	<-done
}

// TestTokenRevokedFromTheShellWhileServing: the server remembers the tokens it verified,
// and a token revoked by `indiepub token revoke` (its own store on the same data
// directory, as from another process) is still refused at the very next request, by id
// and by app, however many requests the server answered from memory before.
func TestTokenRevokedFromTheShellWhileServing(t *testing.T) {
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	data := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--addr", addr, "--data", data, "--metrics-addr", metricsAddr},
			strings.NewReader(""), io.Discard, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	waitHealthy(t, "http://"+addr+"/healthz", done)
	run := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := Main(context.Background(), append(args, "--data", data, "--addr", addr), nil, &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return strings.TrimSpace(out.String())
	}
	status := func(tok string) int { return configStatus(t, addr, tok) }
	byID := run("token", "issue", "--scope", "create", "--client-id", "https://a.example/")
	byApp := run("token", "issue", "--scope", "create", "--client-id", "https://b.example/")
	for _, tok := range []string{byID, byApp} {
		for range 20 {
			if got := status(tok); got != http.StatusOK {
				t.Fatalf("q=config with a live token: %d, want 200", got)
			}
		}
	}
	// The server did remember them (the metrics wrap the store; the counter is still
	// found): 38 of the 40 verifications came from memory.
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), "\nindiepub_token_cache_hits_total 38\n") {
		t.Errorf("metrics lack indiepub_token_cache_hits_total 38:\n%s", metrics)
	}
	run("token", "revoke", "1")
	// A token that is not (or no longer) valid is a 403 (W3C Micropub §3.7.5, as
	// indieauth.WriteError answers).
	if got := status(byID); got != http.StatusForbidden {
		t.Errorf("right after `token revoke 1`: %d, want 403", got)
	}
	if got := status(byApp); got != http.StatusOK {
		t.Errorf("the other app's token after `token revoke 1`: %d, want 200", got)
	}
	run("token", "revoke", "--client-id", "https://b.example/")
	if got := status(byApp); got != http.StatusForbidden {
		t.Errorf("right after `token revoke --client-id`: %d, want 403", got)
	}
}
