package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/indiepub/indiepub/internal/backup"
	"github.com/indiepub/indiepub/internal/store/sqlite"
)

// runBackup writes a backup of the data directory to FILE while the server may be
// running: the database through SQLite's VACUUM INTO, on a connection of its own.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	pos, err := parseFlags("backup FILE [flags]", &o, args, stdout, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("backup: want one FILE, the .tar.gz to write")
	}
	if o.database != "" {
		return errNoPostgresBackup
	}
	dbPath := filepath.Join(o.cfg.DataDir, backup.Database)
	snap := backup.SnapshotFunc(func(ctx context.Context, dest string) error {
		return sqlite.SnapshotFile(ctx, dbPath, dest)
	})
	if err := backup.Write(ctx, snap, o.cfg.DataDir, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup of %s written to %s\n", o.cfg.DataDir, pos[0])
	return nil
}

// errNoPostgresBackup refuses backup and restore with --database: they copy the data
// directory's SQLite file, which a site on PostgreSQL does not use.
var errNoPostgresBackup = errors.New("--database: backup and restore copy the SQLite database of --data; " +
	"back up PostgreSQL with pg_dump, and the media directory with any file copy")

// runRestore unpacks a backup into --data, which must be empty or not exist, and checks
// that the restored database opens.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	pos, err := parseFlags("restore FILE --data DIR [flags]", &o, args, stdout, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("restore: want one FILE, the backup to restore")
	}
	if o.database != "" {
		return errNoPostgresBackup
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	if err := backup.Restore(f, o.cfg.DataDir, backup.Limits{}); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	db, err := o.openDB(ctx, newLogger(o.logJSON, o.debug, stderr))
	if err != nil {
		return fmt.Errorf("restore: the restored database: %w", err)
	}
	if err := db.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s into %s\n", pos[0], o.cfg.DataDir)
	return nil
}
