package main

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/secret"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/visitor"
)

// TestServeSealsWithTheDataDirKey: serve seals visitors' cookies with the key of the data
// directory (secret.key), so that a cookie sealed under it opens (and one sealed under
// another key is cleared) and sign-ins outlive a restart.
func TestServeSealsWithTheDataDirKey(t *testing.T) {
	t.Setenv("INDIEPUB_SECRET_KEY", "")
	addr := freeAddr(t)
	data := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	key, err := secret.LoadKey("", data)
	if err != nil {
		t.Fatal(err)
	}
	box, _ := secret.New(key)
	otherKey := make([]byte, secret.KeySize)
	rand.Read(otherKey)
	other, _ := secret.New(otherKey)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--addr", addr, "--data", data}, strings.NewReader(""), io.Discard, io.Discard)
	}()
	waitHealthy(t, "http://"+addr+"/healthz", done)

	sess := &visitor.Session{Me: "https://visitor.example/", CSRF: "c", Expires: time.Now().Add(time.Hour).Unix()}
	for _, tt := range []struct {
		name        string
		box         *secret.Box
		wantCleared bool
	}{{"the data directory's key", box, false}, {"another key", other, true}} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/no-such-post", nil)
		req.AddCookie(&http.Cookie{Name: "indiepub_visitor", Value: visitor.EncodeSession(tt.box, sess)})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cleared := strings.Contains(resp.Header.Get("Set-Cookie"), "indiepub_visitor=;")
		if cleared != tt.wantCleared {
			t.Errorf("a cookie sealed under %s: cleared %v, want %v", tt.name, cleared, tt.wantCleared)
		}
	}
	cancel()
	<-done
}

// TestApproveVisitorsFlag: --webmention-approve-visitors and its variable reach the
// server's configuration; the default is off.
func TestApproveVisitorsFlag(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		env  string
		want bool
	}{{"default", nil, "", false}, {"flag", []string{"--webmention-approve-visitors"}, "", true},
		{"environment", nil, "1", true}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("INDIEPUB_WEBMENTION_APPROVE_VISITORS", tt.env)
			ctx, cancel := context.WithCancel(context.Background())
			got := make(chan bool, 1)
			args := append([]string{"serve", "--addr", freeAddr(t), "--data", t.TempDir()}, tt.args...)
			done := make(chan error, 1)
			go func() {
				done <- serveWith(ctx, args, io.Discard, io.Discard, func(c *server.Config) {
					got <- c.ApproveVisitorMentions
					cancel()
				})
			}()
			select {
			case g := <-got:
				if g != tt.want {
					t.Errorf("ApproveVisitorMentions = %v, want %v", g, tt.want)
				}
			case err := <-done:
				t.Fatalf("serve: %v", err)
			}
			<-done
		})
	}
}
