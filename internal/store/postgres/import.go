package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ErrNotEmpty is Import's refusal of a database that holds data already.
var ErrNotEmpty = errors.New("the PostgreSQL database is not empty")

// importLock is the key of the advisory lock an import holds for its transaction.
const importLock = 0x696d706f7274 // "import"

// importTable is one table Import copies: the same name and columns on both sides (see
// migrations/0001_schema.sql); bools are the columns SQLite keeps as 0 or 1.
type importTable struct {
	name  string
	cols  []string
	bools map[string]bool
	// identity names the identity column whose sequence must follow the copied IDs.
	identity string
}

// importTables are copied in this order: a post before its tags and app, a tag before
// its posts' links. post_counts, tag_counts and site_changes are not copied: the
// triggers of posts and post_tags count the copied rows as they arrive.
var importTables = []importTable{
	{name: "posts", cols: []string{"id", "url", "slug", "post_type", "item", "published", "updated",
		"deleted", "status", "visibility", "syndicate_to", "copies"}, bools: map[string]bool{"deleted": true}, identity: "id"},
	{name: "tags", cols: []string{"id", "norm", "display"}, identity: "id"},
	{name: "post_tags", cols: []string{"post_id", "tag_id", "published", "post_type", "deleted", "status",
		"visibility"}, bools: map[string]bool{"deleted": true}},
	{name: "post_clients", cols: []string{"post_id", "client_id"}},
	{name: "slug_counters", cols: []string{"url", "next"}},
	{name: "media", cols: []string{"id", "url", "path", "hash", "type", "size", "published"}, identity: "id"},
	{name: "tokens", cols: []string{"id", "hash", "me", "client_id", "client_name", "scope", "issued",
		"expires", "last_used", "revoked", "refresh_hash", "refresh_expires", "rotated"},
		bools: map[string]bool{"revoked": true, "rotated": true}, identity: "id"},
	{name: "auth_codes", cols: []string{"hash", "client_id", "client_name", "redirect_uri", "me", "scope",
		"challenge", "lifetime", "created", "expires", "used", "token_id"}, bools: map[string]bool{"used": true}},
	{name: "owner", cols: []string{"id", "password_hash", "updated"}},
	{name: "setup_tokens", cols: []string{"hash", "expires"}},
	{name: "sessions", cols: []string{"hash", "csrf", "created", "expires"}},
	{name: "pkce_exemptions", cols: []string{"client_id", "client_name", "created"}},
	{name: "jobs", cols: []string{"id", "kind", "key", "payload", "state", "attempts", "run_at", "lease_until",
		"last_error", "result", "created", "updated"}, identity: "id"},
	{name: "redirects", cols: []string{"path", "target", "created"}},
	{name: "webmention_sent", cols: []string{"source", "target", "endpoint", "status", "code", "detail", "linked",
		"at", "first"}, bools: map[string]bool{"linked": true}},
	{name: "mentions", cols: []string{"id", "key", "source", "target", "status", "reason", "approved", "type",
		"rsvp", "author_name", "author_photo", "author_url", "url", "published", "content", "created", "updated"},
		bools: map[string]bool{"approved": true}, identity: "id"},
	{name: "mention_domains", cols: []string{"domain", "standing"}},
	// The credentials stay sealed: the same secret key opens them on PostgreSQL.
	{name: "syndication_targets", cols: []string{"uid", "name", "service", "server", "handle", "always", "secret",
		"created", "updated"}, bools: map[string]bool{"always": true}},
}

// Copied counts the rows Import copied from one table.
type Copied struct {
	Table string
	Rows  int64
}

// Import copies the whole of an indiepub SQLite database, src, into this one, which must
// be empty (ErrNotEmpty otherwise): posts and their tags and apps, slug counters, media
// records, tokens, authorization codes, the owner's password, setup links, sessions and
// PKCE exemptions, the job queue, redirects, webmentions sent and received with the
// owner's standing for their hosts, and the syndication targets added in the owner's
// pages (their credentials still sealed). It is one transaction: on any failure nothing is
// copied. IDs are kept, so tokens, codes, media records and webmentions' status pages
// still point where they did.
func (db *DB) Import(ctx context.Context, src *sql.DB) ([]Copied, error) {
	var out []Copied
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		out = nil
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(importLock)); err != nil {
			return fmt.Errorf("import: lock: %w", err)
		}
		if err := checkEmpty(ctx, tx); err != nil {
			return err
		}
		for _, t := range importTables {
			n, err := copyTable(ctx, src, tx, t)
			if err != nil {
				return fmt.Errorf("import %s: %w", t.name, err)
			}
			out = append(out, Copied{Table: t.name, Rows: n})
			if t.identity != "" {
				if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2),
					GREATEST((SELECT max(`+t.identity+`) FROM `+t.name+`), 1), (SELECT count(*) > 0 FROM `+t.name+`))`,
					t.name, t.identity); err != nil {
					return fmt.Errorf("import %s: sequence: %w", t.name, err)
				}
			}
		}
		// The index of the files posts use is not copied: it is found again under this
		// store's media URLs.
		if err := db.indexAllFiles(ctx, tx); err != nil {
			return fmt.Errorf("import: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, noSpace(err)
	}
	return out, nil
}

// checkEmpty refuses a database where any table Import fills has a row.
func checkEmpty(ctx context.Context, tx pgx.Tx) error {
	var conds []string
	for _, t := range importTables {
		conds = append(conds, `EXISTS (SELECT 1 FROM `+t.name+`)`)
	}
	var used bool
	if err := tx.QueryRow(ctx, `SELECT `+strings.Join(conds, " OR ")).Scan(&used); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if used {
		return ErrNotEmpty
	}
	return nil
}

// copyTable streams one table from SQLite into PostgreSQL with COPY.
func copyTable(ctx context.Context, src *sql.DB, tx pgx.Tx, t importTable) (int64, error) {
	rows, err := src.QueryContext(ctx, `SELECT `+strings.Join(t.cols, ", ")+` FROM `+t.name)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	return tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, &sqliteRows{rows: rows, t: t})
}

// sqliteRows feeds COPY from a SQLite query, converting SQLite's values to the columns'
// types: text stored as a blob (encoding/json's bytes) to text, 0 or 1 to a bool.
type sqliteRows struct {
	rows *sql.Rows
	t    importTable
	vals []any
	err  error
}

func (r *sqliteRows) Next() bool {
	if !r.rows.Next() {
		return false
	}
	vals := make([]any, len(r.t.cols))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if r.err = r.rows.Scan(ptrs...); r.err != nil {
		return false
	}
	for i, v := range vals {
		switch x := v.(type) {
		case []byte:
			vals[i] = string(x)
		case int64:
			if r.t.bools[r.t.cols[i]] {
				vals[i] = x != 0
			}
		}
	}
	r.vals = vals
	return true
}

func (r *sqliteRows) Values() ([]any, error) { return r.vals, nil }

func (r *sqliteRows) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.rows.Err()
}
