package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"

	gitstore "github.com/indiepub/indiepub/internal/contentstore/git"
	"github.com/indiepub/indiepub/internal/server"
)

// gitOptions are serve's --content-store git settings.
type gitOptions struct {
	store, remote, branch, preset, author, message string
	paths                                          map[string]string
	pullEvery                                      time.Duration
	publicURLCheck                                 bool
	media                                          bool
	mediaDir                                       string
	envErr                                         error
}

func (g *gitOptions) bind(fs *flag.FlagSet) {
	fs.StringVar(&g.store, "content-store", env("INDIEPUB_CONTENT_STORE", ""), `"git" to keep every post as a file in a git repository for a static site as well (INDIEPUB_CONTENT_STORE)`)
	fs.StringVar(&g.remote, "git-remote", env("INDIEPUB_GIT_REMOTE", ""), "the site repository's URL (https://, ssh://, git://) or local path; credentials come from INDIEPUB_GIT_TOKEN or INDIEPUB_GIT_SSH_KEY, never from here (INDIEPUB_GIT_REMOTE)")
	fs.StringVar(&g.branch, "git-branch", env("INDIEPUB_GIT_BRANCH", "main"), "the branch written and pushed (INDIEPUB_GIT_BRANCH)")
	fs.StringVar(&g.preset, "git-preset", env("INDIEPUB_GIT_PRESET", "jekyll"), "file layout and front matter: jekyll, hugo, hugo-toml or eleventy (INDIEPUB_GIT_PRESET)")
	fs.StringVar(&g.author, "git-author", env("INDIEPUB_GIT_AUTHOR", "indiepub <indiepub@localhost>"), `the commits' author, "Name <email>" (INDIEPUB_GIT_AUTHOR)`)
	fs.StringVar(&g.message, "git-message", env("INDIEPUB_GIT_MESSAGE", "{action} {type}: {slug}"), "commit message template: {action} {type} {slug} {url} {path} (INDIEPUB_GIT_MESSAGE)")
	fs.DurationVar(&g.pullEvery, "git-pull-every", envDuration("INDIEPUB_GIT_PULL_EVERY", 5*time.Minute), "how often the remote is pulled for hand edits; 0 only on POST /git/pull (INDIEPUB_GIT_PULL_EVERY)")
	fs.BoolVar(&g.media, "git-media", envBool("INDIEPUB_GIT_MEDIA"), "commit uploaded media into the repository too, under the preset's media folder (static/media for hugo, media for jekyll, src/media for eleventy) (INDIEPUB_GIT_MEDIA)")
	fs.StringVar(&g.mediaDir, "git-media-dir", env("INDIEPUB_GIT_MEDIA_DIR", ""), "the folder --git-media commits uploads under, instead of the preset's (INDIEPUB_GIT_MEDIA_DIR)")
	fs.BoolVar(&g.publicURLCheck, "public-url-check", envBool("INDIEPUB_PUBLIC_URL_CHECK"), "syndication and webmentions for a post wait until its public URL answers 200 (a static site built by its host) (INDIEPUB_PUBLIC_URL_CHECK)")
	g.paths = map[string]string{}
	if err := g.setPaths(env("INDIEPUB_GIT_PATHS", "")); err != nil {
		g.envErr = fmt.Errorf("INDIEPUB_GIT_PATHS: %w", err)
	}
	fs.Func("git-path", `the file of a post type in the repository, as type=template, e.g. "photo=content/photos/{yyyy}/{slug}.md"; placeholders {yyyy} {mm} {dd} {slug} {type} {type}s; repeat for more types (INDIEPUB_GIT_PATHS, comma-separated)`,
		g.setPaths)
}

func (g *gitOptions) setPaths(list string) error {
	for _, pair := range splitList(list) {
		typ, tmpl, ok := strings.Cut(pair, "=")
		if !ok || typ == "" || tmpl == "" {
			return fmt.Errorf("%q: want type=template", pair)
		}
		g.paths[typ] = tmpl
	}
	return nil
}

// open opens the working clone in the data directory and sets cfg.Git; nothing when the
// content store is not git.
func (g *gitOptions) open(ctx context.Context, cfg *server.Config, logger *slog.Logger) error {
	if g.envErr != nil {
		return g.envErr
	}
	cfg.PublicURLCheck = g.publicURLCheck
	switch g.store {
	case "", "database":
		return nil
	case "git":
	default:
		return fmt.Errorf("--content-store %q: want git, or nothing", g.store)
	}
	preset, err := gitstore.PresetNamed(g.preset, g.paths)
	if err != nil {
		return fmt.Errorf("--git-preset: %w", err)
	}
	author, err := mail.ParseAddress(g.author)
	if err != nil {
		return fmt.Errorf("--git-author %q: want \"Name <email>\"", g.author)
	}
	repo, err := gitstore.Open(ctx, gitstore.Config{
		Dir: filepath.Join(cfg.DataDir, "git"), Remote: g.remote, Branch: g.branch, SiteURL: cfg.URL,
		Preset: preset, AuthorName: author.Name, AuthorEmail: author.Address, Message: g.message,
		URLPatterns: cfg.URLPatterns, Media: g.media, MediaDir: g.mediaDir,
		Token: os.Getenv(gitstore.EnvToken), User: os.Getenv(gitstore.EnvUser), SSHKey: os.Getenv(gitstore.EnvSSHKey),
		Logger: logger,
	})
	if err != nil {
		return fmt.Errorf("--content-store git: %w", err)
	}
	logger.Info("posts are kept in git", "remote", gitstore.RedactURL(g.remote), "branch", g.branch, "preset", preset.Name)
	cfg.Git = repo
	cfg.GitPull = g.pullEvery
	if g.pullEvery == 0 {
		cfg.GitPull = -1
	}
	return nil
}

// importGit reads the posts of the repository at src into db. The clone becomes the data
// directory's working clone when there is none yet, so that serve --content-store git
// goes on from it.
func importGit(ctx context.Context, o *options, g *gitOptions, db gitstore.Store, src string, stdout io.Writer, logger *slog.Logger) error {
	if g.envErr != nil {
		return g.envErr
	}
	preset, err := gitstore.PresetNamed(g.preset, g.paths)
	if err != nil {
		return fmt.Errorf("--git-preset: %w", err)
	}
	dir := filepath.Join(o.cfg.DataDir, "git")
	if _, err := os.Stat(dir); err == nil {
		tmp, err := os.MkdirTemp("", "indiepub-import-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = filepath.Join(tmp, "git")
	}
	n, err := gitstore.Import(ctx, gitstore.Config{Dir: dir, Remote: src, Branch: g.branch, SiteURL: o.cfg.URL,
		Preset: preset, URLPatterns: o.cfg.URLPatterns, Token: os.Getenv(gitstore.EnvToken),
		User: os.Getenv(gitstore.EnvUser), SSHKey: os.Getenv(gitstore.EnvSSHKey), Logger: logger}, db)
	if err != nil {
		return fmt.Errorf("import --git: %w", err)
	}
	fmt.Fprintf(stdout, "read %d post files from %s\n", n, gitstore.RedactURL(src))
	return nil
}
