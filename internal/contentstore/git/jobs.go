package git

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
)

// Job kinds.
const (
	// KindWrite writes and commits one post change (key: the change).
	KindWrite = "git.write"
	// KindPush fetches, rebases and pushes (key: the commit to push, or a pull's name).
	KindPush = "git.push"
)

// Store is what the repository's jobs need of the index.
type Store interface {
	// PostByURL returns the post at url, deleted or not; post.ErrNotFound when none.
	PostByURL(ctx context.Context, url string) (*post.Post, error)
	UpdatePost(ctx context.Context, url string, fn func(*post.Post) error) (*post.Post, error)
	CreateNumbered(ctx context.Context, p *post.Post, urlOf func(slug string) string) error
	EnqueueJobs(ctx context.Context, js ...*jobs.Job) (int, error)
}

// Publisher ties the repository to the job queue: it writes every post change as a
// commit, pushes, and reads the remote's changes back into the index.
type Publisher struct {
	repo  *Repo
	store Store
	media MediaSource
	// URLPatterns are the site's URL patterns, for posts added to the repository by hand.
	URLPatterns map[string]string
	Logger      *slog.Logger
	Now         func() time.Time
}

// NewPublisher returns the jobs of repo on store.
func NewPublisher(repo *Repo, store Store, urlPatterns map[string]string, logger *slog.Logger) *Publisher {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Publisher{repo: repo, store: store, URLPatterns: urlPatterns, Logger: logger, Now: time.Now}
}

// Repo is the working clone.
func (p *Publisher) Repo() *Repo { return p.repo }

// CopyMedia has the publisher copy uploads from src when the repository commits media
// (Config.Media).
func (p *Publisher) CopyMedia(src MediaSource) { p.media = src }

// Jobs is the post-change listener: one write job per change.
func (p *Publisher) Jobs(_ context.Context, c jobs.PostChange) ([]*jobs.Job, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	return []*jobs.Job{{Kind: KindWrite, Key: c.Change, Payload: b}}, nil
}

// Write is the KindWrite handler: it writes the post as the index holds it now (so that
// a change run late, or twice, writes the same file) and queues the push of the commit.
func (p *Publisher) Write(ctx context.Context, j *jobs.Job) (string, error) {
	var c jobs.PostChange
	if err := json.Unmarshal(j.Payload, &c); err != nil {
		return "", jobs.Permanent(fmt.Errorf("git write payload: %w", err))
	}
	ps, err := p.store.PostByURL(ctx, c.URL)
	if errors.Is(err, post.ErrNotFound) {
		ps, err = nil, nil
	}
	if err != nil {
		return "", err
	}
	ch := Change{Action: c.Action, URL: c.URL, Post: ps}
	if rs, ok := p.store.(Redirects); ok && ps != nil && p.repo.cfg.Preset.Aliases != "" {
		if ch.Aliases, err = rs.RedirectsTo(ctx, c.URL); err != nil {
			return "", err
		}
	}
	return p.apply(ctx, ch)
}

// Redirects is the store's list of a post's old paths, for the preset's aliases.
type Redirects interface {
	RedirectsTo(ctx context.Context, target string) ([]string, error)
}

// apply commits c and queues the push of the commit.
func (p *Publisher) apply(ctx context.Context, c Change) (string, error) {
	commit, err := p.repo.Apply(ctx, c)
	if err != nil {
		return "", err
	}
	if commit != "" && p.repo.cfg.Remote != "" {
		if _, err := p.store.EnqueueJobs(ctx, &jobs.Job{Kind: KindPush, Key: commit}); err != nil {
			return "", err
		}
	}
	return commit, nil
}

