package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/secret"
	"github.com/indiepub/indiepub/internal/store/sqlite"
	"github.com/indiepub/indiepub/internal/syndicate"
)

// TestServeSecretKey: serve creates secret.key (mode 0600) in a fresh data directory; a
// stored target sealed under that key stops a start under another INDIEPUB_SECRET_KEY
// with an error naming the target, as does a malformed key, and neither panics.
func TestServeSecretKey(t *testing.T) {
	t.Setenv("INDIEPUB_SECRET_KEY", "")
	data := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--addr", addr, "--data", data}, strings.NewReader(""), io.Discard, io.Discard)
	}()
	waitHealthy(t, "http://"+addr+"/healthz", done)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	info, err := os.Stat(filepath.Join(data, secret.KeyFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("secret.key after the first start: %v, %v; want mode 0600", info, err)
	}

	// A target stored under the data directory's key.
	key, err := secret.LoadKey("", data)
	if err != nil {
		t.Fatal(err)
	}
	box, _ := secret.New(key)
	db, err := sqlite.Open(context.Background(), filepath.Join(data, "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	const uid = "https://social.example/@jane"
	err = db.AddSyndicationTarget(context.Background(), &syndicate.StoredTarget{UID: uid, Name: "Mastodon",
		Service: syndicate.ServiceMastodon, Server: "https://social.example", Secret: box.Seal([]byte("token"), syndicate.SecretContext(uid))})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	other := make([]byte, secret.KeySize)
	rand.Read(other)
	for env, want := range map[string][]string{
		base64.StdEncoding.EncodeToString(other): {uid, "does not open", "INDIEPUB_SECRET_KEY"},
		"not a key":                              {"INDIEPUB_SECRET_KEY"},
	} {
		t.Setenv("INDIEPUB_SECRET_KEY", env)
		errc := make(chan error, 1)
		go func() {
			errc <- Main(context.Background(), []string{"serve", "--addr", freeAddr(t), "--data", data}, strings.NewReader(""), io.Discard, io.Discard)
		}()
		select {
		case err := <-errc:
			for _, w := range want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("serve with INDIEPUB_SECRET_KEY=%q: %v, want an error saying %q", env, err, w)
				}
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("serve with INDIEPUB_SECRET_KEY=%q started", env)
		}
	}
}
