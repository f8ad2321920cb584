package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/store/postgres"
	"github.com/indiepub/indiepub/internal/store/sqlite"
	"github.com/indiepub/indiepub/internal/token"
)

// store is what the commands need from storage: all the server does, and Close.
type store interface {
	server.Store
	// The commands' own: token issue, passwd and import (move.Store).
	CreateToken(ctx context.Context, t *token.Token) error
	SetOwnerPassword(ctx context.Context, hash string, now time.Time) error
	AddRedirect(ctx context.Context, path, target string) error
	Close() error
}

// openDB opens the store the options choose: the PostgreSQL database of --database, or
// the SQLite file in the data directory, migrating it within ctx (the command's signal
// context); the store logs through logger. With PostgreSQL
// the media service's upload/delete ordering becomes an advisory lock of the database,
// which every instance sharing it takes.
func (o *options) openDB(ctx context.Context, logger *slog.Logger) (store, error) {
	if o.database != "" {
		db, err := postgres.OpenWith(ctx, o.database, postgres.Options{Logger: logger})
		if err != nil {
			return nil, err
		}
		o.cfg.MediaLocker = postgres.MediaLocker{DB: db}
		return db, nil
	}
	return sqlite.OpenWith(ctx, filepath.Join(o.cfg.DataDir, "indiepub.db"), sqlite.Options{Logger: logger,
		MediaURLs: o.mediaURLs()})
}

// mediaURLs are the URLs uploaded files are published under, for the store's index of
// the files each post uses: the site's media/ and --media-url.
func (o *options) mediaURLs() []string {
	return []string{o.cfg.URL + "media/", o.cfg.MediaURL}
}
