// Package media stores uploaded files by the SHA-256 of their content: the same bytes give
// the same path, different bytes never overwrite each other, and a file appears under its
// final name only once it is complete and synced. It knows nothing of posts or SQL.
package media

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Store keeps blobs in a folder, at <dir>/<h[0:2]>/<h[2:4]>/<hash><ext>.
type Store struct {
	Dir string
}

// Blob is a stored file.
type Blob struct {
	Hash string // hex SHA-256 of the content
	Ext  string // with the dot, e.g. ".jpg"
	Size int64
}

// Path is the blob's path relative to the store folder, with forward slashes.
func (b Blob) Path() string {
	return b.Hash[0:2] + "/" + b.Hash[2:4] + "/" + b.Hash + b.Ext
}

// Put streams r to a temp file while hashing it, syncs it and renames it to its content
// address. If that file already exists the temp file is dropped: the content is the same.
func (s *Store) Put(r io.Reader, ext string) (Blob, error) {
	tmpDir := filepath.Join(s.Dir, "tmp")
	if err := os.MkdirAll(tmpDir, 0o755); err != nil {
		return Blob{}, fmt.Errorf("media: %w", err)
	}
	f, err := os.CreateTemp(tmpDir, "upload-*")
	if err != nil {
		return Blob{}, fmt.Errorf("media: %w", err)
	}
	defer os.Remove(f.Name()) // a no-op once renamed
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err != nil {
		return Blob{}, fmt.Errorf("media: write %s: %w", f.Name(), err)
	}
	if err := f.Sync(); err != nil {
		return Blob{}, fmt.Errorf("media: sync %s: %w", f.Name(), err)
	}
	b := Blob{Hash: hex.EncodeToString(h.Sum(nil)), Ext: ext, Size: n}
	final := filepath.Join(s.Dir, filepath.FromSlash(b.Path()))
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return Blob{}, fmt.Errorf("media: %w", err)
	}
	if _, err := os.Stat(final); err == nil {
		return b, nil
	}
	if err := os.Rename(f.Name(), final); err != nil {
		return Blob{}, fmt.Errorf("media: rename %s: %w", f.Name(), err)
	}
	return b, nil
}
