package postgres

import (
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/store/postgres/pgtest"
)

// TestMigratedNamesMissing: a database that lacks a migration this binary embeds (put
// back from an older backup, say) is not ready, and Migrated names what is missing.
func TestMigratedNamesMissing(t *testing.T) {
	db, err := Open(t.Context(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrated(t.Context()); err != nil {
		t.Fatalf("Migrated on a store just opened: %v", err)
	}
	if _, err := db.pool.Exec(t.Context(), `DELETE FROM schema_migrations WHERE version = '0003_jobs'`); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrated(t.Context()); err == nil || !strings.Contains(err.Error(), "0003_jobs") {
		t.Errorf("Migrated without 0003_jobs: %v, want an error naming it", err)
	}
}
