package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/indiepub/indiepub/internal/webmention"
)

// RecordSent keeps s as the latest outcome of the webmention from s.Source to s.Target
// (migrations/0004_redirects_webmentions.sql); the target keeps its place in the
// source's list.
func (db *DB) RecordSent(ctx context.Context, s webmention.Sent) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO webmention_sent
		(source, target, endpoint, status, code, detail, linked, at, first)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
			(SELECT COALESCE(MAX(first), 0) + 1 FROM webmention_sent WHERE source = $1))
		ON CONFLICT (source, target) DO UPDATE SET endpoint = excluded.endpoint,
			status = excluded.status, code = excluded.code, detail = excluded.detail,
			linked = excluded.linked, at = excluded.at`,
		s.Source, s.Target, s.Endpoint, s.Status, s.Code, s.Detail, s.Linked, formatTime(s.At))
	if err != nil {
		return fmt.Errorf("record webmention %s -> %s: %w", s.Source, s.Target, noSpace(err))
	}
	return nil
}

// WebmentionsSent returns the latest outcome per target of the webmentions sent from
// source, in the order the targets were first sent.
func (db *DB) WebmentionsSent(ctx context.Context, source string) ([]webmention.Sent, error) {
	rows, err := db.pool.Query(ctx, `SELECT target, endpoint, status, code, detail, linked, at
		FROM webmention_sent WHERE source = $1 ORDER BY first`, source)
	if err != nil {
		return nil, fmt.Errorf("webmentions sent from %s: %w", source, err)
	}
	defer rows.Close()
	var out []webmention.Sent
	for rows.Next() {
		s := webmention.Sent{Source: source}
		var at string
		if err := rows.Scan(&s.Target, &s.Endpoint, &s.Status, &s.Code, &s.Detail, &s.Linked, &at); err != nil {
			return nil, fmt.Errorf("webmentions sent from %s: %w", source, err)
		}
		s.At = parseTime(at)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("webmentions sent from %s: %w", source, err)
	}
	return out, nil
}

// RecentlySent returns the latest outcomes of the webmentions sent from every post, newest
// first (by when they were sent), at most limit.
func (db *DB) RecentlySent(ctx context.Context, limit int) ([]webmention.Sent, error) {
	rows, err := db.pool.Query(ctx, `SELECT source, target, endpoint, status, code, detail, linked, at
		FROM webmention_sent ORDER BY at DESC, source, first LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("webmentions sent: %w", err)
	}
	defer rows.Close()
	var out []webmention.Sent
	for rows.Next() {
		var s webmention.Sent
		var at string
		if err := rows.Scan(&s.Source, &s.Target, &s.Endpoint, &s.Status, &s.Code, &s.Detail, &s.Linked, &at); err != nil {
			return nil, fmt.Errorf("webmentions sent: %w", err)
		}
		s.At = parseTime(at)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("webmentions sent: %w", err)
	}
	return out, nil
}

// ReceiveMention records a webmention received: a new row, pending, or the row of the
// same source and target made pending again, in one statement, so that two deliveries at
// once (to two instances, say) make one row.
func (db *DB) ReceiveMention(ctx context.Context, m *webmention.Mention) error {
	now := formatTime(m.Created)
	var created string
	err := db.pool.QueryRow(ctx, `INSERT INTO mentions (key, source, target, status, created, updated)
		VALUES ($1, $2, $3, $4, $5, $5)
		ON CONFLICT (source, target) DO UPDATE SET status = excluded.status, updated = excluded.updated
		RETURNING id, key, created`,
		rand.Text(), m.Source, m.Target, webmention.Pending, now).Scan(&m.ID, &m.Key, &created)
	if err != nil {
		return fmt.Errorf("receive webmention %s -> %s: %w", m.Source, m.Target, noSpace(err))
	}
	m.Status, m.Created = webmention.Pending, parseTime(created)
	return nil
}

