package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/indiepub/indiepub/internal/store/storetest"
)

// TestContract runs the storage contract against SQLite, a fresh file per test.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		db, err := OpenWith(t.Context(), filepath.Join(t.TempDir(), "indiepub.db"), Options{MediaURLs: []string{storetest.MediaURL}})
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}
