package postgres

import (
	"context"
	"fmt"

	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/syndicate"
)

// SyndicationTargets lists the targets added in the owner's pages, oldest first.
func (db *DB) SyndicationTargets(ctx context.Context) ([]*syndicate.StoredTarget, error) {
	rows, err := db.pool.Query(ctx, `SELECT uid, name, service, server, handle, always, secret, created, updated
		FROM syndication_targets ORDER BY created, uid`)
	if err != nil {
		return nil, fmt.Errorf("syndication targets: %w", err)
	}
	defer rows.Close()
	var out []*syndicate.StoredTarget
	for rows.Next() {
		var t syndicate.StoredTarget
		var created, updated string
		if err := rows.Scan(&t.UID, &t.Name, &t.Service, &t.Server, &t.Handle, &t.Always, &t.Secret, &created, &updated); err != nil {
			return nil, fmt.Errorf("syndication targets: %w", err)
		}
		t.Created, t.Updated = parseTime(created), parseTime(updated)
		out = append(out, &t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("syndication targets: %w", err)
	}
	return out, nil
}

// AddSyndicationTarget stores t, setting Created and Updated; post.ErrExists when its uid
// is taken.
func (db *DB) AddSyndicationTarget(ctx context.Context, t *syndicate.StoredTarget) error {
	now := db.Now()
	tag, err := db.pool.Exec(ctx, `INSERT INTO syndication_targets
		(uid, name, service, server, handle, always, secret, created, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
		ON CONFLICT (uid) DO NOTHING`,
		t.UID, t.Name, t.Service, t.Server, t.Handle, t.Always, t.Secret, formatTime(now))
	if err != nil {
		return fmt.Errorf("add syndication target %s: %w", t.UID, noSpace(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("syndication target %s: %w", t.UID, post.ErrExists)
	}
	t.Created, t.Updated = now, now
	return nil
}

// UpdateSyndicationTarget replaces the target of t's uid, setting Updated;
// post.ErrNotFound when there is none.
func (db *DB) UpdateSyndicationTarget(ctx context.Context, t *syndicate.StoredTarget) error {
	now := db.Now()
	tag, err := db.pool.Exec(ctx, `UPDATE syndication_targets SET name = $1, service = $2, server = $3, handle = $4,
		always = $5, secret = $6, updated = $7 WHERE uid = $8`,
		t.Name, t.Service, t.Server, t.Handle, t.Always, t.Secret, formatTime(now), t.UID)
	if err != nil {
		return fmt.Errorf("update syndication target %s: %w", t.UID, noSpace(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("syndication target %s: %w", t.UID, post.ErrNotFound)
	}
	t.Updated = now
	return nil
}

// DeleteSyndicationTarget removes the target of uid; post.ErrNotFound when there is none.
func (db *DB) DeleteSyndicationTarget(ctx context.Context, uid string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM syndication_targets WHERE uid = $1`, uid)
	if err != nil {
		return fmt.Errorf("delete syndication target %s: %w", uid, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("syndication target %s: %w", uid, post.ErrNotFound)
	}
	return nil
}
