package git

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/indiepub/indiepub/internal/post"
)

// Change is one post change to write: the post as the index holds it now (nil when the
// index has no such post any more), and what happened to it. A change of a media file
// names it by Media, its path in the media store, instead: Open gives its bytes, nil
// when the upload is gone.
type Change struct {
	Action string
	URL    string
	Post   *post.Post
	Media  string
	Open   func() (io.ReadCloser, error)
	// Aliases are the paths that redirect to the post (Preset.Aliases).
	Aliases []string
}

// batch is a group of changes committed together.
type batch struct {
	changes []Change
	done    bool
	commit  string
	err     error
}

// Apply writes the change's file (or removes it) and commits it, grouped with the changes
// other goroutines apply meanwhile, as the SQLite writer groups inserts: the first caller
// to take the clone commits every change waiting, the others find theirs done. It returns
// the commit that holds the change (HEAD when the file was already as the post is).
func (r *Repo) Apply(ctx context.Context, c Change) (string, error) {
	r.batchMu.Lock()
	b := r.batch
	if b == nil {
		b = &batch{}
		r.batch = b
	}
	b.changes = append(b.changes, c)
	r.batchMu.Unlock()

	r.mu.Lock()
	defer r.mu.Unlock()
	if b.done {
		return b.commit, b.err
	}
	r.batchMu.Lock()
	if r.batch == b {
		r.batch = nil
	}
	r.batchMu.Unlock()
	b.commit, b.err = r.commit(ctx, b.changes)
	if b.err == nil && b.commit == "" {
		b.commit = r.rev(ctx, "HEAD")
	}
	b.done = true
	return b.commit, b.err
}

// commit writes the files of changes and makes one commit of them. On failure the clone
// is put back as it was (the jobs behind the changes are retried and write again).
func (r *Repo) commit(ctx context.Context, changes []Change) (string, error) {
	paths, files := clone(r.paths), clone(r.files)
	var touched, msgs []string
	for _, c := range changes {
		ts, msg, err := r.write(c, paths, files)
		if err != nil {
			r.rollback(ctx, touched)
			return "", err
		}
		touched = append(touched, ts...)
		if msg != "" {
			msgs = append(msgs, msg)
		}
	}
	if len(msgs) == 0 {
		return "", nil
	}
	commit, err := r.commitFiles(ctx, touched, message(msgs))
	if err != nil {
		r.rollback(ctx, touched)
		return "", err
	}
	r.paths, r.files = paths, files
	return commit, nil
}

// maintainEvery is how many commits go between two runs of git's own upkeep (packing
// loose objects), which git commit would otherwise start after each commit.
const maintainEvery = 100

// commitFiles stages the touched files and commits the index on HEAD with msg. It uses
// git's plumbing rather than git add and git commit: git commit first refreshes the
// whole index, an lstat of every file in the repository (10,000 and more, with posts
// in one folder each) for each commit, and then starts git maintenance; update-index,
// write-tree, commit-tree and update-ref touch only what changed (write-tree reuses the
// trees of unchanged folders from the index's cache-tree extension). It returns the
// new commit.
func (r *Repo) commitFiles(ctx context.Context, touched []string, msg string) (string, error) {
	if len(touched) > 0 {
		// --add for new files, --remove for files gone from the working tree.
		if _, err := r.git(ctx, append([]string{"update-index", "--add", "--remove", "--"}, touched...)...); err != nil {
			return "", err
		}
	}
	tree, err := r.git(ctx, "write-tree")
	if err != nil {
		return "", err
	}
	// Every change gets its commit, even one whose file an earlier commit already wrote as
	// the post now is (a create and its update a few milliseconds apart, both written from
	// the index after the update): the history says what happened, in order. So a commit
	// whose tree is its parent's is made too (commit-tree does not refuse it).
	args := []string{"commit-tree", strings.TrimSpace(tree)}
	if !r.born {
		r.born = r.rev(ctx, "HEAD") != ""
	}
	if r.born {
		args = append(args, "-p", "HEAD")
	}
	out, err := r.gitIn(ctx, []byte(msg), append(args, "-F", "-")...)
	if err != nil {
		return "", err
	}
	commit := strings.TrimSpace(out)
	subject, _, _ := strings.Cut(msg, "\n")
	if _, err := r.git(ctx, "update-ref", "-m", "commit: "+subject, "HEAD", commit); err != nil {
		return "", err
	}
	r.born = true
	if r.commits++; r.commits%maintainEvery == 0 {
		if _, err := r.git(ctx, "maintenance", "run", "--auto", "--quiet"); err != nil {
			r.cfg.Logger.Warn("git maintenance", "err", err)
		}
	}
	return commit, nil
}

// message is the commit message of a group: one change's own message, or a count
// followed by each change's message.
func message(msgs []string) string {
	if len(msgs) == 1 {
		return msgs[0] + "\n"
	}
	return fmt.Sprintf("%d changes\n\n%s\n", len(msgs), strings.Join(msgs, "\n"))
}

