package server

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/metrics"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/token"
)

// The handlers' dependencies, wrapped so that the metrics see what passes through them:
// storage errors, uploads and token verifications. Each wrapper passes every call on
// unchanged; without metrics nothing is wrapped.

// expected reports whether err is an answer rather than a failure of the store: nothing
// there, already there, or a request that was refused or given up.
func expected(err error) bool {
	return err == nil || errors.Is(err, post.ErrNotFound) || errors.Is(err, post.ErrExists) ||
		errors.Is(err, post.ErrInvalid) || errors.Is(err, post.ErrGone) ||
		errors.Is(err, token.ErrNotFound) || errors.Is(err, media.ErrNotFound) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// countedStore counts the errors of the calls on the paths that publish, read and
// verify: creating, reading, updating and listing posts, the site's change counter,
// media records and token lookups. The other calls pass through uncounted.
type countedStore struct {
	Store
	m *metrics.Metrics
}

func (s countedStore) count(err error) error {
	if !expected(err) {
		s.m.StoreError(metrics.StoreDatabase)
	}
	return err
}

func (s countedStore) CreateNumbered(ctx context.Context, p *post.Post, urlOf func(string) string) error {
	return s.count(s.Store.CreateNumbered(ctx, p, urlOf))
}

func (s countedStore) PostByURL(ctx context.Context, url string) (*post.Post, error) {
	p, err := s.Store.PostByURL(ctx, url)
	return p, s.count(err)
}

// UpdatePost does not count the errors of fn, which are the update's own refusals.
func (s countedStore) UpdatePost(ctx context.Context, url string, fn func(*post.Post) error) (*post.Post, error) {
	var fnErr error
	p, err := s.Store.UpdatePost(ctx, url, func(p *post.Post) error {
		fnErr = fn(p)
		return fnErr
	})
	if err != nil && (fnErr == nil || !errors.Is(err, fnErr)) {
		s.count(err)
	}
	return p, err
}

func (s countedStore) ListPosts(ctx context.Context, q post.Query) ([]*post.Post, error) {
	ps, err := s.Store.ListPosts(ctx, q)
	return ps, s.count(err)
}

func (s countedStore) SiteChanges(ctx context.Context) (int64, time.Time, error) {
	v, at, err := s.Store.SiteChanges(ctx)
	return v, at, s.count(err)
}

// SaveUpload counts the file as an upload once it is recorded.
func (s countedStore) SaveUpload(ctx context.Context, u *media.Upload) error {
	err := s.count(s.Store.SaveUpload(ctx, u))
	if err == nil {
		s.m.Uploaded(u.Size)
	}
	return err
}

func (s countedStore) Upload(ctx context.Context, url string) (*media.Upload, error) {
	u, err := s.Store.Upload(ctx, url)
	return u, s.count(err)
}

func (s countedStore) TokenByHash(ctx context.Context, hash string) (*token.Token, error) {
	t, err := s.Store.TokenByHash(ctx, hash)
	return t, s.count(err)
}

func (s countedStore) Ping(ctx context.Context) error { return s.count(s.Store.Ping(ctx)) }

// countedMediaStore is countedStore for the standalone media server's smaller store.
type countedMediaStore struct {
	MediaStore
	m *metrics.Metrics
}

func (s countedMediaStore) count(err error) error {
	return countedStore{m: s.m}.count(err)
}

// SaveUpload counts the file as an upload once it is recorded.
func (s countedMediaStore) SaveUpload(ctx context.Context, u *media.Upload) error {
	err := s.count(s.MediaStore.SaveUpload(ctx, u))
	if err == nil {
		s.m.Uploaded(u.Size)
	}
	return err
}

func (s countedMediaStore) Upload(ctx context.Context, url string) (*media.Upload, error) {
	u, err := s.MediaStore.Upload(ctx, url)
	return u, s.count(err)
}

func (s countedMediaStore) Ping(ctx context.Context) error { return s.count(s.MediaStore.Ping(ctx)) }

// countedBlobs counts the media store's failures: reading, removing, describing and
// committing files, and receiving them where the local file system failed (a client
// that hangs up or sends too much is not the store's failure).
type countedBlobs struct {
	media.Blobs
	m *metrics.Metrics
}

// countBlobs wraps b, keeping its raw receiving when it has that.
func countBlobs(b media.Blobs, m *metrics.Metrics) media.Blobs {
	c := countedBlobs{Blobs: b, m: m}
	if raw, ok := b.(media.RawReceiver); ok {
		return countedRawBlobs{countedBlobs: c, raw: raw}
	}
	return c
}

func (b countedBlobs) count(err error) error {
	if !expected(err) {
		b.m.StoreError(metrics.StoreMedia)
	}
	return err
}

// received counts a failed receive only when the file system failed.
func (b countedBlobs) received(rec *media.Received, err error) (*media.Received, error) {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) || errors.Is(err, post.ErrNoSpace) {
		b.m.StoreError(metrics.StoreMedia)
	}
	if rec != nil {
		rec.Pending = countedPending{Pending: rec.Pending, b: b}
	}
	return rec, err
}

func (b countedBlobs) Receive(ctx context.Context, head []byte, r io.Reader, max int64) (*media.Received, error) {
	return b.received(b.Blobs.Receive(ctx, head, r, max))
}

func (b countedBlobs) Open(ctx context.Context, key string) (io.ReadSeekCloser, media.Info, error) {
	f, info, err := b.Blobs.Open(ctx, key)
	return f, info, b.count(err)
}

func (b countedBlobs) Remove(ctx context.Context, key string) error {
	return b.count(b.Blobs.Remove(ctx, key))
}

func (b countedBlobs) Stat(ctx context.Context, key string) (media.Info, error) {
	info, err := b.Blobs.Stat(ctx, key)
	return info, b.count(err)
}

type countedRawBlobs struct {
	countedBlobs
	raw media.RawReceiver
}

func (b countedRawBlobs) ReceiveRaw(ctx context.Context, head []byte, body *media.RawBody, max int64) (*media.Received, error) {
	return b.received(b.raw.ReceiveRaw(ctx, head, body, max))
}

func (b countedRawBlobs) RawHelps() bool { return b.raw.RawHelps() }

type countedPending struct {
	media.Pending
	b countedBlobs
}

func (p countedPending) Commit(ctx context.Context, key string) error {
	return p.b.count(p.Pending.Commit(ctx, key))
}

// countedVerifier counts token verifications by outcome.
type countedVerifier struct {
	indieauth.Verifier
	m *metrics.Metrics
}

func (v countedVerifier) Verify(ctx context.Context, raw string) (*indieauth.Token, error) {
	tok, err := v.Verifier.Verify(ctx, raw)
	switch {
	case err == nil:
		v.m.Verified(metrics.OutcomeValid)
	case errors.Is(err, indieauth.ErrInvalidToken):
		v.m.Verified(metrics.OutcomeInvalid)
	default:
		v.m.Verified(metrics.OutcomeUnavailable)
	}
	return tok, err
}
