package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/pkce"
	"github.com/indiepub/indiepub/internal/store/sqlite"
)

func TestPasswdFromStdin(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	var out, errOut bytes.Buffer
	err := Main(context.Background(), []string{"passwd", "--data", data}, strings.NewReader("piped password 42\nignored\n"), &out, &errOut)
	if err != nil {
		t.Fatalf("passwd: %v (%s)", err, errOut.String())
	}
	if !strings.Contains(out.String(), "password set") {
		t.Errorf("output %q", out.String())
	}
	db, err := sqlite.Open(t.Context(), filepath.Join(data, "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hash, err := db.OwnerPassword(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := owner.CheckPassword(hash, "piped password 42"); !ok || err != nil {
		t.Errorf("stored hash %q does not match the piped password (%v)", hash, err)
	}

	err = Main(context.Background(), []string{"passwd", "--data", data}, strings.NewReader("short"), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "at least") {
		t.Errorf("short password: %v, want an error about its length", err)
	}
}

func TestTokenRevokeClient(t *testing.T) {
	data := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := Main(context.Background(), append(args, "--data", data), nil, &out, &bytes.Buffer{}); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out.String()
	}
	run("token", "issue", "--scope", "create", "--client-id", "https://a.example/")
	run("token", "issue", "--scope", "create", "--client-id", "https://a.example/")
	run("token", "issue", "--scope", "create", "--client-id", "https://b.example/")
	if list := run("token", "list"); !strings.Contains(list, "APP") || !strings.Contains(list, "indiepub token issue") {
		t.Errorf("token list %q lacks the app name column", list)
	}
	if got := run("token", "revoke", "--client-id", "https://a.example/"); !strings.Contains(got, "revoked 2 tokens") {
		t.Errorf("revoke --client-id = %q, want 2 revoked", got)
	}
	list := run("token", "list")
	if strings.Contains(list, "https://a.example/") || !strings.Contains(list, "https://b.example/") {
		t.Errorf("token list after revoking a.example = %q", list)
	}
}

func TestTokenPKCEExemptions(t *testing.T) {
	data := t.TempDir()
	db, err := sqlite.Open(t.Context(), filepath.Join(data, "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	err = db.AddPKCEExemption(context.Background(), &pkce.Exemption{ClientID: "https://sunlit.example/", ClientName: "Sunlit", Created: time.Now()})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := Main(context.Background(), append(args, "--data", data), nil, &out, &bytes.Buffer{}); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out.String()
	}
	if list := run("token", "no-pkce"); !strings.Contains(list, "Sunlit") || !strings.Contains(list, "https://sunlit.example/") {
		t.Errorf("token no-pkce = %q", list)
	}
	run("token", "no-pkce-withdraw", "https://sunlit.example/")
	if list := run("token", "no-pkce"); strings.Contains(list, "sunlit") {
		t.Errorf("after no-pkce-withdraw: %q", list)
	}
}
