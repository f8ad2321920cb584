// Package backup writes a data directory's consistent snapshot as one .tar.gz while the
// server runs, and restores one into an empty data directory. An archive holds a
// manifest, the database (indiepub.db, a snapshot taken by the store), the secret key
// (secret.key) when there is one, and the media files under media/; nothing else.
package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Names inside the data directory and the archive.
const (
	Manifest  = "indiepub-backup.json"
	Database  = "indiepub.db"
	SecretKey = "secret.key"
	MediaDir  = "media"
)

// Snapshotter writes a consistent copy of the database to a file that does not exist yet;
// sqlite.DB.Snapshot is one.
type Snapshotter interface {
	Snapshot(ctx context.Context, dest string) error
}

// SnapshotFunc adapts a function to Snapshotter.
type SnapshotFunc func(ctx context.Context, dest string) error

// Snapshot calls f.
func (f SnapshotFunc) Snapshot(ctx context.Context, dest string) error { return f(ctx, dest) }

// manifest is the archive's first entry: what wrote it, and when.
type manifest struct {
	Format  int       `json:"format"`
	Created time.Time `json:"created"`
}

// Write snapshots the database through db and writes it, with dataDir's secret key and
// media files, as a .tar.gz at out. It writes to a temporary file beside out, syncs it and
// renames it into place, so that out is either the previous file or the whole new backup.
// Media files are immutable and named by their content; they are copied after the
// database snapshot, so every file the snapshot refers to is there (unless it was
// deleted meanwhile).
func Write(ctx context.Context, db Snapshotter, dataDir, out string) (err error) {
	dir := filepath.Dir(out)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(out)+".*.tmp")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	snapDir, err := os.MkdirTemp(dir, ".indiepub-snapshot-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(snapDir)
	snap := filepath.Join(snapDir, Database)
	if err := db.Snapshot(ctx, snap); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := writeArchive(ctx, tmp, snap, dataDir); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("backup: sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return syncDir(dir)
}

func writeArchive(ctx context.Context, w io.Writer, snap, dataDir string) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	m, err := json.Marshal(manifest{Format: 1, Created: time.Now().UTC()})
	if err != nil {
		return err
	}
	if err := addBytes(tw, Manifest, m); err != nil {
		return err
	}
	if err := addFile(tw, Database, snap, 0o600); err != nil {
		return err
	}
	key := filepath.Join(dataDir, SecretKey)
	if _, err := os.Lstat(key); err == nil {
		if err := addFile(tw, SecretKey, key, 0o600); err != nil {
			return err
		}
	}
	if err := addMedia(ctx, tw, filepath.Join(dataDir, MediaDir)); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// addMedia adds the media files: regular files only, not the uploads in progress under
// media/.tmp.
func addMedia(ctx context.Context, tw *tar.Writer, root string) error {
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == root {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && path != root {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		err = addFile(tw, MediaDir+"/"+filepath.ToSlash(rel), path, 0o644)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted since the walk listed it
		}
		return err
	})
	return err
}

func addBytes(tw *tar.Writer, name string, b []byte) error {
	hdr := &tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), ModTime: time.Now(), Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err := tw.Write(b)
	return err
}

func addFile(tw *tar.Writer, name, path string, mode int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: name, Mode: mode, Size: st.Size(), ModTime: st.ModTime(), Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := io.Copy(tw, f); err != nil {
		return fmt.Errorf("copy %s: %w", path, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
