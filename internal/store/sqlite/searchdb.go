package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	msqlite "modernc.org/sqlite"
)

// The search index lives in a database file of its own, "<database>-search", beside the
// posts' (migrations/0028_search_apart.sql). SQLite lets one connection write a file at
// a time: in the posts' file, every batch the indexer took stopped the creates for about
// a millisecond, and for 5 to 30 ms when FTS5 merged its segments, a tenth of the writer's
// time under a steady stream of creates. In a file of its own the index is written beside
// the creates, on the other core, and never in their way.
//
// Its connections (DB.search) open the search file and ATTACH the posts' file as "site":
// the indexer reads the posts from there and writes the index, in one transaction that
// takes the write lock of the search file alone (BEGIN DEFERRED: the pool of the posts'
// file begins IMMEDIATE, which would lock every attached file); a search joins the index
// with the posts the same way. Names unqualified in a query find the index in the
// search file and the posts in the site's, since no name is in both.
//
// The index is derived data: the file is not backed up (a restore builds it again), and
// a file of another schema version, or one that is ahead of the posts it indexes (the
// posts' file replaced by an older copy), is emptied and built again from the posts.

// searchVersion is the search file's schema version (PRAGMA user_version).
const searchVersion = 1

// searchSchema makes the search file's tables anew, empty: the index, and how far it has
// taken the posts (the highest post ID) and their changes (the highest search_backlog
// seq).
var searchSchema = [...]string{
	`DROP TABLE IF EXISTS post_search`,
	`DROP TABLE IF EXISTS search_indexed`,
	`CREATE VIRTUAL TABLE post_search USING fts5(name, content, tags, access,
		content = '', contentless_delete = 1,
		tokenize = 'unicode61 remove_diacritics 2')`,
	`CREATE TABLE search_indexed (id INTEGER NOT NULL, seq INTEGER NOT NULL)`,
	`INSERT INTO search_indexed VALUES (0, 0)`,
	fmt.Sprintf(`PRAGMA user_version = %d`, searchVersion),
}

// searchConnector opens connections to the search file with the posts' file attached.
type searchConnector struct {
	inner driver.Connector
	site  string
}

func (c searchConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	ex, ok := conn.(driver.ExecerContext)
	if !ok {
		conn.Close()
		return nil, errors.New("search index: the driver's connections cannot execute")
	}
	// The same URI as the posts' own connections open (sqlite.go), so that it names the
	// same file whatever its path holds.
	if _, err := ex.ExecContext(ctx, `ATTACH DATABASE ? AS site`, []driver.NamedValue{{Ordinal: 1, Value: "file:" + c.site}}); err != nil {
		conn.Close()
		return nil, fmt.Errorf("search index: attach %s: %w", c.site, err)
	}
	return conn, nil
}

func (c searchConnector) Driver() driver.Driver { return c.inner.Driver() }

// openSearch opens the search file beside the posts' file at path, and makes its tables
// anew when they are missing, of another version, or ahead of the posts.
func openSearch(ctx context.Context, path string) (*sql.DB, error) {
	file := path + "-search"
	inner, err := msqlite.NewConnector("file:" + file + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=synchronous(NORMAL)&_pragma=journal_size_limit(67108864)")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", file, err)
	}
	sdb := sql.OpenDB(searchConnector{inner: inner, site: path})
	sdb.SetMaxOpenConns(4)
	sdb.SetMaxIdleConns(4)
	if err := makeSearch(ctx, sdb); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("search index %s: %w", file, err)
	}
	return sdb, nil
}

// makeSearch makes the search file's tables anew unless they are current (searchCurrent).
// The store's every open reads that without a lock; only tables to make are decided
// again, and made, in a transaction begun IMMEDIATE (which also locks the posts' file
// for as long as that takes), so that of two processes opening the store at once the
// second finds the first's tables.
func makeSearch(ctx context.Context, sdb *sql.DB) error {
	if current, err := searchCurrent(ctx, sdb); err != nil || current {
		return err
	}
	conn, err := sdb.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return err
	}
	current, err := searchCurrent(ctx, conn)
	if err == nil && !current {
		for _, s := range searchSchema {
			if _, err = conn.ExecContext(ctx, s); err != nil {
				break
			}
		}
	}
	if err != nil {
		conn.ExecContext(context.Background(), `ROLLBACK`)
		return err
	}
	_, err = conn.ExecContext(ctx, `COMMIT`)
	return err
}

// searchCurrent reports whether the search file's tables are of this version and not
// ahead of the posts (naming posts or changes the site has not got: its file was replaced
// by an older copy).
func searchCurrent(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}) (bool, error) {
	var version int
	if err := q.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil || version != searchVersion {
		return false, err
	}
	var ahead bool
	err := q.QueryRowContext(ctx, `SELECT id > (SELECT coalesce(max(id), 0) FROM posts)
		OR seq > (SELECT coalesce(max(seq), 0) FROM search_backlog) FROM search_indexed`).Scan(&ahead)
	return !ahead, err
}
