package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/indiepub/indiepub/internal/settings"
)

// Settings returns the site's settings as saved (migration 0024); the zero Settings
// when none were.
func (db *DB) Settings(ctx context.Context) (settings.Settings, error) {
	var s settings.Settings
	var value string
	err := db.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE id = 1`).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("settings: %w", err)
	}
	if err := json.Unmarshal([]byte(value), &s); err != nil {
		return s, fmt.Errorf("settings %q: %w", value, err)
	}
	return s, nil
}

// SaveSettings replaces the site's settings; the site's change counter rises with them
// (a trigger of migration 0024), and so does SettingsGeneration.
func (db *DB) SaveSettings(ctx context.Context, s settings.Settings) error {
	value, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	_, err = db.db.ExecContext(ctx, `INSERT INTO settings (id, value) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET value = excluded.value`, string(value))
	if err := db.space.check(err); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	db.counters.bump(countSettings)
	return nil
}
