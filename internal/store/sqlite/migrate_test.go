package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// rawDB opens a database file without applying the embedded migrations.
func rawDB(t *testing.T) *DB {
	t.Helper()
	sdb, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "m.db")+"?_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sdb.Close() })
	return &DB{db: sdb, now: time.Now}
}

func schema(t *testing.T, db *DB) (tables []string, versions []string) {
	t.Helper()
	rows, err := db.db.Query(`SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		tables = append(tables, s)
	}
	rows.Close()
	rows, err = db.db.Query(`SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		versions = append(versions, s)
	}
	rows.Close()
	return tables, versions
}

func TestMigrationFailureLeavesDatabase(t *testing.T) {
	db := rawDB(t)
	ctx := context.Background()
	good := fstest.MapFS{
		"0001_a.sql": {Data: []byte(`CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);`)},
	}
	if err := db.migrate(ctx, good); err != nil {
		t.Fatal(err)
	}
	// The second migration changes data and schema before its last statement fails.
	broken := fstest.MapFS{
		"0001_a.sql": good["0001_a.sql"],
		"0002_b.sql": {Data: []byte(`CREATE TABLE b (y INTEGER);
			INSERT INTO a VALUES (2);
			ALTER TABLE a ADD COLUMN z TEXT;
			CREATE INDEX b_y ON b (y);
			INSERT INTO nowhere VALUES (3);`)},
		"0003_c.sql": {Data: []byte(`CREATE TABLE c (z INTEGER);`)},
	}
	err := db.migrate(ctx, broken)
	if err == nil || !strings.Contains(err.Error(), "migration 0002_b") {
		t.Fatalf("migrate with a broken migration: %v", err)
	}
	tables, versions := schema(t, db)
	if want := []string{"a", "schema_migrations"}; !reflect.DeepEqual(tables, want) {
		t.Errorf("tables after a failed migration %v, want %v", tables, want)
	}
	if !reflect.DeepEqual(versions, []string{"0001_a"}) {
		t.Errorf("versions %v, want [0001_a]", versions)
	}
	var n, cols int
	db.db.QueryRow(`SELECT COUNT(*) FROM a`).Scan(&n)
	db.db.QueryRow(`SELECT COUNT(*) FROM pragma_table_info('a')`).Scan(&cols)
	if n != 1 || cols != 1 {
		t.Errorf("table a has %d rows and %d columns, want 1 and 1", n, cols)
	}
	// Fixed, it applies, and running again changes nothing.
	broken["0002_b.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE b (y INTEGER);`)}
	for range 2 {
		if err := db.migrate(ctx, broken); err != nil {
			t.Fatal(err)
		}
	}
	tables, versions = schema(t, db)
	if want := []string{"a", "b", "c", "schema_migrations"}; !reflect.DeepEqual(tables, want) {
		t.Errorf("tables %v, want %v", tables, want)
	}
	if want := []string{"0001_a", "0002_b", "0003_c"}; !reflect.DeepEqual(versions, want) {
		t.Errorf("versions %v, want %v", versions, want)
	}
}

func TestOpenRecordsEmbeddedMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "indiepub.db")
	for range 2 { // the second Open finds everything applied
		db, err := Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		names, _ := migrations.ReadDir("migrations")
		var n int
		db.SQL().QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
		if n != len(names) || n == 0 {
			t.Errorf("%d versions recorded, want %d", n, len(names))
		}
		var mode string
		db.SQL().QueryRow(`PRAGMA journal_mode`).Scan(&mode)
		if mode != "wal" {
			t.Errorf("journal_mode %s, want wal", mode)
		}
		db.Close()
	}
}

// TestOpenStopsWithContext: the start-up work runs within the caller's context, so a
// cancelled one (a signal during start-up) stops Open with the context's error.
func TestOpenStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "indiepub.db"))
	if err == nil {
		db.Close()
		t.Fatal("Open with a cancelled context succeeded")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a cancelled context: %v, want context.Canceled", err)
	}
}
