package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	gitstore "github.com/indiepub/indiepub/internal/contentstore/git"
	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/media"
)

// defaultGitPull is how often the git repository's remote is pulled when the
// configuration says nothing.
const defaultGitPull = 5 * time.Minute

// gitPublisher registers the git repository's jobs with the runner: a write job per post
// change, push jobs per commit, and a media job per upload saved or deleted when the
// repository commits media (copied from lib).
func gitPublisher(cfg Config, db Store, r *jobs.Runner, lib gitstore.MediaSource) *gitstore.Publisher {
	pub := gitstore.NewPublisher(cfg.Git, db, cfg.URLPatterns, cfg.Logger)
	r.Listen(pub.Jobs)
	r.Handle(gitstore.KindWrite, pub.Write)
	r.Handle(gitstore.KindPush, pub.Push)
	if cfg.Git.CommitsMedia() {
		pub.CopyMedia(lib)
		r.Handle(gitstore.KindMedia, pub.Media)
	}
	return pub
}

// gitMediaRecords are the media records of a store that queue a git.media job after
// each upload saved or deleted, so that the repository's copy follows the library. The
// job is queued just after the record changed, not in its transaction: a crash between
// the two leaves the repository without that file until it is uploaded again.
type gitMediaRecords struct {
	media.Records
	queue interface {
		EnqueueJobs(ctx context.Context, js ...*jobs.Job) (int, error)
	}
	now func() time.Time
}

func (g gitMediaRecords) SaveUpload(ctx context.Context, u *media.Upload) error {
	if err := g.Records.SaveUpload(ctx, u); err != nil {
		return err
	}
	_, err := g.queue.EnqueueJobs(ctx, gitstore.MediaChanged(u.URL, u.Path, g.now()))
	return err
}

func (g gitMediaRecords) DeleteUpload(ctx context.Context, url string) error {
	u, err := g.Records.Upload(ctx, url)
	if err != nil {
		return err
	}
	if err := g.Records.DeleteUpload(ctx, url); err != nil {
		return err
	}
	_, err = g.queue.EnqueueJobs(ctx, gitstore.MediaChanged(u.URL, u.Path, g.now()))
	return err
}

// gitPullHook is POST /git/pull: the git host's push webhook (or a build's deploy hook)
// queues a pull of the remote, whose changed files are read back into the store. It
// answers 202 with the pull's job key.
func gitPullHook(pub *gitstore.Publisher, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := "webhook " + strconv.FormatInt(time.Now().UnixNano(), 10)
		if err := pub.Pull(r.Context(), name); err != nil {
			logger.ErrorContext(r.Context(), "git pull webhook", "err", err)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			json.NewEncoder(w).Encode(map[string]string{"error": "server_error", "error_description": "internal error"})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		json.NewEncoder(w).Encode(map[string]string{"queued": "pull " + name})
	})
}

// pullEvery queues a pull of the remote every d (defaultGitPull when 0, never when
// negative), until the returned function is called.
func pullEvery(pub *gitstore.Publisher, d time.Duration, logger *slog.Logger) func() {
	if d == 0 {
		d = defaultGitPull
	}
	if d < 0 {
		return func() {}
	}
	stop := make(chan struct{})
	var once sync.Once
	go func() {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				if err := pub.Pull(context.Background(), "schedule "+now.UTC().Format(time.RFC3339Nano)); err != nil {
					logger.Warn("queue a git pull", "err", err)
				}
			}
		}
	}()
	return func() { once.Do(func() { close(stop) }) }
}
