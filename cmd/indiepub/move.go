package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/media/fsblob"
	"github.com/indiepub/indiepub/internal/move"
)

// runExport writes every post, every media file and a JSON Feed into a new directory.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	pos, err := parseFlags("export DIR [flags]", &o, args, stdout, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("export: want one DIR, a new or empty directory")
	}
	logger := newLogger(o.logJSON, o.debug, stderr)
	db, err := o.openDB(ctx, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	files, err := o.mediaService(db)
	if err != nil {
		return err
	}
	posts, n, err := move.Export(ctx, move.Config{URL: o.cfg.URL}, db, files, pos[0])
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(stdout, "exported %d posts and %d files to %s\n", posts, n, pos[0])
	return nil
}

// runImport reads an indiepub export, a WordPress export (WXR), a Micro.blog blog archive
// (.bar) or a JSON Feed into the data directory's site.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	var newURLs, noDownload, fromGit bool
	var uploads string
	var g gitOptions
	pos, err := parseFlags("import DIR-or-FILE [flags]", &o, args, stdout, stderr, g.bind, func(fs *flag.FlagSet) {
		fs.BoolVar(&fromGit, "git", false, "read the posts of a git repository (a path or URL): a Jekyll, Hugo, Eleventy or Indiekit site, laid out as --git-preset says")
		fs.BoolVar(&newURLs, "new-urls", false, "give every imported post a URL by --url-pattern and redirect its old path to it, instead of keeping old paths that fit")
		fs.StringVar(&uploads, "uploads", "", "a local copy of the WordPress site's wp-content/uploads, read instead of downloading attachments")
		fs.BoolVar(&noDownload, "no-download", false, "download no attachments: files not found locally keep their old URLs")
	})
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("import: want one DIR or FILE, the export to read")
	}
	logger := newLogger(o.logJSON, o.debug, stderr)
	db, err := o.openDB(ctx, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	if fromGit {
		return importGit(ctx, &o, &g, db, pos[0], stdout, logger)
	}
	if fromGit {
		return importGit(ctx, &o, &g, db, pos[0], stdout, logger)
	}
	files, err := o.mediaService(db)
	if err != nil {
		return err
	}
	cfg := move.Config{URL: o.cfg.URL, URLPatterns: o.cfg.URLPatterns, KeepPaths: !newURLs,
		UploadsDir: uploads, MaxFile: o.cfg.MaxUpload}
	if !noDownload {
		cfg.Client = indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: o.cfg.AllowPrivateFetch, Timeout: time.Minute})
	}
	rep, err := move.Import(ctx, cfg, db, files, pos[0])
	if rep != nil {
		for _, w := range rep.Warnings {
			fmt.Fprintln(stderr, "warning:", w)
		}
		fmt.Fprintf(stdout, "imported %d posts (%d already there), %d files, %d old paths redirecting\n",
			rep.Posts, rep.Skipped, rep.Media, rep.Redirects)
	}
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

// mediaService is the media library on the data directory, as the server has it.
func (o *options) mediaService(records media.Records) (*media.Service, error) {
	blobs, err := fsblob.New(fsblob.Config{Dir: filepath.Join(o.cfg.DataDir, "media")})
	if err != nil {
		return nil, err
	}
	return media.NewService(media.ServiceConfig{URL: o.cfg.URL, Types: o.cfg.MediaTypes,
		MaxSize: o.cfg.MaxUpload, Now: time.Now}, blobs, records), nil
}
