package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"
)

// SQLite's automatic checkpoint runs inside whichever commit crosses 1000 WAL pages, and
// makes that commit wait for the copy and its fsync: a latency spike for one caller every
// few hundred creates. Open turns it off (wal_autocheckpoint(0)) and checkpointLoop runs
// checkpoints beside the writer instead.
//
// A PASSIVE checkpoint copies WAL frames back into the database file without blocking
// anyone, but it never starts the log over: only a write transaction that begins when
// every frame has been copied and no reader still reads from the log does that. Under a
// steady stream of creates there is always a newer commit than the last checkpoint, and
// the frames a reader's snapshot still needs cannot be copied at all, so the log grew
// without bound (1 GB beside a 31 MB database after 48,000 creates over HTTP). So once
// the log holds resetFrames frames, the loop stops the group writer between two groups
// and runs a RESTART checkpoint: it copies the few frames written since the PASSIVE one,
// waits (resetBusy at most) for the readers of older snapshots to finish, and makes the
// next commit write from the start of the file again. The writer, and the creates
// gathering meanwhile, wait only that long; a reset that cannot finish in time is tried
// again on the next tick, the log having grown a little.

// checkpointEvery is how often WAL frames are copied back into the database file.
const checkpointEvery = 100 * time.Millisecond

// resetFrames is the log length, in frames (pages of 4 KiB and a 24-byte header), at
// which the log is started over: about 16 MiB.
const resetFrames = 4096

// resetBusy bounds how long a RESTART checkpoint waits for readers of older snapshots,
// in milliseconds (SQLite's busy handler sleeps 1, 2, then 1 ms here), when the last
// reset went through; each one deferred in a row doubles it (checkpoint).
const resetBusy = 4

// checkpointStats is what the checkpoints did, for tests and benchmarks.
type checkpointStats struct {
	resets, failedResets atomic.Int64
	// How often and how long (ns) resets stopped the writer.
	stalls, stallTotal, maxStall atomic.Int64
}

// openCheckpointer opens the checkpoints' own connection, whose busy timeout is
// resetBusy rather than the pool's 10 s.
func openCheckpointer(path string) (*sql.DB, error) {
	c, err := sql.Open("sqlite", "file:"+path+fmt.Sprintf("?_pragma=busy_timeout(%d)", resetBusy)+
		"&_pragma=synchronous(NORMAL)&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(67108864)")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	c.SetMaxOpenConns(1)
	c.SetMaxIdleConns(1)
	c.SetConnMaxIdleTime(0)
	return c, nil
}

func (db *DB) checkpointLoop() {
	defer close(db.checkpointDone)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if err := db.checkpoint(context.Background()); err != nil {
				db.logger.Warn("wal checkpoint", "err", err)
			}
		case <-db.closing:
			return
		}
	}
}

// checkpoint copies what it can of the log into the database file, and starts the log
// over once it is resetFrames long.
func (db *DB) checkpoint(ctx context.Context) error {
	frames, copied, err := db.passive(ctx)
	if err != nil || frames < int(db.resetFrames.Load()) {
		return err
	}
	// The RESTART below copies, with the writer stopped, what the PASSIVE ones left and
	// syncs it: copy again first, until little is left, so that the stop stays short.
	for range 3 {
		before := copied
		if frames, copied, err = db.passive(ctx); err != nil {
			return err
		}
		if copied-before < 64 {
			break
		}
	}
	// Each reset deferred in a row doubles the next one's wait for readers (resetBusy,
	// then 8, 16… up to 128 ms): readers that keep the log busy at every tick would
	// otherwise let it grow without bound, so a longer stop of the writer, rare, is the
	// price of the bound.
	busyMs := resetBusy << min(db.deferredResets, 5)
	if _, err := db.ckpt.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", busyMs)); err != nil {
		return err
	}
	// An index transaction (searchindex.go) reads the posts through a snapshot of this
	// log for as long as it runs (up to tens of ms when FTS5 merges segments), and a reset
	// waits for such readers with the writer stopped: let the batch under way finish
	// first, and the next wait for the reset.
	db.indexing.Lock()
	defer db.indexing.Unlock()
	db.writing.Lock()
	start := time.Now()
	var busy int
	err = db.ckpt.QueryRowContext(ctx, `PRAGMA wal_checkpoint(RESTART)`).Scan(&busy, &frames, &copied)
	stall := time.Since(start)
	db.writing.Unlock()
	if err != nil {
		return err
	}
	db.ckptStats.stalls.Add(1)
	db.ckptStats.stallTotal.Add(stall.Nanoseconds())
	if stall.Nanoseconds() > db.ckptStats.maxStall.Load() {
		db.ckptStats.maxStall.Store(stall.Nanoseconds())
	}
	if busy != 0 {
		db.deferredResets++
		db.ckptStats.failedResets.Add(1)
		db.logger.Debug("wal reset deferred: readers of older snapshots", "frames", frames, "copied", copied, "stall", stall)
		return nil
	}
	db.deferredResets = 0
	db.ckptStats.resets.Add(1)
	return nil
}

// passive runs a PASSIVE checkpoint: the log's length and how much of it is in the
// database file now, in frames.
func (db *DB) passive(ctx context.Context) (frames, copied int, err error) {
	var busy int
	err = db.ckpt.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied)
	return frames, copied, err
}
