package fsblob

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/media/blobtest"
)

// TestContract runs the blob store contract on the disk.
func TestContract(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) media.Blobs {
		s, err := New(Config{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		return listed{s}
	})
}

// listed is a Store that lists its files, temp files included, for blobtest.
type listed struct{ *Store }

func (s listed) List(context.Context) ([]string, error) {
	var names []string
	err := filepath.WalkDir(s.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(s.dir, path)
		names = append(names, filepath.ToSlash(rel))
		return err
	})
	return names, err
}
