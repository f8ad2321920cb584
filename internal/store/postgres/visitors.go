package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// RememberVisitorDomain records that a visitor from domain signed in through the site;
// the first time is kept.
func (db *DB) RememberVisitorDomain(ctx context.Context, domain string, at time.Time) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO visitor_domains (domain, first) VALUES ($1, $2)
		ON CONFLICT (domain) DO NOTHING`, strings.ToLower(domain), at.UTC())
	if err != nil {
		return fmt.Errorf("remember visitor domain %s: %w", domain, noSpace(err))
	}
	return nil
}

// IsVisitorDomain reports whether a visitor from domain signed in through the site.
func (db *DB) IsVisitorDomain(ctx context.Context, domain string) (bool, error) {
	var ok bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM visitor_domains WHERE domain = $1)`,
		strings.ToLower(domain)).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("visitor domain %s: %w", domain, err)
	}
	return ok, nil
}
