package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/indiepub/indiepub/internal/settings"
	"github.com/jackc/pgx/v5"
)

// Settings returns the site's settings as saved (migration 0012); the zero Settings
// when none were.
func (db *DB) Settings(ctx context.Context) (settings.Settings, error) {
	var s settings.Settings
	var value []byte
	err := db.pool.QueryRow(ctx, `SELECT value::text FROM settings WHERE id = 1`).Scan(&value)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("settings: %w", err)
	}
	if err := json.Unmarshal(value, &s); err != nil {
		return s, fmt.Errorf("settings %q: %w", value, err)
	}
	return s, nil
}

// SaveSettings replaces the site's settings; the site's change counter rises with them
// (a trigger of migration 0012), on every instance's next read of it.
func (db *DB) SaveSettings(ctx context.Context, s settings.Settings) error {
	value, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO settings (id, value) VALUES (1, $1::jsonb)
		ON CONFLICT (id) DO UPDATE SET value = excluded.value`, string(value)); err != nil {
		return fmt.Errorf("save settings: %w", noSpace(err))
	}
	return nil
}
