package backup_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/backup"
)

// entry is one member of a test archive.
type entry struct {
	name string
	typ  byte
	body string
	size int64 // the header's size when not len(body)
	link string
}

// archive builds a .tar.gz; a manifest is put first unless the entries name one.
func archive(t testing.TB, withManifest bool, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	if withManifest {
		entries = append([]entry{{name: backup.Manifest, body: `{"format":1}`}}, entries...)
	}
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		size := int64(len(e.body))
		if e.size != 0 {
			size = e.size
		}
		if typ != tar.TypeReg {
			size = 0
		}
		hdr := &tar.Header{Name: e.name, Typeflag: typ, Size: size, Mode: 0o644, Linkname: e.link}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(e.body))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func TestRestoreRefuses(t *testing.T) {
	db := entry{name: backup.Database, body: "db"}
	tests := []struct {
		name     string
		manifest bool
		entries  []entry
	}{
		{"no manifest", false, []entry{db}},
		{"no database", true, []entry{{name: "media/ab/cd/x.png", body: "x"}}},
		{"parent path", true, []entry{db, {name: "../evil", body: "x"}}},
		{"parent inside media", true, []entry{db, {name: "media/../../evil", body: "x"}}},
		{"absolute path", true, []entry{db, {name: "/tmp/evil", body: "x"}}},
		{"backslash", true, []entry{db, {name: `media\..\..\evil`, body: "x"}}},
		{"unclean path", true, []entry{db, {name: "media//ab/x.png", body: "x"}}},
		{"symlink", true, []entry{db, {name: "media/ab/link", typ: tar.TypeSymlink, link: "/etc/passwd"}}},
		{"hard link", true, []entry{db, {name: "media/ab/link", typ: tar.TypeLink, link: backup.Database}}},
		{"device", true, []entry{db, {name: "media/ab/dev", typ: tar.TypeChar}}},
		{"unknown file", true, []entry{db, {name: "theme/layout.html", body: "x"}}},
		{"hidden media file", true, []entry{db, {name: "media/.tmp/upload-1", body: "x"}}},
		{"twice", true, []entry{db, db}},
		{"too big", true, []entry{db, {name: "media/ab/cd/x.png", body: strings.Repeat("x", 2000)}}},
		{"truncated", true, []entry{db, {name: "media/ab/cd/x.png", body: "x", size: 100}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			dir := filepath.Join(base, "data")
			err := backup.Restore(bytes.NewReader(archive(t, tt.manifest, tt.entries...)), dir, backup.Limits{MaxFile: 1000})
			if !errors.Is(err, backup.ErrInvalid) {
				t.Errorf("Restore: %v, want ErrInvalid", err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("after a refused restore %s holds %d entries, want none", dir, len(entries))
			}
			checkConfined(t, base, dir)
		})
	}
}

func TestRestoreNeedsEmptyDir(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "indiepub.db"), []byte("live data"), 0o600)
	err := backup.Restore(bytes.NewReader(archive(t, true, entry{name: backup.Database, body: "db"})), dir, backup.Limits{})
	if !errors.Is(err, backup.ErrNotEmpty) {
		t.Fatalf("Restore into a non-empty directory: %v, want ErrNotEmpty", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "indiepub.db")); string(b) != "live data" {
		t.Errorf("the directory's database now holds %q", b)
	}
}

func TestRestoreTotalLimit(t *testing.T) {
	a := archive(t, true, entry{name: backup.Database, body: "db"},
		entry{name: "media/a.png", body: strings.Repeat("a", 600)}, entry{name: "media/b.png", body: strings.Repeat("b", 600)})
	err := backup.Restore(bytes.NewReader(a), filepath.Join(t.TempDir(), "d"), backup.Limits{MaxTotal: 1000})
	if !errors.Is(err, backup.ErrInvalid) {
		t.Errorf("Restore over the total limit: %v, want ErrInvalid", err)
	}
}

// checkConfined fails when anything under base lies outside dir.
func checkConfined(t testing.TB, base, dir string) {
	t.Helper()
	filepath.Walk(base, func(path string, info os.FileInfo, err error) error {
		if err == nil && path != base && path != dir && !strings.HasPrefix(path, dir+string(filepath.Separator)) {
			t.Errorf("restore wrote %s, outside %s", path, dir)
		}
		return nil
	})
}

// FuzzRestore feeds arbitrary archives to Restore: it never panics, never writes outside
// the directory it was given, and leaves that directory empty when it refuses.
func FuzzRestore(f *testing.F) {
	f.Add(archive(f, true, entry{name: backup.Database, body: "db"}, entry{name: "media/ab/cd/x.png", body: "png"}))
	f.Add(archive(f, true, entry{name: backup.Database, body: "db"}, entry{name: "../evil", body: "x"}))
	f.Add(archive(f, true, entry{name: backup.Database, body: "db"}, entry{name: "media/l", typ: tar.TypeSymlink, link: "/"}))
	f.Add(archive(f, false, entry{name: backup.Database, body: "db"}))
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, data []byte) {
		base := t.TempDir()
		dir := filepath.Join(base, "data")
		err := backup.Restore(bytes.NewReader(data), dir, backup.Limits{MaxFile: 1 << 20, MaxTotal: 4 << 20, MaxEntries: 1000})
		checkConfined(t, base, dir)
		if err != nil {
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a refused restore (%v) left %d entries", err, len(entries))
			}
		}
	})
}
