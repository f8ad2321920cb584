package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/indiepub/indiepub/internal/store/postgres"
	"github.com/indiepub/indiepub/internal/store/sqlite"
)

// migrateArgs are the flags of indiepub migrate.
type migrateArgs struct {
	o  options
	to string
}

// runMigrate copies the SQLite database of a data directory into an empty PostgreSQL
// database, in one transaction, and says what it copied. The media folder stays where it
// is: point the instances' --data at it (or at a copy), or move it to object storage.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var a migrateArgs
	if _, err := parseFlags("migrate --to postgres://… [flags]", &a.o, args, stdout, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&a.to, "to", "", "the PostgreSQL database to copy into, postgres://user:pass@host/db; it must be empty")
	}); err != nil {
		return err
	}
	if !postgres.IsURL(a.to) {
		return errors.New("migrate: --to postgres://… is required")
	}
	path := filepath.Join(a.o.cfg.DataDir, "indiepub.db")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("migrate: no SQLite database in --data %s: %w", a.o.cfg.DataDir, err)
	}
	logger := newLogger(a.o.logJSON, a.o.debug, stderr)
	src, err := sqlite.OpenWith(ctx, path, sqlite.Options{Logger: logger})
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := postgres.OpenWith(ctx, a.to, postgres.Options{Logger: logger})
	if err != nil {
		return err
	}
	defer dst.Close()
	copied, err := dst.Import(ctx, src.SQL())
	if err != nil {
		return fmt.Errorf("migrate: %w (nothing was copied)", err)
	}
	fmt.Fprintf(stdout, "copied %s into PostgreSQL:\n", path)
	for _, c := range copied {
		fmt.Fprintf(stdout, "  %-16s %d\n", c.Table, c.Rows)
	}
	return nil
}
