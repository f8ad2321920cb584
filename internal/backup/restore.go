package backup

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// ErrInvalid says that an archive is not a backup indiepub may restore; ErrNotEmpty that
// the directory to restore into holds something already.
var (
	ErrInvalid  = errors.New("invalid backup")
	ErrNotEmpty = errors.New("data directory is not empty")
)

// Limits bound what Restore accepts from an archive.
type Limits struct {
	// MaxFile is the largest file: 64 GiB when zero.
	MaxFile int64
	// MaxTotal bounds the bytes of all files together: 1 TiB when zero.
	MaxTotal int64
	// MaxEntries bounds the entries: 10 million when zero.
	MaxEntries int
}

func (l *Limits) defaults() {
	if l.MaxFile == 0 {
		l.MaxFile = 64 << 30
	}
	if l.MaxTotal == 0 {
		l.MaxTotal = 1 << 40
	}
	if l.MaxEntries == 0 {
		l.MaxEntries = 10_000_000
	}
}

// Restore unpacks the backup read from r into dir, which must be empty or not exist. It
// accepts only what Write makes: the manifest first, then regular files named
// indiepub.db, secret.key or media/…, with relative, clean paths (no "..", no absolute
// names, no links, devices or other special entries) and sizes within lim. Anything else
// fails the restore with ErrInvalid, and a failed restore leaves dir empty again.
func Restore(r io.Reader, dir string, lim Limits) (err error) {
	lim.defaults()
	if err := emptyDir(dir); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			clearDir(dir)
		}
	}()
	gz, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("%w: not gzip: %v", ErrInvalid, err)
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	var total int64
	var sawDB bool
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		if n >= lim.MaxEntries {
			return fmt.Errorf("%w: more than %d entries", ErrInvalid, lim.MaxEntries)
		}
		if n == 0 {
			if err := readManifest(tr, hdr); err != nil {
				return err
			}
			continue
		}
		if err := checkEntry(hdr, lim.MaxFile); err != nil {
			return err
		}
		if total += hdr.Size; total > lim.MaxTotal {
			return fmt.Errorf("%w: more than %d bytes in all", ErrInvalid, lim.MaxTotal)
		}
		if hdr.Typeflag == tar.TypeDir {
			continue // directories come with their files
		}
		sawDB = sawDB || hdr.Name == Database
		if err := extract(tr, hdr, dir); err != nil {
			return err
		}
	}
	if !sawDB {
		return fmt.Errorf("%w: no %s", ErrInvalid, Database)
	}
	return syncDir(dir)
}

func readManifest(tr *tar.Reader, hdr *tar.Header) error {
	if hdr.Name != Manifest || hdr.Typeflag != tar.TypeReg || hdr.Size > 1<<16 {
		return fmt.Errorf("%w: does not start with %s", ErrInvalid, Manifest)
	}
	var m manifest
	if err := json.NewDecoder(io.LimitReader(tr, 1<<16)).Decode(&m); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrInvalid, Manifest, err)
	}
	if m.Format != 1 {
		return fmt.Errorf("%w: format %d, want 1", ErrInvalid, m.Format)
	}
	return nil
}

// checkEntry accepts the names and kinds of entry that Write makes, and nothing else.
func checkEntry(hdr *tar.Header, maxFile int64) error {
	name := strings.TrimSuffix(hdr.Name, "/")
	switch {
	case hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeDir:
		return fmt.Errorf("%w: %q is not a regular file", ErrInvalid, hdr.Name)
	case name == "" || path.IsAbs(name) || strings.Contains(name, `\`) || path.Clean(name) != name ||
		name == ".." || strings.HasPrefix(name, "../") || strings.ContainsRune(name, 0):
		return fmt.Errorf("%w: unsafe name %q", ErrInvalid, hdr.Name)
	case hdr.Size < 0 || hdr.Size > maxFile:
		return fmt.Errorf("%w: %q: size %d out of bounds", ErrInvalid, hdr.Name, hdr.Size)
	}
	if hdr.Typeflag == tar.TypeDir {
		if name != MediaDir && !strings.HasPrefix(name, MediaDir+"/") {
			return fmt.Errorf("%w: unexpected directory %q", ErrInvalid, hdr.Name)
		}
		return nil
	}
	switch {
	case name == Database, name == SecretKey:
	case strings.HasPrefix(name, MediaDir+"/") && !strings.Contains(name, "/."):
	default:
		return fmt.Errorf("%w: unexpected entry %q", ErrInvalid, hdr.Name)
	}
	return nil
}

// extract writes one regular file below dir, exactly hdr.Size bytes of it.
func extract(tr *tar.Reader, hdr *tar.Header, dir string) error {
	dest := filepath.Join(dir, filepath.FromSlash(hdr.Name))
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if hdr.Name == Database || hdr.Name == SecretKey {
		mode = 0o600
	}
	// O_EXCL: an archive naming a file twice is refused rather than overwriting.
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%w: %q twice", ErrInvalid, hdr.Name)
		}
		return err
	}
	defer f.Close()
	n, err := io.Copy(f, io.LimitReader(tr, hdr.Size))
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrInvalid, hdr.Name, err)
	}
	if n != hdr.Size {
		return fmt.Errorf("%w: %s: truncated", ErrInvalid, hdr.Name)
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}

// emptyDir makes sure dir exists and holds nothing.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%w: %s holds %s", ErrNotEmpty, dir, entries[0].Name())
	}
	return nil
}

// clearDir removes what a failed restore wrote into dir, which was empty before.
func clearDir(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}
