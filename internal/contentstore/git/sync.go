package git

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// ErrConflict is a rebase that stopped on a file indiepub did not write: the owner
// resolves it in the repository by hand; nothing is pushed until then.
var ErrConflict = errors.New("conflict in a file indiepub did not write")

// FileChange is a file the remote's history changed since the last sync: a hand edit
// (or another tool's) that the index must follow.
type FileChange struct {
	// Path is the file in the repository; Deleted when it is gone.
	Path    string
	Deleted bool
	// URL is the post indiepub keeps the file for, "" when none.
	URL string
}

// scan reads the permalinks of the post files under the preset's folders, so that
// indiepub knows which post each file is.
func (r *Repo) scan() error {
	for _, dir := range r.postDirs() {
		root := filepath.Join(r.cfg.Dir, filepath.FromSlash(dir))
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if d.IsDir() || !IsPostFile(p) {
				return nil
			}
			rel, err := filepath.Rel(r.cfg.Dir, p)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			if _, ok := r.files[rel]; ok {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			f, err := Parse(b)
			if err != nil {
				return nil
			}
			if u := r.urlFor(f, rel); u != "" {
				r.paths[u], r.files[rel] = rel, u
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("read the repository: %w", err)
		}
	}
	return nil
}

// urlFor is the URL of the post in file rel: its permalink, or where the site's URL
// patterns put it (as Ingest does for a file added by hand).
func (r *Repo) urlFor(f *File, rel string) string {
	if f.Path != "" {
		return r.URLOf(f.Path)
	}
	p, err := post.New(f.Item, time.Time{})
	if err != nil {
		return ""
	}
	p.Slug = fileSlug(rel)
	return r.URLOf(p.Path(r.cfg.URLPatterns[p.Type]))
}

// URLOf is the absolute URL of a path on the site.
func (r *Repo) URLOf(sitePath string) string {
	return strings.TrimSuffix(r.cfg.SiteURL, "/") + "/" + strings.TrimPrefix(sitePath, "/")
}

// postDirs are the folders the preset's templates write in: each template up to its
// first placeholder's folder.
func (r *Repo) postDirs() []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range append([]string{r.cfg.Preset.Path}, values(r.cfg.Preset.Paths)...) {
		if i := strings.Index(t, "{"); i >= 0 {
			t = t[:i]
		}
		d := path.Dir(t + "x")
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

// IsPostFile reports whether a file's name is one a generator reads posts from.
func IsPostFile(name string) bool {
	switch strings.ToLower(path.Ext(filepath.ToSlash(name))) {
	case ".md", ".markdown", ".html":
		return !strings.HasPrefix(path.Base(filepath.ToSlash(name)), "_index.")
	}
	return false
}

func (r *Repo) inPostDirs(rel string) bool {
	for _, d := range r.postDirs() {
		if d == "." || strings.HasPrefix(rel, d+"/") {
			return true
		}
	}
	return false
}

func values(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// Push pushes the branch when it holds commits the remote has not seen; when the remote
// moved, it syncs (see Sync) instead.
func (r *Repo) Push(ctx context.Context) ([]FileChange, error) {
	r.mu.Lock()
	if r.cfg.Remote == "" {
		r.mu.Unlock()
		return nil, nil
	}
	head := r.rev(ctx, "HEAD")
	if head == "" || head == r.pushed {
		r.mu.Unlock()
		return nil, nil
	}
	_, err := r.git(ctx, "push", "-q", "origin", "HEAD:refs/heads/"+r.cfg.Branch)
	if err == nil {
		r.pushed = head
		r.mu.Unlock()
		return nil, nil
	}
	r.mu.Unlock()
	// Rejected (the remote moved) or unreachable: Sync tells which.
	return r.Sync(ctx)
}

// Sync brings the clone and the remote together: it fetches the branch, rebases
// indiepub's commits onto what the remote gained (never a force-push), and pushes. A
// conflict in a file indiepub wrote is resolved for the newer side and logged; one in
// any other file aborts the rebase with ErrConflict. It returns the post files the
// remote changed, for the index to follow.
func (r *Repo) Sync(ctx context.Context) ([]FileChange, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cfg.Remote == "" {
		return nil, nil
	}
	remoteRef := "refs/remotes/origin/" + r.cfg.Branch
	old := r.rev(ctx, remoteRef)
	if _, err := r.git(ctx, "fetch", "-q", "origin", "+refs/heads/"+r.cfg.Branch+":"+remoteRef); err != nil {
		if !strings.Contains(err.Error(), "couldn't find remote ref") {
			return nil, err
		}
	}
	cur := r.rev(ctx, remoteRef)
	var changed []FileChange
	if cur != "" && cur != old {
		kept, err := r.rebase(ctx, remoteRef)
		if err != nil {
			return nil, err
		}
		all, err := r.changedFiles(ctx, old, cur)
		if err != nil {
			return nil, err
		}
		for _, c := range all {
			// A conflict resolved for indiepub's change: the index has it already.
			if !kept[c.Path] {
				changed = append(changed, c)
			}
		}
	}
	head := r.rev(ctx, "HEAD")
	if head != "" && head != cur {
		if _, err := r.git(ctx, "push", "-q", "origin", "HEAD:refs/heads/"+r.cfg.Branch); err != nil {
			return changed, err
		}
	}
	r.pushed = head
	return changed, nil
}

// rev is the commit a ref names, "" when it names none.
func (r *Repo) rev(ctx context.Context, ref string) string {
	out, err := r.git(ctx, "rev-parse", "-q", "--verify", ref+"^{commit}")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

// rebase replays indiepub's commits onto onto, resolving conflicts in its own files. It
// returns the files whose conflict it resolved for indiepub's side.
func (r *Repo) rebase(ctx context.Context, onto string) (map[string]bool, error) {
	kept := map[string]bool{}
	if r.rev(ctx, "HEAD") == "" {
		_, err := r.git(ctx, "reset", "-q", "--hard", onto)
		return kept, err
	}
	_, err := r.git(ctx, "-c", "core.editor=true", "rebase", "-q", onto)
	for i := 0; err != nil; i++ {
		out, derr := r.git(ctx, "diff", "--name-only", "--diff-filter=U")
		conflicted := strings.Fields(out)
		if derr == nil && len(conflicted) == 0 && i < 1000 && r.rev(ctx, "REBASE_HEAD") != "" {
			// The resolution left the replayed commit empty: the remote had it all.
			_, err = r.git(ctx, "rebase", "--skip")
			continue
		}
		if derr != nil || len(conflicted) == 0 || i > 1000 {
			r.git(ctx, "rebase", "--abort")
			return nil, fmt.Errorf("rebase onto the remote: %w", err)
		}
		for _, f := range conflicted {
			if _, ours := r.files[f]; !ours {
				r.git(ctx, "rebase", "--abort")
				return nil, fmt.Errorf("%w: %s (resolve it in the repository, then retry the push)", ErrConflict, f)
			}
		}
		for _, f := range conflicted {
			ours, err := r.resolve(ctx, f, onto)
			if err != nil {
				r.git(ctx, "rebase", "--abort")
				return nil, err
			}
			kept[f] = ours
		}
		_, err = r.git(ctx, "-c", "core.editor=true", "rebase", "--continue")
	}
	return kept, nil
}

// resolve settles a conflict in a file indiepub wrote for the newer change: the remote's
// last commit of the file or the commit being replayed, by commit time (the replayed one
// when they tie: it is the index's). It reports whether indiepub's side was kept.
func (r *Repo) resolve(ctx context.Context, file, onto string) (bool, error) {
	theirTime := r.commitTime(ctx, onto, file)
	ourTime := r.commitTime(ctx, "REBASE_HEAD", "")
	side, winner := "--theirs", "indiepub's change"
	if theirTime > ourTime {
		// In a rebase "ours" is the branch being rebased onto: the remote.
		side, winner = "--ours", "the remote's change"
	}
	ours := side == "--theirs"
	if ours {
		// The remote's version stays in history: its commit is an ancestor of the result.
		r.cfg.Logger.Warn("git conflict in a post file resolved for the newer change", "file", file, "kept", winner)
	} else {
		// indiepub's commit is dropped from the branch; a ref in the clone keeps it, so
		// that the version the index had is not lost (git show REF:FILE).
		ref := "refs/indiepub/overridden/" + r.rev(ctx, "REBASE_HEAD")
		if _, err := r.git(ctx, "update-ref", ref, "REBASE_HEAD"); err != nil {
			return false, err
		}
		r.cfg.Logger.Warn("git conflict in a post file resolved for the newer change", "file", file, "kept", winner,
			"overridden", ref)
	}
	if _, err := r.git(ctx, "checkout", side, "--", file); err != nil {
		// The kept side deleted the file.
		_, err = r.git(ctx, "rm", "-q", "--", file)
		return ours, err
	}
	_, err := r.git(ctx, "add", "--", file)
	return ours, err
}

func (r *Repo) commitTime(ctx context.Context, rev, file string) int64 {
	args := []string{"log", "-1", "--format=%ct", rev}
	if file != "" {
		args = append(args, "--", file)
	}
	out, err := r.git(ctx, args...)
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
	return n
}

// changedFiles lists the post files that differ between two commits of the remote.
func (r *Repo) changedFiles(ctx context.Context, from, to string) ([]FileChange, error) {
	var out string
	var err error
	if from == "" {
		out, err = r.git(ctx, "ls-tree", "-r", "--name-only", to)
		if err == nil {
			out = "A\t" + strings.ReplaceAll(strings.TrimSpace(out), "\n", "\nA\t")
		}
	} else {
		out, err = r.git(ctx, "diff", "--name-status", "--no-renames", from, to)
	}
	if err != nil {
		return nil, err
	}
	var changes []FileChange
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		status, file, ok := strings.Cut(line, "\t")
		if !ok || !IsPostFile(file) || !r.inPostDirs(file) {
			continue
		}
		changes = append(changes, FileChange{Path: file, Deleted: status == "D", URL: r.files[file]})
	}
	return changes, nil
}

// ReadFile reads a post file of the clone.
func (r *Repo) ReadFile(rel string) ([]byte, error) {
	f, err := os.Open(filepath.Join(r.cfg.Dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, maxFile+1)
	n, err := readFull(f, b)
	if err != nil {
		return nil, err
	}
	return b[:n], nil
}

// Adopt records that the post at url is kept in file rel (read back from the repository),
// or forgets the file when url is "".
func (r *Repo) Adopt(url, rel string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old := r.files[rel]; old != "" {
		delete(r.paths, old)
	}
	if url == "" {
		delete(r.files, rel)
		return
	}
	r.paths[url], r.files[rel] = rel, url
}

func readFull(f *os.File, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := f.Read(b[n:])
		n += m
		if err != nil {
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			return n, err
		}
	}
	return n, nil
}
