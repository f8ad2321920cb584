package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// RememberVisitorDomain records that a visitor from domain signed in through the site;
// the first time is kept.
func (db *DB) RememberVisitorDomain(ctx context.Context, domain string, at time.Time) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO visitor_domains (domain, first) VALUES (?, ?)
		ON CONFLICT (domain) DO NOTHING`, strings.ToLower(domain), formatTime(at))
	if err != nil {
		return fmt.Errorf("remember visitor domain %s: %w", domain, err)
	}
	return nil
}

// IsVisitorDomain reports whether a visitor from domain signed in through the site.
func (db *DB) IsVisitorDomain(ctx context.Context, domain string) (bool, error) {
	var n int
	err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM visitor_domains WHERE domain = ?`,
		strings.ToLower(domain)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("visitor domain %s: %w", domain, err)
	}
	return n > 0, nil
}