// Push is the KindPush handler: push (a commit already pushed is done at once; when the
// remote moved: fetch, rebase, push), and the remote's changes into the index. A pull
// (Pull's job) always fetches. A remote that cannot be reached is retried (the commits wait in the clone); a
// conflict in a file indiepub did not write fails the job at once, shown by
// `indiepub jobs`, until the owner resolves it and retries.
func (p *Publisher) Push(ctx context.Context, j *jobs.Job) (string, error) {
	sync := p.repo.Push
	if strings.HasPrefix(j.Key, "pull ") {
		sync = p.repo.Sync
	}
	changed, err := sync(ctx)
	if errors.Is(err, ErrConflict) {
		return "", jobs.Permanent(err)
	}
	if ierr := p.Ingest(ctx, changed); ierr != nil {
		return "", errors.Join(err, ierr)
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d files from the remote", len(changed)), nil
}

// Pull queues a sync now (the schedule and the deploy webhook call it); name keys the
// job, so that one pull per name is queued.
func (p *Publisher) Pull(ctx context.Context, name string) error {
	_, err := p.store.EnqueueJobs(ctx, &jobs.Job{Kind: KindPush, Key: "pull " + name})
	return err
}

// Ingest brings the index in line with files changed in the repository: an edited file
// updates its post, a new one creates a post, a removed one deletes its post. A file
// that does not parse is logged and left alone.
func (p *Publisher) Ingest(ctx context.Context, changes []FileChange) error {
	for _, c := range changes {
		if err := p.ingest(ctx, c); err != nil {
			if errors.Is(err, post.ErrInvalid) || errors.Is(err, ErrNoFrontMatter) {
				p.Logger.Warn("git: a post file indiepub cannot read", "file", c.Path, "err", err)
				continue
			}
			return fmt.Errorf("read %s into the index: %w", c.Path, err)
		}
	}
	return nil
}

func (p *Publisher) ingest(ctx context.Context, c FileChange) error {
	if c.Deleted {
		p.repo.Adopt("", c.Path)
		if c.URL == "" {
			return nil
		}
		_, err := p.store.UpdatePost(ctx, c.URL, func(ps *post.Post) error {
			if !ps.Deleted {
				ps.Deleted, ps.Updated = true, p.Now()
			}
			return nil
		})
		if errors.Is(err, post.ErrNotFound) {
			return nil
		}
		return err
	}
	b, err := p.repo.ReadFile(c.Path)
	if err != nil {
		return err
	}
	f, err := Parse(b)
	if err != nil {
		return err
	}
	url := c.URL
	if f.Path != "" {
		url = p.repo.URLOf(f.Path)
	}
	if url == "" {
		// Where a file with no permalink is found again at the next start (scan).
		url = p.repo.urlFor(f, c.Path)
	}
	if url != "" {
		err := p.update(ctx, url, f.Item)
		if err == nil {
			p.repo.Adopt(url, c.Path)
		}
		if !errors.Is(err, post.ErrNotFound) {
			return err
		}
	}
	ps, err := post.New(f.Item, p.Now())
	if err != nil {
		return err
	}
	ps.Slug = fileSlug(c.Path)
	ps.URL = url
	err = p.store.CreateNumbered(ctx, ps, func(slug string) string {
		return url + "-" + strings.TrimPrefix(slug, ps.Slug+"-")
	})
	if err != nil {
		return err
	}
	p.repo.Adopt(ps.URL, c.Path)
	return nil
}

// update replaces the item of the post at url with the file's, keeping what indiepub
// keeps beside the item (its mp- reports, its syndication copies).
func (p *Publisher) update(ctx context.Context, url string, it post.Item) error {
	now := p.Now()
	_, err := p.store.UpdatePost(ctx, url, func(ps *post.Post) error {
		for k, v := range ps.Item.Properties {
			if strings.HasPrefix(k, "mp-") {
				it.Properties[k] = v
			}
		}
		ps.Item = it
		ps.Deleted = false
		return ps.Reindex(now)
	})
	return err
}

var datePrefix = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}-`)

// fileSlug is the slug a file's name gives: Jekyll's date prefix and the extension off.
func fileSlug(file string) string {
	base := path.Base(file)
	base = strings.TrimSuffix(base, path.Ext(base))
	if base == "index" {
		base = path.Base(path.Dir(file))
	}
	return safeSlug(post.Slugify(datePrefix.ReplaceAllString(base, "")))
}

// Import reads the posts of the repository at src (a path or URL) into the index: an
// existing Jekyll, Hugo or Eleventy site, or an Indiekit one, its front matter mapped back
// to mf2. The repository becomes the working clone at cfg.Dir when there is none yet, so
// that a later --content-store git finds its files. It returns how many files it read.
func Import(ctx context.Context, cfg Config, store Store) (int, error) {
	repo, err := Open(ctx, cfg)
	if err != nil {
		return 0, err
	}
	head := repo.rev(ctx, "HEAD")
	if head == "" {
		return 0, fmt.Errorf("import %s: the branch %s has no commits", RedactURL(cfg.Remote), repo.cfg.Branch)
	}
	files, err := repo.changedFiles(ctx, "", head)
	if err != nil {
		return 0, err
	}
	// The files are there already: importing them must not mark them as changed.
	repo.pushed = head
	pub := NewPublisher(repo, store, cfg.URLPatterns, cfg.Logger)
	return len(files), pub.Ingest(ctx, files)
}
