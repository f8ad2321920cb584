package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// listenRetry is the pause before the listener connects again after losing its
// connection.
const listenRetry = time.Second

// startListener LISTENs on jobsChannel on a connection of its own, outside the pool (a
// listening connection is never free for queries), and signals JobsEnqueued for every
// notification: jobs enqueued by another instance wake this one's runner. A lost
// connection is opened again after listenRetry, and signals once when it is back, since
// notifications sent meanwhile were missed; the runner's poll covers the gap.
func (db *DB) startListener() {
	ctx, cancel := context.WithCancel(context.Background())
	db.stopListen = cancel
	db.listenDone = make(chan struct{})
	cfg := db.pool.Config().ConnConfig.Copy()
	go func() {
		defer close(db.listenDone)
		failing := false // logged once per outage, not at every retry
		for ctx.Err() == nil {
			listened, err := db.listen(ctx, cfg)
			if ctx.Err() != nil {
				return
			}
			if listened || !failing {
				db.logger.Warn("postgres: listening for jobs: connection lost; jobs of other instances wait for the next poll",
					"err", err)
			}
			failing = true
			select {
			case <-time.After(listenRetry):
			case <-ctx.Done():
				return
			}
		}
	}()
}

// listen holds one listening connection until it fails or ctx ends; listened reports
// whether LISTEN took effect before that.
func (db *DB) listen(ctx context.Context, cfg *pgx.ConnConfig) (listened bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `LISTEN `+jobsChannel); err != nil {
		return false, err
	}
	// Whatever was enqueued before LISTEN took effect.
	db.wakeJobs()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return true, err
		}
		db.wakeJobs()
	}
}

// stopListener ends the listener and waits for its connection to close.
func (db *DB) stopListener() {
	if db.stopListen != nil {
		db.stopListen()
		<-db.listenDone
	}
}
