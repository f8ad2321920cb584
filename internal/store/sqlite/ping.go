package sqlite

import "context"

// Ping reports whether the database can be reached, for health checks.
func (db *DB) Ping(ctx context.Context) error { return db.db.PingContext(ctx) }
