package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/indiepub/indiepub/internal/store/storetest"
)

// TestContract runs the storage contract against SQLite, a fresh file per test.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		db, err := Open(t.Context(), filepath.Join(t.TempDir(), "indiepub.db"))
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}
