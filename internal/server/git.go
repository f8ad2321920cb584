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
)

// defaultGitPull is how often the git repository's remote is pulled when the
// configuration says nothing.
const defaultGitPull = 5 * time.Minute

// gitPublisher registers the git repository's jobs with the runner: a write job per post
// change, push jobs per commit.
func gitPublisher(cfg Config, db Store, r *jobs.Runner) *gitstore.Publisher {
	pub := gitstore.NewPublisher(cfg.Git, db, cfg.URLPatterns, cfg.Logger)
	r.Listen(pub.Jobs)
	r.Handle(gitstore.KindWrite, pub.Write)
	r.Handle(gitstore.KindPush, pub.Push)
	return pub
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
