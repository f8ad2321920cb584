package postgres

import (
	"testing"

	"github.com/indiepub/indiepub/internal/store/postgres/pgtest"
	"github.com/indiepub/indiepub/internal/store/storetest"
)

// TestContract runs the storage contract against PostgreSQL, a fresh schema per test.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		db, err := OpenWith(t.Context(), pgtest.URL(t), Options{MediaURLs: []string{storetest.MediaURL}})
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}
