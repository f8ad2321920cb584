package sqlite

import (
	"context"
	"fmt"

	"github.com/indiepub/indiepub/internal/webmention"
)

// RecordSent keeps s as the latest outcome of the webmention from s.Source to s.Target
// (migrations/0013_webmention_sent.sql); the target keeps its place in the source's list.
func (db *DB) RecordSent(ctx context.Context, s webmention.Sent) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO webmention_sent
		(source, target, endpoint, status, code, detail, linked, at, first)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?,
			(SELECT COALESCE(MAX(first), 0) + 1 FROM webmention_sent WHERE source = ?))
		ON CONFLICT (source, target) DO UPDATE SET endpoint = excluded.endpoint,
			status = excluded.status, code = excluded.code, detail = excluded.detail,
			linked = excluded.linked, at = excluded.at`,
		s.Source, s.Target, s.Endpoint, s.Status, s.Code, s.Detail, s.Linked, formatTime(s.At), s.Source)
	if err != nil {
		return fmt.Errorf("record webmention %s -> %s: %w", s.Source, s.Target, err)
	}
	return nil
}

// WebmentionsSent returns the latest outcome per target of the webmentions sent from
// source, in the order the targets were first sent.
func (db *DB) WebmentionsSent(ctx context.Context, source string) ([]webmention.Sent, error) {
	rows, err := db.stmts.webmentionsSent.QueryContext(ctx, source)
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