const mentionColumns = `id, key, source, target, status, reason, approved, type, rsvp, author_name,
	author_photo, author_url, url, published, content, created, updated`

func scanMention(row pgx.Row) (*webmention.Mention, error) {
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
	return db.mention(ctx, `key = $1`, key)
}

// MentionByID returns one mention.
func (db *DB) MentionByID(ctx context.Context, id int64) (*webmention.Mention, error) {
	return db.mention(ctx, `id = $1`, id)
}

func (db *DB) mention(ctx context.Context, where string, arg any) (*webmention.Mention, error) {
	m, err := scanMention(db.pool.QueryRow(ctx, `SELECT `+mentionColumns+` FROM mentions WHERE `+where, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("webmention %v: %w", arg, webmention.ErrNoMention)
	}
	if err != nil {
		return nil, fmt.Errorf("webmention %v: %w", arg, err)
	}
	return m, nil
}

// SaveMention stores what verification or the owner decided about m.
func (db *DB) SaveMention(ctx context.Context, m *webmention.Mention) error {
	tag, err := db.pool.Exec(ctx, `UPDATE mentions SET status = $1, reason = $2, approved = $3, type = $4,
		rsvp = $5, author_name = $6, author_photo = $7, author_url = $8, url = $9, published = $10, content = $11,
		updated = $12 WHERE id = $13`,
		m.Status, m.Reason, m.Approved, m.Type, m.RSVP, m.AuthorName, m.AuthorPhoto, m.AuthorURL, m.URL,
		formatTime(m.Published), m.Content, formatTime(m.Updated), m.ID)
	if err != nil {
		return fmt.Errorf("save webmention %d: %w", m.ID, noSpace(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("save webmention %d: %w", m.ID, webmention.ErrNoMention)
	}
	return nil
}

// Mentions lists mentions, newest first.
func (db *DB) Mentions(ctx context.Context, q webmention.MentionQuery) ([]*webmention.Mention, error) {
	s := &selection{}
	if q.Target != "" {
		s.add(`target = ?`, q.Target)
	}
	if q.Shown {
		s.add(`status = 'verified' AND approved`)
	}
	if q.Held {
		s.add(`status = 'verified' AND NOT approved`)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 1000
	}
	rows, err := db.pool.Query(ctx, numbered(`SELECT `+mentionColumns+` FROM mentions`+s.where()+
		` ORDER BY created DESC, id DESC LIMIT ?`), append(s.args, limit)...)
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
	err := db.pool.QueryRow(ctx, `SELECT standing FROM mention_domains WHERE domain = $1`,
		strings.ToLower(domain)).Scan(&s)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("standing of %s: %w", domain, err)
	}
	return s, nil
}

// SetDomainStanding records the owner's standing for a source host.
func (db *DB) SetDomainStanding(ctx context.Context, domain, standing string) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO mention_domains (domain, standing) VALUES ($1, $2)
		ON CONFLICT (domain) DO UPDATE SET standing = excluded.standing`, strings.ToLower(domain), standing)
	if err != nil {
		return fmt.Errorf("set standing of %s: %w", domain, noSpace(err))
	}
	return nil
}

// MentionCounts counts the shown webmentions (verified and approved) of each target, by
// type, in one query.
func (db *DB) MentionCounts(ctx context.Context, targets []string) (map[string]map[string]int, error) {
	out := map[string]map[string]int{}
	if len(targets) == 0 {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT target, type, count(*) FROM mentions
		WHERE status = 'verified' AND approved AND target = ANY($1) GROUP BY target, type`, targets)
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
// the owner apart as webmention.Held, for the metrics at each scrape; the index
// mentions_status (migrations/0011_counts.sql) holds every column it reads.
func (db *DB) CountMentions(ctx context.Context) (map[string]int, error) {
	rows, err := db.pool.Query(ctx, `SELECT status, approved, count(*) FROM mentions GROUP BY status, approved`)
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
