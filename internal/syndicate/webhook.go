package syndicate

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
)

// PendingStore is what the /syndicate endpoint needs from storage.
type PendingStore interface {
	// PostsAwaitingSyndication lists the posts, not deleted, whose pending list
	// (SyndicateTo) is not empty, oldest first, at most limit.
	PostsAwaitingSyndication(ctx context.Context, limit int) ([]*post.Post, error)
	EnqueueJobs(ctx context.Context, js ...*jobs.Job) (int, error)
}

// Enqueued names one syndicate job the endpoint added.
type Enqueued struct {
	URL    string `json:"url"`
	Target string `json:"uid"`
}

// maxPending bounds the posts one call of the endpoint looks at.
const maxPending = 1000

// EnqueuePending adds a syndicate job for every target a post is still waiting for: a
// target never tried yet, or one that failed for good (under a new key, so that it is
// tried afresh). A target with a retry due is left to it.
func (s *Syndicator) EnqueuePending(ctx context.Context, store PendingStore) ([]Enqueued, error) {
	posts, err := store.PostsAwaitingSyndication(ctx, maxPending)
	if err != nil {
		return nil, err
	}
	out := []Enqueued{}
	for _, p := range posts {
		// A scheduled post is syndicated when it appears, not before.
		if !syndicable(p) || p.Scheduled(s.cfg.Now()) {
			continue
		}
		for _, uid := range p.SyndicateTo {
			if _, ok := s.target(ctx, uid); !ok {
				continue
			}
			key := jobKey(p, uid)
			if cp := p.Copy(uid); cp != nil {
				switch cp.Status {
				case post.CopyRetrying:
					continue
				case post.CopyFailed:
					key += " again " + s.cfg.Now().UTC().Format(time.RFC3339Nano)
				}
			}
			b, _ := json.Marshal(payload{URL: p.URL, Target: uid})
			n, err := store.EnqueueJobs(ctx, &jobs.Job{Kind: Kind, Key: key, Payload: b})
			if err != nil {
				return nil, err
			}
			if n > 0 {
				out = append(out, Enqueued{URL: p.URL, Target: uid})
			}
		}
	}
	return out, nil
}

// WebhookConfig sets the /syndicate endpoint.
type WebhookConfig struct {
	// Secret checks X-Webhook-Signature; empty accepts only bearer tokens.
	Secret []byte
	// MaxBody caps the body whose signature is checked.
	MaxBody int64
	Logger  *slog.Logger
}

// Webhook is POST /syndicate (Indiekit's endpoint): it enqueues every post still waiting
// for syndication and answers what it enqueued, as JSON. Static-site hosts ping it after a
// deploy. It is authenticated by X-Webhook-Signature, the hex HMAC-SHA256 of the body
// under the configured secret, or else by a bearer token with the create scope (auth).
func (s *Syndicator) Webhook(cfg WebhookConfig, store PendingStore, auth *indieauth.Authenticator) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	run := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		enqueued, err := s.EnqueuePending(r.Context(), store)
		if err != nil {
			cfg.Logger.ErrorContext(r.Context(), "syndicate webhook", "err", err)
			writeError(w, http.StatusInternalServerError, "server_error", "internal error")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"enqueued": enqueued})
	})
	return Authenticated(cfg, auth, run)
}

// Authenticated is run behind the webhooks' authentication: X-Webhook-Signature (or
// GitHub's X-Hub-Signature-256), the hex HMAC-SHA256 of the body under cfg.Secret, or
// else a bearer token with the create scope (auth). The git pull webhook shares it.
func Authenticated(cfg WebhookConfig, auth *indieauth.Authenticator, run http.Handler) http.Handler {
	withToken := auth.Require("create")(run)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sig := r.Header.Get("X-Webhook-Signature")
		if sig == "" {
			sig = r.Header.Get("X-Hub-Signature-256")
		}
		if sig == "" {
			withToken.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max(cfg.MaxBody, 1)))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			writeError(w, http.StatusRequestEntityTooLarge, "invalid_request", fmt.Sprintf("body over %d bytes", tooBig.Limit))
			return
		case err != nil:
			writeError(w, http.StatusBadRequest, "invalid_request", "cannot read the body")
			return
		}
		if !validSignature(cfg.Secret, body, sig) {
			writeError(w, http.StatusForbidden, "forbidden", "the webhook signature does not match the body")
			return
		}
		run.ServeHTTP(w, r)
	})
}

// validSignature checks sig, the hex HMAC-SHA256 of body under secret (a "sha256="
// prefix, as GitHub sends, is allowed), in constant time.
func validSignature(secret, body []byte, sig string) bool {
	if len(secret) == 0 {
		return false
	}
	got, err := hex.DecodeString(trimSig(sig))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// trimSig is the hex digits of a signature header.
func trimSig(sig string) string {
	return strings.TrimPrefix(strings.TrimSpace(sig), "sha256=")
}

func writeError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
