package postgres

import (
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestRelaxedCommit: the claims of jobs and their ends commit with synchronous_commit
// off in their own transaction, which leaves the setting of the pool's connections
// alone, and a statement that fails there leaves no connection in a failed transaction.
func TestRelaxedCommit(t *testing.T) {
	db := openN(t, 1)[0]
	ctx := t.Context()
	show := func(br pgx.BatchResults) error {
		var v string
		if err := br.QueryRow().Scan(&v); err != nil {
			return err
		}
		if v != "off" {
			t.Errorf("synchronous_commit in a relaxed transaction: %s, want off", v)
		}
		return nil
	}
	for range 3 {
		if err := db.relaxed(ctx, `SELECT current_setting('synchronous_commit')`, nil, show); err != nil {
			t.Fatal(err)
		}
	}
	fail := func(br pgx.BatchResults) error { _, err := br.Exec(); return err }
	if err := db.relaxed(ctx, `SELECT 1/0`, nil, fail); err == nil {
		t.Error("a failing statement in a relaxed transaction: no error")
	}
	// Every connection of the pool, the one the failure used among them, is idle and
	// back to the default.
	conns := make([]interface{ Release() }, 0, 4)
	for range 4 {
		c, err := db.pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var v string
		if err := c.QueryRow(ctx, `SHOW synchronous_commit`).Scan(&v); err != nil || v != "on" {
			t.Errorf("synchronous_commit of a pooled connection after relaxed transactions: %q %v, want on", v, err)
		}
	}
	for _, c := range conns {
		c.Release()
	}
}
