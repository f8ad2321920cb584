// Package secret keeps other services' credentials (Mastodon access tokens, Bluesky app
// passwords) encrypted at rest: AES-256-GCM under a key kept apart from the database, so
// that a copy of the database alone does not give away the owner's other accounts.
//
// The key comes from INDIEPUB_SECRET_KEY (32 bytes, base64) or, without it, from the file
// secret.key in the data directory, created with mode 0600 on first use.
package secret

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the key's length in bytes (AES-256).
const KeySize = 32

// KeyFile is the key's file name in the data directory.
const KeyFile = "secret.key"

// ErrDecrypt is a sealed value that does not open: tampered with, truncated, or sealed
// under another key.
var ErrDecrypt = errors.New("secret: cannot decrypt: wrong key or damaged value")

// version prefixes every sealed value, so that a later format can be told apart.
const version = "v1:"

// Box seals and opens values under one key.
type Box struct {
	aead cipher.AEAD
}

// New returns a Box for key, which must be KeySize bytes.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: key of %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext; context (the setting's name, say) is authenticated with it, so
// that a sealed value moved to another setting does not open there. The result is text:
// "v1:" and base64 of a random nonce and the ciphertext.
func (b *Box) Seal(plaintext []byte, context string) string {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	rand.Read(nonce)
	sealed := b.aead.Seal(nonce, nonce, plaintext, []byte(context))
	return version + base64.RawURLEncoding.EncodeToString(sealed)
}

// Open decrypts what Seal made under the same key and context; ErrDecrypt otherwise.
func (b *Box) Open(sealed, context string) ([]byte, error) {
	raw, ok := strings.CutPrefix(sealed, version)
	if !ok {
		return nil, ErrDecrypt
	}
	data, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || len(data) < b.aead.NonceSize()+b.aead.Overhead() {
		return nil, ErrDecrypt
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, data[:n], data[n:], []byte(context))
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

// LoadKey returns the key: envValue (INDIEPUB_SECRET_KEY's, base64) when it is set, else
// the contents of dataDir/secret.key, which is created with a random key and mode 0600 when
// it does not exist. A key file readable by others is refused.
func LoadKey(envValue, dataDir string) ([]byte, error) {
	if envValue != "" {
		key, err := decodeKey(strings.TrimSpace(envValue))
		if err != nil {
			return nil, fmt.Errorf("INDIEPUB_SECRET_KEY: %w", err)
		}
		return key, nil
	}
	path := filepath.Join(dataDir, KeyFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret key %s: mode %v, want 0600 (chmod 600 %s)", path, info.Mode().Perm(), path)
	}
	key, err := decodeKey(string(bytes.TrimSpace(data)))
	if err != nil {
		return nil, fmt.Errorf("secret key %s: %w", path, err)
	}
	return key, nil
}

// createKey writes a new random key to path, failing if another process made it first.
func createKey(path string) ([]byte, error) {
	key := make([]byte, KeySize)
	rand.Read(key)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadKey("", filepath.Dir(path))
	}
	if err != nil {
		return nil, fmt.Errorf("create secret key: %w", err)
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("create secret key: %w", err)
	}
	return key, nil
}

func decodeKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		key, err = base64.RawURLEncoding.DecodeString(s)
	}
	if err != nil {
		return nil, errors.New("not base64")
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("%d bytes, want %d", len(key), KeySize)
	}
	return key, nil
}
