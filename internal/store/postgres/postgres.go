// Package postgres stores indiepub's data in PostgreSQL, through pgx's connection pool,
// with embedded migrations. Several indiepub instances may share one database: every
// rule of the storage contract (internal/store/storetest) is kept by the database itself
// (unique constraints, row locks, advisory locks), never by a lock of one process.
package postgres

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the key of the advisory lock (pg_advisory_lock) held while migrations
// are applied, so that instances started together apply each one once.
const migrationLock = 0x696e6469657075 // "indiepu"

// DB is the PostgreSQL store. Its methods own their transactions.
type DB struct {
	pool *pgxpool.Pool
	// Now returns the current time; tests replace it for stable output.
	Now func() time.Time

	// Creates go through one writer goroutine that commits them in groups
	// (groupcommit.go); closing stops it.
	creates    chan *createReq
	closing    chan struct{}
	writerDone chan struct{}
	closeOnce  sync.Once
	// Only the writer goroutine touches this: whether the last group had numbered
	// creates whose URL was taken (onetrip.go).
	clashing bool

	// jobsWake is JobsEnqueued's channel (jobs.go), fed by this instance's enqueues and
	// by the listener's notifications (listen.go), which stopListen ends.
	jobsWake   chan struct{}
	stopListen context.CancelFunc
	listenDone chan struct{}
	// ChangeFilter decides which post changes get a PostChanged job (Store.WatchChanges).
	jobs.ChangeFilter

	logger *slog.Logger

	// files finds the files a post uses, for the index PostsReferencing reads (files.go).
	files post.FileFinder
}

// Options are the store's settings beyond its URL.
type Options struct {
	// Logger receives what no caller is told; nil discards it.
	Logger *slog.Logger
	// MaxConns bounds the pool; 0 means DefaultMaxConns. A pool_max_conns in the URL
	// wins over both.
	MaxConns int32
	// MediaURLs are the URLs the site's uploads are published under (the site's media/
	// and --media-url): the store keeps an index of the posts that use each file under
	// them (files.go). A file under none of them is looked for in every post's JSON.
	MediaURLs []string

	// tracer, if set, sees every statement and pipeline the pool's connections send:
	// tests count round trips with it.
	tracer pgx.QueryTracer
}

// DefaultMaxConns is the pool's size unless Options or the URL say otherwise. A request
// mostly waits for the database rather than computing, so the pool is larger than
// pgxpool's default (the number of CPUs, at least 4), which made 16 concurrent requests
// queue for connections.
const DefaultMaxConns = 16

// IsURL reports whether s names a PostgreSQL database (postgres:// or postgresql://).
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open connects to the database at url (a postgres:// URL or a libpq connection string)
// and applies any migrations not yet applied. It logs nothing; see OpenWith.
func Open(ctx context.Context, url string) (*DB, error) { return OpenWith(ctx, url, Options{}) }

// OpenWith is Open with opts.
func OpenWith(ctx context.Context, url string, opts Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password and all.
		return nil, errors.New("postgres: malformed database URL")
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = cmp.Or(opts.MaxConns, DefaultMaxConns)
	}
	if opts.tracer != nil {
		cfg.ConnConfig.Tracer = opts.tracer
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	db := &DB{pool: pool, Now: time.Now, logger: logger, jobsWake: make(chan struct{}, 1),
		files: post.NewFileFinder(opts.MediaURLs)}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		pool.Close()
		return nil, err
	}
	if err := db.migrate(ctx, sub); err != nil {
		pool.Close()
		return nil, err
	}
	if err := db.syncFileIndex(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	db.startWriter()
	db.startListener()
	return db, nil
}

// Close stops the writer, waiting for the group being committed, and closes the pool.
func (db *DB) Close() error {
	db.stopWriter()
	db.stopListener()
	db.pool.Close()
	return nil
}

// Pool exposes the connection pool for packages' own tests and tools.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Migrated reports whether every migration this binary embeds is recorded as applied, for
// the readiness check: a database put back from an older backup while the server runs,
// say, is not.
func (db *DB) Migrated(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	rows, err := db.pool.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("postgres: read schema_migrations: %w", err)
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("postgres: read schema_migrations: %w", err)
	}
	var missing []string
	for _, name := range names {
		if v := strings.TrimSuffix(strings.TrimPrefix(name, "migrations/"), ".sql"); !slices.Contains(applied, v) {
			missing = append(missing, v)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("postgres: migrations not applied: %s", strings.Join(missing, ", "))
	}
	return nil
}

// migrate applies the *.sql files at the root of fsys in name order, each once and in its
// own transaction (PostgreSQL's DDL is transactional), recording the version (the file
// name without ".sql") in schema_migrations. It holds an advisory lock on one connection
// meanwhile: a second instance starting at the same moment waits, then finds every
// migration applied.
func (db *DB) migrate(ctx context.Context, fsys fs.FS) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return fmt.Errorf("postgres: migrate: lock: %w", err)
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(migrationLock))
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version text PRIMARY KEY, applied timestamptz NOT NULL)`); err != nil {
		return fmt.Errorf("postgres: create schema_migrations: %w", err)
	}
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := applyMigration(ctx, conn.Conn(), fsys, strings.TrimSuffix(name, ".sql"), name); err != nil {
			return err
		}
	}
	return nil
}

func applyMigration(ctx context.Context, conn *pgx.Conn, fsys fs.FS, version, name string) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("migration %s: begin: %w", version, err)
	}
	defer tx.Rollback(context.Background())
	var applied bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`,
		version).Scan(&applied); err != nil {
		return fmt.Errorf("migration %s: %w", version, err)
	}
	if applied {
		return nil
	}
	body, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("migration %s: %w", version, err)
	}
	if _, err := tx.Exec(ctx, string(body)); err != nil {
		return fmt.Errorf("migration %s: %w", version, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied) VALUES ($1, now())`,
		version); err != nil {
		return fmt.Errorf("migration %s: record: %w", version, err)
	}
	return tx.Commit(ctx)
}

// maxAttempts bounds the retries of a transaction that PostgreSQL aborted to break a
// deadlock or a serialization conflict, which another instance's transaction can cause.
const maxAttempts = 5

// inTx runs fn in a transaction and commits it, retrying the whole of it when
// PostgreSQL aborts it as a deadlock victim or for a serialization failure; fn must be
// safe to run again. An error from fn rolls the transaction back.
func (db *DB) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, db.pool, fn)
		if err == nil || attempt == maxAttempts || !retryable(err) {
			return noSpace(err)
		}
	}
}

// retryable reports whether err is a transaction PostgreSQL aborted that would succeed
// if run again: a deadlock victim (40P01) or a serialization failure (40001).
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// noSpace marks a write that found the database's disk full (disk_full, 53100) or its
// storage exhausted (insufficient_resources, 53000) as post.ErrNoSpace, which callers
// answer with 507.
func noSpace(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "53100" || pe.Code == "53000") {
		return fmt.Errorf("%w: %w", post.ErrNoSpace, err)
	}
	return err
}

// timeFormat sorts correctly as text: UTC with fixed-width fractional seconds, the same
// as the SQLite store's, so that indiepub migrate copies times as they are.
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