// rollback puts the touched files back as HEAD has them.
func (r *Repo) rollback(ctx context.Context, touched []string) {
	if _, err := r.git(ctx, "reset", "-q", "--hard", "HEAD"); err != nil {
		r.cfg.Logger.Warn("git reset after a failed commit", "err", err)
	}
	for _, t := range touched {
		if _, err := r.git(ctx, "cat-file", "-e", "HEAD:"+t); err != nil {
			os.Remove(filepath.Join(r.cfg.Dir, filepath.FromSlash(t)))
		}
	}
}

// write brings c's file up to date in the working tree: written where the preset puts a
// new post (or where the post's file is), removed when the post is deleted. It returns
// the paths it touched and the commit message line.
func (r *Repo) write(c Change, paths, files map[string]string) ([]string, string, error) {
	if c.Media != "" {
		return r.writeMedia(c)
	}
	old := paths[c.URL]
	if c.Post == nil || c.Post.Deleted {
		if old == "" {
			return nil, "", nil
		}
		delete(paths, c.URL)
		delete(files, old)
		if err := removeFile(r.cfg.Dir, old); err != nil {
			return nil, "", err
		}
		return []string{old}, r.message(c, old), nil
	}
	p := c.Post
	// A post keeps the file it has, wherever the owner or an earlier template put it:
	// the permalink in its front matter, not the file's name, is where it is published.
	want := old
	if want == "" {
		want = freePath(r.cfg.Preset.FilePath(p), c.URL, files)
	}
	b, err := r.cfg.Preset.Render(p, r.cfg.SiteURL, c.Aliases)
	if err != nil {
		return nil, "", err
	}
	var touched []string
	if old != "" && old != want {
		delete(files, old)
		if err := removeFile(r.cfg.Dir, old); err != nil {
			return nil, "", err
		}
		touched = append(touched, old)
	}
	full := filepath.Join(r.cfg.Dir, filepath.FromSlash(want))
	if cur, err := os.ReadFile(full); err == nil && string(cur) == string(b) && old == want {
		return touched, r.message(c, want), nil
	}
	if err := writeFile(full, b); err != nil {
		return nil, "", err
	}
	paths[c.URL], files[want] = want, c.URL
	return append(touched, want), r.message(c, want), nil
}

// writeMedia copies an uploaded file into the media folder, or removes it there when the
// upload is gone. Its name is its hash: a file already there is the same file.
func (r *Repo) writeMedia(c Change) ([]string, string, error) {
	rel := path.Join(r.cfg.MediaDir, c.Media)
	full := filepath.Join(r.cfg.Dir, filepath.FromSlash(rel))
	_, err := os.Stat(full)
	exists := err == nil
	if c.Open == nil {
		if !exists {
			return nil, "", nil
		}
		if err := removeFile(r.cfg.Dir, rel); err != nil {
			return nil, "", err
		}
		return []string{rel}, r.message(c, rel), nil
	}
	if exists {
		return nil, "", nil
	}
	src, err := c.Open()
	if err != nil {
		return nil, "", fmt.Errorf("open %s: %w", c.Media, err)
	}
	defer src.Close()
	// Through a temporary file: a media file that exists is taken as complete.
	tmp := full + ".indiepub-tmp"
	if err := writeFrom(tmp, src); err != nil {
		os.Remove(tmp)
		return nil, "", err
	}
	if err := os.Rename(tmp, full); err != nil {
		os.Remove(tmp)
		return nil, "", fmt.Errorf("write %s: %w", full, err)
	}
	return []string{rel}, r.message(c, rel), nil
}

// freePath is p, or p with -2, -3… before its extension when another post's file is
// there already.
func freePath(p, url string, files map[string]string) string {
	ext := path.Ext(p)
	base := strings.TrimSuffix(p, ext)
	for n := 2; ; n++ {
		if u, ok := files[p]; !ok || u == url {
			return p
		}
		p = fmt.Sprintf("%s-%d%s", base, n, ext)
	}
}

// message is c's line in the commit message, from the template.
func (r *Repo) message(c Change, file string) string {
	typ, slug := "post", path.Base(strings.TrimSuffix(file, path.Ext(file)))
	if c.Media != "" {
		typ, slug = "media", path.Base(file)
	}
	if c.Post != nil {
		typ, slug = c.Post.Type, c.Post.Slug
	}
	return strings.NewReplacer("{action}", c.Action, "{type}", typ, "{slug}", slug,
		"{url}", c.URL, "{path}", file).Replace(r.cfg.Message)
}

// writeFile writes full in place. Not through a temporary file renamed into place: only
// indiepub touches the clone, under Repo.mu, so git never reads half a file; a write cut
// short by a crash is written again when its job runs again. Nor synced: the index (the
// store) is what survives a crash, and git does not sync the files it checks out either.
// In a folder of 10,000 posts creating and renaming a second file cost as much again.
func writeFile(full string, b []byte) error {
	return writeFrom(full, bytes.NewReader(b))
}

// writeFrom writes full from src (see writeFile).
func writeFrom(full string, src io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", full, err)
	}
	f, err := os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", full, err)
	}
	_, err = io.Copy(f, src)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", full, err)
	}
	return nil
}

func removeFile(dir, rel string) error {
	if err := os.Remove(filepath.Join(dir, filepath.FromSlash(rel))); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", rel, err)
	}
	return nil
}

func clone(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
