package sqlite

import (
	"context"
	"log/slog"
	"time"
)

// checkpointEvery is how often WAL frames are copied back into the database file.
//
// SQLite's automatic checkpoint runs inside whichever commit crosses 1000 WAL pages, and
// makes that commit wait for the copy and its fsync: a latency spike for one caller every
// few hundred creates. Open turns it off (wal_autocheckpoint(0)) and this goroutine runs
// PASSIVE checkpoints instead, which never block writers or readers.
const checkpointEvery = 500 * time.Millisecond

func (db *DB) checkpointLoop() {
	defer close(db.checkpointDone)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if _, err := db.db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
				slog.Warn("wal checkpoint", "err", err)
			}
		case <-db.closing:
			return
		}
	}
}
