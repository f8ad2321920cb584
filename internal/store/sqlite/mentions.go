package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/indiepub/indiepub/internal/webmention"
)

// ReceiveMention records a webmention received (migrations/0014_mentions.sql): a new row,
// pending, or the row of the same source and target made pending again, in one statement
// so that two deliveries at once make one row.
func (db *DB) ReceiveMention(ctx context.Context, m *webmention.Mention) error {
	key := rand.Text()
	now := formatTime(m.Created)
	var created string
	err := db.db.QueryRowContext(ctx, `INSERT INTO mentions (key, source, target, status, created, updated)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (source, target) DO UPDATE SET status = excluded.status, updated = excluded.updated
		RETURNING id, key, created`,
		key, m.Source, m.Target, webmention.Pending, now, now).Scan(&m.ID, &m.Key, &created)
	if err != nil {
		return fmt.Errorf("receive webmention %s -> %s: %w", m.Source, m.Target, err)
	}
	m.Status, m.Created = webmention.Pending, parseTime(created)
	return nil
}

const mentionColumns = `id, key, source, target, status, reason, approved, type, rsvp, author_name,
	author_photo, author_url, url, published, content, created, updated`

func scanMention(row interface{ Scan(...any) error }) (*webmention.Mention, error) {
	var m webmention.Mention
	var published, created, updated string
	err := row.Scan(&m.ID, &m.Key, &m.Source, &m.Target, &m.Status, &m.Reason, &m.Approved, &m.Type,
		&m.RSVP, &m.AuthorName, &m.AuthorPhoto, &m.AuthorURL, &m.URL, &published, &m.Content, &created, &updated)
	if err != nil {
		return nil, err
	}
	m.Published, m.Created, m.Updated = parseTime(published), parseTime(created), parseTime(updated)
	return &m, nil
}

// MentionByKey returns the mention whose status URL ends in key.
func (db *DB) MentionByKey(ctx context.Context, key string) (*webmention.Mention, error) {
	return db.mention(ctx, `key = ?`, key)
}

// MentionByID returns one mention.
func (db *DB) MentionByID(ctx context.Context, id int64) (*webmention.Mention, error) {
	return db.mention(ctx, `id = ?`, id)
}

func (db *DB) mention(ctx context.Context, where string, arg any) (*webmention.Mention, error) {
	m, err := scanMention(db.db.QueryRowContext(ctx, `SELECT `+mentionColumns+` FROM mentions WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("webmention %v: %w", arg, webmention.ErrNoMention)
	}
	if err != nil {
		return nil, fmt.Errorf("webmention %v: %w", arg, err)
	}
	return m, nil
}

// SaveMention stores what verification or the owner decided about m.
func (db *DB) SaveMention(ctx context.Context, m *webmention.Mention) error {
	res, err := db.db.ExecContext(ctx, `UPDATE mentions SET status = ?, reason = ?, approved = ?, type = ?,
		rsvp = ?, author_name = ?, author_photo = ?, author_url = ?, url = ?, published = ?, content = ?,
		updated = ? WHERE id = ?`,
		m.Status, m.Reason, m.Approved, m.Type, m.RSVP, m.AuthorName, m.AuthorPhoto, m.AuthorURL, m.URL,
		formatTime(m.Published), m.Content, formatTime(m.Updated), m.ID)
	if err != nil {
		return fmt.Errorf("save webmention %d: %w", m.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("save webmention %d: %w", m.ID, webmention.ErrNoMention)
	}
	return nil
}

// Mentions lists mentions, newest first.
func (db *DB) Mentions(ctx context.Context, q webmention.MentionQuery) ([]*webmention.Mention, error) {
	var where []string
	var args []any
	if q.Target != "" {
		where, args = append(where, `target = ?`), append(args, q.Target)
	}
	if q.Shown {
		where = append(where, `status = 'verified' AND approved = 1`)
	}
	if q.Held {
		where = append(where, `status = 'verified' AND approved = 0`)
	}
	query := `SELECT ` + mentionColumns + ` FROM mentions`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 1000
	}
	query += ` ORDER BY created DESC, id DESC LIMIT ?`
	rows, err := db.db.QueryContext(ctx, query, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list webmentions: %w", err)
	}
	defer rows.Close()
	var out []*webmention.Mention
	for rows.Next() {
		m, err := scanMention(rows)
		if err != nil {
			return nil, fmt.Errorf("list webmentions: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list webmentions: %w", err)
	}
	return out, nil
}

// DomainStanding returns the owner's standing for a source host, "" when none.
func (db *DB) DomainStanding(ctx context.Context, domain string) (string, error) {
	var s string
	err := db.db.QueryRowContext(ctx, `SELECT standing FROM mention_domains WHERE domain = ?`,
		strings.ToLower(domain)).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("standing of %s: %w", domain, err)
	}
	return s, nil
}

// SetDomainStanding records the owner's standing for a source host.
func (db *DB) SetDomainStanding(ctx context.Context, domain, standing string) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO mention_domains (domain, standing) VALUES (?, ?)
		ON CONFLICT (domain) DO UPDATE SET standing = excluded.standing`, strings.ToLower(domain), standing)
	if err != nil {
		return fmt.Errorf("set standing of %s: %w", domain, err)
	}
	return nil
}

// MentionCounts counts the shown webmentions (verified and approved) of each target, by
// type, in one query: a listing's counts cost one query, not one per post.
func (db *DB) MentionCounts(ctx context.Context, targets []string) (map[string]map[string]int, error) {
	out := map[string]map[string]int{}
	if len(targets) == 0 {
		return out, nil
	}
	args := make([]any, len(targets))
	for i, t := range targets {
		args[i] = t
	}
	rows, err := db.db.QueryContext(ctx, `SELECT target, type, COUNT(*) FROM mentions
		WHERE status = 'verified' AND approved = 1 AND target IN (?`+strings.Repeat(", ?", len(targets)-1)+`)
		GROUP BY target, type`, args...)
	if err != nil {
		return nil, fmt.Errorf("count webmentions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var target, typ string
		var n int
		if err := rows.Scan(&target, &typ, &n); err != nil {
			return nil, fmt.Errorf("count webmentions: %w", err)
		}
		if out[target] == nil {
			out[target] = map[string]int{}
		}
		out[target][typ] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count webmentions: %w", err)
	}
	return out, nil
}

// CountMentions counts the received webmentions by status, the verified ones waiting for
// the owner apart as webmention.Held, for the metrics at each scrape: one pass over the
// index mentions_status (migrations/0023_counts.sql), no table row read.
func (db *DB) CountMentions(ctx context.Context) (map[string]int, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT status, approved, COUNT(*)
		FROM mentions INDEXED BY mentions_status GROUP BY status, approved`)
	if err != nil {
		return nil, fmt.Errorf("count webmentions: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var status string
		var approved bool
		var n int
		if err := rows.Scan(&status, &approved, &n); err != nil {
			return nil, fmt.Errorf("count webmentions: %w", err)
		}
		out[webmention.CountedState(status, approved)] += n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count webmentions: %w", err)
	}
	return out, nil
}
