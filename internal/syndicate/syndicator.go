package syndicate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/secret"
)

// Kind is the kind of the job that publishes one post to one target (or deletes its copy).
const Kind = "syndicate"

// Target is one configured place to copy posts to.
type Target struct {
	// UID identifies the target in mp-syndicate-to (Micropub syndicate-to extension).
	UID  string
	Name string
	// Always sends every new post to this target, whether or not the client named it.
	Always    bool
	Publisher Publisher
}

// Store is what syndication needs from storage.
type Store interface {
	PostByURL(ctx context.Context, url string) (*post.Post, error)
	UpdatePost(ctx context.Context, url string, fn func(*post.Post) error) (*post.Post, error)
}

// Config sets a Syndicator.
type Config struct {
	// Targets are those given by flag; they win over a stored target of the same uid.
	Targets []Target
	// Stored keeps the targets added in the owner's pages; nil for none. Their
	// credentials are sealed by Secrets and their publishers made by Build.
	Stored  TargetStore
	Secrets *secret.Box
	Build   Builder
	// Refresh is how old the stored targets read may be before they are read again (a
	// target added through another instance); 0 means 30 seconds.
	Refresh time.Duration
	// MaxAttempts is the job runner's attempt limit, so that a copy's status says
	// "failed", not "retrying", after the last one.
	MaxAttempts int
	// Media opens the owner's files for publishers.
	Media  MediaOpener
	Now    func() time.Time
	Logger *slog.Logger
}

// Syndicator turns post changes into syndicate jobs and runs them.
type Syndicator struct {
	cfg   Config
	store Store
	// mu guards the targets in use: list (those given by flag, then the stored ones), and
	// stored, as loaded at loaded.
	mu     sync.Mutex
	list   []Target
	stored map[string]*storedEntry
	loaded time.Time
	// copies serializes the jobs of one post on one target (by post URL and uid), so that
	// an edit's job waits for the create's and finds the copy's URL to edit.
	copies keyedMutex
}

// New returns a Syndicator of cfg's targets on store.
func New(cfg Config, store Store) *Syndicator {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = 30 * time.Second
	}
	return &Syndicator{cfg: cfg, store: store, list: slices.Clone(cfg.Targets)}
}

// Always lists the uids of the targets every new post goes to.
func (s *Syndicator) Always(ctx context.Context) []string {
	var out []string
	for _, t := range s.current(ctx) {
		if t.Always {
			out = append(out, t.UID)
		}
	}
	return out
}

// payload is a syndicate job's.
type payload struct {
	URL    string `json:"url"`
	Target string `json:"uid"`
	// Delete removes the copy instead of publishing.
	Delete bool `json:"delete,omitempty"`
}

