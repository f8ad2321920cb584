package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
)

// Snapshot writes a consistent copy of the database to dest, which must not exist, while
// the store goes on serving: VACUUM INTO reads within one read transaction, so the copy
// holds every commit made before it began and none after, and it waits for no writer
// (https://sqlite.org/lang_vacuum.html#vacuuminto). The copy is a plain database file
// (no log beside it), synced to disk.
func (db *DB) Snapshot(ctx context.Context, dest string) error {
	return snapshot(ctx, db.db, dest)
}

// SnapshotFile is Snapshot for a database file that another process (a running server)
// has open: it opens its own connection, runs no migrations and starts no writer.
func SnapshotFile(ctx context.Context, path, dest string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	c, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer c.Close()
	return snapshot(ctx, c, dest)
}

func snapshot(ctx context.Context, c *sql.DB, dest string) error {
	if _, err := c.ExecContext(ctx, `VACUUM INTO ?`, dest); err != nil {
		return fmt.Errorf("snapshot into %s: %w", dest, err)
	}
	f, err := os.Open(dest)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("snapshot: sync %s: %w", dest, err)
	}
	return nil
}
