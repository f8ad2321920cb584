package sqlite

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
)

// Ping reports whether the database can be reached, for health checks.
func (db *DB) Ping(ctx context.Context) error { return db.db.PingContext(ctx) }

// Migrated reports whether every migration this binary embeds is recorded as applied, for
// the readiness check: a database put back from an older backup while the server runs,
// say, is not.
func (db *DB) Migrated(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	applied := map[string]bool{}
	rows, err := db.db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return err
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var missing []string
	for _, name := range names {
		if v := strings.TrimSuffix(strings.TrimPrefix(name, "migrations/"), ".sql"); !applied[v] {
			missing = append(missing, v)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("migrations not applied: %s", strings.Join(missing, ", "))
	}
	return nil
}
