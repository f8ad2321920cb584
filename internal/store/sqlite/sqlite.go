// Package sqlite stores indiepub's data in one SQLite file, through the pure-Go
// modernc.org/sqlite driver, in WAL mode, with embedded migrations.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the SQLite store. Its methods own their transactions.
type DB struct {
	db *sql.DB
	// stmts are the hot paths' statements, prepared once (stmts.go).
	stmts stmts
	// now is the clock (Options.Now).
	now func() time.Time

	// Creates go through one writer goroutine that commits them in groups (see
	// groupcommit.go); closing stops it.
	creates        chan *createReq
	closing        chan struct{}
	writerDone     chan struct{}
	checkpointDone chan struct{}
	// searchWake wakes the search indexer (searchindex.go), which closes searchDone
	// when it stops.
	searchWake chan struct{}
	searchDone chan struct{}
	closeOnce  sync.Once
	// writing is held by the writer while it stores a group, and by a checkpoint that
	// resets the log (checkpoint.go), which stops the writer between groups.
	writing sync.Mutex
	// search is the search index's file, with the posts' attached (searchdb.go), and
	// searchStmts its index transaction's statements; indexing is held by the one
	// goroutine of this process that writes it (searchindex.go).
	search      *sql.DB
	searchStmts searchStmts
	indexing    sync.Mutex
	// searchStep is how many new posts the next index transaction takes, at most
	// searchBatch: fewer after a transaction that took longer than searchBatchTime
	// (searchindex.go). Held under indexing.
	searchStep int64
	// closingCtx ends when the store closes (startWriter), so that the indexer's work
	// stops between two batches.
	closingCtx  context.Context
	stopClosing context.CancelFunc
	// ckpt is the checkpoints' own connection.
	ckpt      *sql.DB
	ckptStats checkpointStats
	// deferredResets counts the log resets deferred in a row by readers; only the
	// checkpoint loop uses it.
	deferredResets int
	// resetFrames is the log length at which it is started over: the constant
	// resetFrames, except in tests.
	resetFrames atomic.Int64
	// searchBatch is how many new posts one index transaction takes at most, and
	// searchBatchTime how long one should take: the constants, except in tests.
	searchBatch     atomic.Int64
	searchBatchTime atomic.Int64

	// urlLookups counts the lookups of free numbers for taken slugs (slugs.go), for tests
	// of their cost.
	urlLookups atomic.Int64

	// space names and logs the writes refused for want of disk (space.go).
	space spaceLatch
	// logger receives the background checkpoints' failures and the disk's filling up.
	logger *slog.Logger

	// counters count token revocations and settings saves across processes (counters.go).
	counters *counters

	// jobsWake is JobsEnqueued's channel (jobs.go).
	jobsWake chan struct{}
	// ChangeFilter decides which post changes get a PostChanged job (Store.WatchChanges).
	jobs.ChangeFilter

	// files finds the files a post uses, for the index PostsReferencing reads (files.go).
	files post.FileFinder
}

// Options are the store's settings beyond its file.
type Options struct {
	// Logger receives what no caller is told: the background checkpoints' failures and
	// the disk's filling up and emptying; nil discards it.
	Logger *slog.Logger
	// Now is the clock by which the store lists live tokens and dates what it dates
	// itself (a token's last use, a migration); nil means time.Now.
	Now func() time.Time
	// MediaURLs are the URLs the site's uploads are published under (the site's media/
	// and --media-url): the store keeps an index of the posts that use each file under
	// them (files.go). A file under none of them is looked for in every post's JSON.
	MediaURLs []string
}

// Open opens (creating if needed) the database file at path and applies any migrations
// not yet applied, each in its own transaction; ctx bounds that start-up work (migrations
// and preparing statements), not the store's life. It logs nothing; see OpenWith.
func Open(ctx context.Context, path string) (*DB, error) { return OpenWith(ctx, path, Options{}) }

// OpenWith is Open with opts.
func OpenWith(ctx context.Context, path string, opts Options) (*DB, error) {
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)" +
		// Checkpoints run in the background (checkpoint.go), not inside a commit; after a
		// burst the WAL file is cut back to 64 MiB when it is next reset.
		"&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(67108864)&_txlock=immediate"
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// SQLite allows one writer at a time; a few connections serve concurrent readers.
	sdb.SetMaxOpenConns(8)
	sdb.SetMaxIdleConns(8)
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	db := &DB{db: sdb, now: now, logger: logger, jobsWake: make(chan struct{}, 1), files: post.NewFileFinder(opts.MediaURLs)}
	db.space.logger = logger
	db.resetFrames.Store(resetFrames)
	db.searchBatch.Store(searchBatch)
	db.searchBatchTime.Store(int64(searchBatchTime))
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		sdb.Close()
		return nil, err
	}
	if err := db.migrate(ctx, sub); err != nil {
		sdb.Close()
		return nil, err
	}
	if err := db.syncFileIndex(ctx); err != nil {
		sdb.Close()
		return nil, err
	}
	if err := db.prepare(ctx); err != nil {
		sdb.Close()
		return nil, err
	}
	if db.counters, err = openCounters(path + "-counters"); err != nil {
		db.closeStmts()
		sdb.Close()
		return nil, err
	}
	if db.ckpt, err = openCheckpointer(path); err != nil {
		db.counters.close()
		db.closeStmts()
		sdb.Close()
		return nil, err
	}
	if db.search, err = openSearch(ctx, path); err == nil {
		if err = db.searchStmts.prepare(ctx, db.search); err != nil {
			err = fmt.Errorf("search index: %w", err)
			db.search.Close()
		}
	}
	if err != nil {
		db.ckpt.Close()
		db.counters.close()
		db.closeStmts()
		sdb.Close()
		return nil, err
	}
	db.startWriter()
	return db, nil
}

// Close stops the writer, waiting for the group being committed, and closes the database.
func (db *DB) Close() error {
	db.stopWriter()
	return errors.Join(db.closeStmts(), db.searchStmts.close(), db.search.Close(), db.ckpt.Close(), db.db.Close(),
		db.counters.close())
}

// SQL exposes the underlying handle for packages' own tests and tools.
func (db *DB) SQL() *sql.DB { return db.db }

// migrate applies the *.sql files at the root of fsys in name order, each once: the
// version recorded in schema_migrations is the file name without ".sql".
func (db *DB) migrate(ctx context.Context, fsys fs.FS) error {
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version TEXT PRIMARY KEY, applied TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := db.applyMigration(ctx, fsys, strings.TrimSuffix(name, ".sql"), name); err != nil {
			return err
		}
	}
	return nil
}

// applyMigration runs one migration file in a transaction, so a failing migration leaves
// the database as it was: SQLite's DDL is transactional, and the version is recorded in
// the same transaction.
func (db *DB) applyMigration(ctx context.Context, fsys fs.FS, version, name string) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: begin: %w", version, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return fmt.Errorf("migration %s: %w", version, err)
	}
	if n > 0 {
		return nil
	}
	body, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("migration %s: %w", version, err)
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("migration %s: %w", version, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied) VALUES (?, ?)`,
		version, formatTime(db.now())); err != nil {
		return fmt.Errorf("migration %s: record: %w", version, err)
	}
	return tx.Commit()
}

// timeFormat sorts correctly as text: UTC with fixed-width fractional seconds.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeFormat)
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := time.Parse(timeFormat, s)
	return t
}