// Jobs is the jobs.Listener of post changes: one job per target the post is waiting for
// (its pending list, SyndicateTo), one per published copy to edit after an update, one
// per copy to delete after a delete. A job's key is the post's URL, the target and the
// post's version (its updated time, else its published time), so that the changes
// syndication itself writes (a copy's URL or failure) add no job, while an edit of the
// post adds one per copy.
func (s *Syndicator) Jobs(ctx context.Context, c jobs.PostChange) ([]*jobs.Job, error) {
	targets := s.current(ctx)
	if len(targets) == 0 {
		return nil, nil
	}
	p, err := s.store.PostByURL(ctx, c.URL)
	if errors.Is(err, post.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*jobs.Job
	add := func(uid string, del bool) {
		if !slices.ContainsFunc(targets, func(t Target) bool { return t.UID == uid }) {
			return
		}
		key := jobKey(p, uid)
		if del {
			key += " delete"
		}
		b, _ := json.Marshal(payload{URL: p.URL, Target: uid, Delete: del})
		out = append(out, &jobs.Job{Kind: Kind, Key: key, Payload: b})
	}
	if p.Deleted {
		for _, cp := range p.Copies {
			if cp.URL != "" && cp.Status == post.CopyPublished {
				add(cp.Target, true)
			}
		}
		return out, nil
	}
	// A scheduled post's change comes again at its published time (post.Post.ChangeDue);
	// until then its copies wait, as it does.
	if !syndicable(p) || p.Scheduled(s.cfg.Now()) {
		return nil, nil
	}
	for _, uid := range p.SyndicateTo {
		add(uid, false)
	}
	for _, cp := range p.Copies {
		if slices.Contains(p.SyndicateTo, cp.Target) {
			continue
		}
		switch {
		case c.Action == jobs.ActionUpdate && cp.URL != "":
			add(cp.Target, false) // edit the copy
		case c.Action == jobs.ActionUndelete && cp.Status == post.CopyDeleted:
			add(cp.Target, false) // publish it again
		}
	}
	return out, nil
}

// jobKey is the key of the job that publishes p's current version to uid: its URL, the
// target and the post's updated time, else its published time.
func jobKey(p *post.Post, uid string) string {
	version := p.Updated
	if version.IsZero() {
		version = p.Published
	}
	return fmt.Sprintf("%s %s %s", p.URL, uid, version.UTC().Format(time.RFC3339Nano))
}

// syndicable reports whether p may be copied elsewhere: published, and not private.
func syndicable(p *post.Post) bool {
	return p.Status == post.StatusPublished && p.Visibility != post.VisibilityPrivate
}

// Run is the syndicate job's handler.
func (s *Syndicator) Run(ctx context.Context, j *jobs.Job) (string, error) {
	var pl payload
	if err := json.Unmarshal(j.Payload, &pl); err != nil {
		return "", jobs.Permanent(fmt.Errorf("syndicate payload: %w", err))
	}
	t, ok := s.target(ctx, pl.Target)
	if !ok {
		return "", jobs.Permanent(fmt.Errorf("no syndication target %q", pl.Target))
	}
	unlock := s.copies.lock(pl.URL + " " + pl.Target)
	defer unlock()
	p, err := s.store.PostByURL(ctx, pl.URL)
	if errors.Is(err, post.ErrNotFound) {
		return "", jobs.Permanent(err)
	}
	if err != nil {
		return "", err
	}
	if pl.Delete {
		return s.deleteCopy(ctx, t, p)
	}
	if p.Deleted || !syndicable(p) {
		return "skipped: the post is deleted, a draft or private", nil
	}
	var prev string
	if cp := p.Copy(t.UID); cp != nil {
		prev = cp.URL
	}
	url, err := t.Publisher.Publish(ctx, p, prev, j.Key, s.cfg.Media)
	if err != nil {
		s.recordFailure(ctx, p.URL, t.UID, j, err)
		return "", err
	}
	if err := s.recordCopy(ctx, p.URL, t.UID, url, j.Attempts); err != nil {
		return "", err
	}
	return url, nil
}

// recordCopy notes a published copy: its URL in the post's syndication property and its
// copy, and the target off the pending list.
func (s *Syndicator) recordCopy(ctx context.Context, postURL, uid, url string, attempts int) error {
	_, err := s.store.UpdatePost(ctx, postURL, func(p *post.Post) error {
		p.SyndicateTo = slices.DeleteFunc(p.SyndicateTo, func(u string) bool { return u == uid })
		if cp := p.Copy(uid); cp != nil && cp.URL != "" && cp.URL != url {
			removeSyndication(p, cp.URL)
		}
		if !slices.Contains(p.Item.Properties["syndication"], any(url)) {
			p.Item.Properties["syndication"] = append(p.Item.Properties["syndication"], url)
		}
		p.SetCopy(post.Copy{Target: uid, URL: url, Status: post.CopyPublished, Attempts: attempts, Updated: s.cfg.Now()})
		return nil
	})
	if err != nil {
		return fmt.Errorf("record copy %s of %s: %w", url, postURL, err)
	}
	return nil
}

// recordFailure notes a failed attempt on the post's copy, for its clients to see; the
// runner retries the job.
func (s *Syndicator) recordFailure(ctx context.Context, postURL, uid string, j *jobs.Job, cause error) {
	status := post.CopyRetrying
	if jobs.IsPermanent(cause) || (s.cfg.MaxAttempts > 0 && j.Attempts >= s.cfg.MaxAttempts) {
		status = post.CopyFailed
	}
	_, err := s.store.UpdatePost(ctx, postURL, func(p *post.Post) error {
		c := post.Copy{Target: uid}
		if old := p.Copy(uid); old != nil {
			c = *old
		}
		if c.URL == "" || status == post.CopyFailed {
			c.Status = status
		}
		c.Error, c.Attempts, c.Updated = cause.Error(), j.Attempts, s.cfg.Now()
		p.SetCopy(c)
		return nil
	})
	if err != nil {
		s.cfg.Logger.Error("record syndication failure", "post", postURL, "target", uid, "err", err)
	}
}

// deleteCopy removes the post's copy on t, if it has one.
func (s *Syndicator) deleteCopy(ctx context.Context, t Target, p *post.Post) (string, error) {
	cp := p.Copy(t.UID)
	if cp == nil || cp.URL == "" || cp.Status == post.CopyDeleted {
		return "no copy", nil
	}
	if !p.Deleted {
		return "skipped: the post was restored", nil
	}
	if err := t.Publisher.Delete(ctx, cp.URL); err != nil {
		return "", err
	}
	url := cp.URL
	_, err := s.store.UpdatePost(ctx, p.URL, func(p *post.Post) error {
		if c := p.Copy(t.UID); c != nil && c.URL == url {
			c.Status, c.Error, c.Updated = post.CopyDeleted, "", s.cfg.Now()
			c.URL = ""
			removeSyndication(p, url)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("record deleted copy %s: %w", url, err)
	}
	return "deleted " + url, nil
}

// removeSyndication takes url out of the post's syndication property.
func removeSyndication(p *post.Post, url string) {
	vs := slices.DeleteFunc(p.Item.Properties["syndication"], func(v any) bool { return v == url })
	if len(vs) == 0 {
		delete(p.Item.Properties, "syndication")
		return
	}
	p.Item.Properties["syndication"] = vs
}

// keyedMutex is one mutex per key, dropped when no one holds or waits for it.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyedLock
}

type keyedLock struct {
	sync.Mutex
	users int
}

// lock locks key and returns its unlock.
func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyedLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyedLock{}
		k.locks[key] = l
	}
	l.users++
	k.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		if l.users--; l.users == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}

// Wants is the syndicator's interest in a post change (jobs.Interest): a create that
// names targets, and every update, delete and undelete (a copy to edit, delete or
// publish again).
func (s *Syndicator) Wants(c jobs.PostChange, p *post.Post) bool {
	return c.Action != jobs.ActionCreate || len(p.SyndicateTo) > 0
}
