package secret

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func newBox(t *testing.T) (*Box, []byte) {
	t.Helper()
	key := make([]byte, KeySize)
	rand.Read(key)
	b, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	return b, key
}

func TestSealOpen(t *testing.T) {
	b, _ := newBox(t)
	sealed := b.Seal([]byte("mastodon-token"), "mastodon:https://social.example/")
	if bytes.Contains([]byte(sealed), []byte("mastodon-token")) {
		t.Fatalf("sealed value %q shows the plaintext", sealed)
	}
	if again := b.Seal([]byte("mastodon-token"), "mastodon:https://social.example/"); again == sealed {
		t.Errorf("two seals of one value are equal: the nonce is not random")
	}
	got, err := b.Open(sealed, "mastodon:https://social.example/")
	if err != nil || string(got) != "mastodon-token" {
		t.Errorf("Open: %q, %v; want the plaintext", got, err)
	}
}

func TestOpenRefuses(t *testing.T) {
	b, _ := newBox(t)
	other, _ := newBox(t)
	sealed := b.Seal([]byte("app-password"), "bluesky")
	raw, _ := base64.RawURLEncoding.DecodeString(sealed[len(version):])
	flip := func(i int) string {
		c := bytes.Clone(raw)
		c[i] ^= 1
		return version + base64.RawURLEncoding.EncodeToString(c)
	}
	tests := []struct {
		name, sealed, context string
		box                   *Box
	}{
		{"wrong key", sealed, "bluesky", other},
		{"other context", sealed, "mastodon", b},
		{"tampered ciphertext", flip(len(raw) - 20), "bluesky", b},
		{"tampered nonce", flip(0), "bluesky", b},
		{"tampered tag", flip(len(raw) - 1), "bluesky", b},
		{"truncated", sealed[:10], "bluesky", b},
		{"not sealed", "app-password", "bluesky", b},
		{"empty", "", "bluesky", b},
	}
	for _, tt := range tests {
		if got, err := tt.box.Open(tt.sealed, tt.context); !errors.Is(err, ErrDecrypt) || got != nil {
			t.Errorf("%s: %q, %v; want ErrDecrypt", tt.name, got, err)
		}
	}
}

func TestNewRefusesShortKey(t *testing.T) {
	if _, err := New(make([]byte, 16)); err == nil {
		t.Error("a 16-byte key was accepted")
	}
}

func TestLoadKeyCreatesFile(t *testing.T) {
	dir := t.TempDir()
	key, err := LoadKey("", dir)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", info.Mode().Perm())
	}
	again, err := LoadKey("", dir)
	if err != nil || !bytes.Equal(again, key) {
		t.Errorf("second load: %v; want the same key", err)
	}
	os.Chmod(filepath.Join(dir, KeyFile), 0o644)
	if _, err := LoadKey("", dir); err == nil {
		t.Error("a key file readable by others was accepted")
	}
}

func TestLoadKeyFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	want := bytes.Repeat([]byte{7}, KeySize)
	key, err := LoadKey(base64.StdEncoding.EncodeToString(want), dir)
	if err != nil || !bytes.Equal(key, want) {
		t.Errorf("LoadKey from the environment: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a key file was created though the environment gave the key")
	}
	for _, bad := range []string{"not base64!", base64.StdEncoding.EncodeToString(make([]byte, 16))} {
		if _, err := LoadKey(bad, dir); err == nil {
			t.Errorf("INDIEPUB_SECRET_KEY %q accepted", bad)
		}
	}
}
