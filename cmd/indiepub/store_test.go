package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/store/postgres"
	"github.com/indiepub/indiepub/internal/store/postgres/pgtest"
)

// TestDatabaseFlag: --database (or INDIEPUB_DATABASE) sends every command that opens the
// store to PostgreSQL, leaving the data directory without a database, and gives the
// media service the database's lock.
func TestDatabaseFlag(t *testing.T) {
	pgURL := pgtest.URL(t)
	data := filepath.Join(t.TempDir(), "data")
	if err := Main(context.Background(), []string{"passwd", "--data", data, "--database", pgURL},
		strings.NewReader("a password of the owner\n"), io.Discard, io.Discard); err != nil {
		t.Fatalf("passwd --database: %v", err)
	}
	t.Setenv("INDIEPUB_DATABASE", pgURL)
	runCmd(t, "token", "issue", "--data", data, "--scope", "media", "--client-id", "https://app.example/")
	if list := runCmd(t, "token", "list", "--data", data); !strings.Contains(list, "https://app.example/") {
		t.Errorf("token list with INDIEPUB_DATABASE = %q, want the token issued with it", list)
	}
	if _, err := os.Stat(filepath.Join(data, "indiepub.db")); !os.IsNotExist(err) {
		t.Errorf("a SQLite file in --data after commands on PostgreSQL (%v)", err)
	}

	db, err := postgres.Open(t.Context(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hash, err := db.OwnerPassword(t.Context())
	if ok, _ := owner.CheckPassword(hash, "a password of the owner"); err != nil || !ok {
		t.Errorf("password set through passwd --database not in PostgreSQL: %v", err)
	}

	var o options
	o.database = pgURL
	s, err := o.openDB(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok := o.cfg.MediaLocker.(postgres.MediaLocker); !ok {
		t.Errorf("media lock with --database: %T, want postgres.MediaLocker", o.cfg.MediaLocker)
	}
}

// TestDatabaseFlagWantsPostgres: a --database that is not a postgres:// URL is refused
// before anything is opened.
func TestDatabaseFlagWantsPostgres(t *testing.T) {
	var errOut bytes.Buffer
	err := Main(context.Background(), []string{"token", "list", "--data", t.TempDir(), "--database", "mysql://x/y"},
		nil, io.Discard, &errOut)
	if err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Errorf("--database mysql://…: %v, want a refusal naming postgres://", err)
	}
}
