// Package media is the media service: it receives uploads into a blob store (Blobs),
// checking their types by their bytes, not by what a client says; records them; and
// deletes and discards them, ordered so that a record never names a missing file. The
// bytes live in a Blobs (fsblob on the local disk); the records in a Records (the SQLite
// store). It knows nothing of HTTP, posts or SQL.
package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Records is what the service needs from storage: the record of every upload, and the
// posts that use a file. The SQLite store satisfies it; a standalone media endpoint,
// which knows no posts, finds none.
type Records interface {
	SaveUpload(ctx context.Context, u *Upload) error
	Upload(ctx context.Context, url string) (*Upload, error)
	Uploads(ctx context.Context, limit, offset int) ([]*Upload, error)
	DeleteUpload(ctx context.Context, url string) error
	// PostsReferencing returns the URLs of live posts that mention url.
	PostsReferencing(ctx context.Context, url string, limit int) ([]string, error)
}

// Locker orders making a file visible and recording it against checking an upload's
// references and removing it, so that a delete never removes a file that an upload of
// the same bytes has just recorded. One process owns a data directory, so a mutex is
// enough (the default); servers sharing one database would take a lock there instead.
type Locker interface {
	// Lock waits for the lock, or for ctx, and returns the function that releases it.
	Lock(ctx context.Context) (unlock func(), err error)
}

// mutex is the Locker of one process.
type mutex struct{ mu sync.Mutex }

func (m *mutex) Lock(context.Context) (func(), error) {
	m.mu.Lock()
	return m.mu.Unlock, nil
}

// DefaultTypes are the media types accepted when ServiceConfig.Types is empty.
var DefaultTypes = []string{"image/*", "audio/*", "video/*", "application/pdf"}

// DefaultMaxSize is the largest file accepted when ServiceConfig.MaxSize is 0: 100 MiB.
const DefaultMaxSize = 100 << 20

// ServiceConfig configures a Service.
type ServiceConfig struct {
	// URL is the absolute base URL, with a trailing slash: files are published under
	// URL+"media/" unless FilesURL says otherwise.
	URL string
	// FilesURL is the absolute URL files are published under, with a trailing slash: a
	// public bucket or a CDN in front of the blob store (--media-url), which then serves
	// them. URL+"media/" if empty, where indiepub serves them itself.
	FilesURL string
	// Types lists accepted media types, exact ("application/pdf") or by major type
	// ("image/*"); DefaultTypes if empty. Only types this package can recognise by their
	// bytes can be accepted at all (see Sniff).
	Types []string
	// MaxSize is the largest file in bytes; DefaultMaxSize if 0.
	MaxSize int64
	// Locker orders uploads against deletes; a mutex of this process if nil.
	Locker Locker
	Now    func() time.Time
	// Logger receives what a caller's error does not say; nil discards it.
	Logger *slog.Logger
}

// Service is the media library: it receives uploads into the store, records them,
// answers lookups, and deletes and discards them, in an order that never loses a file
// that a record names. Both the media endpoint and the Micropub endpoint (the files
// sent to it directly) call it.
type Service struct {
	cfg     ServiceConfig
	blobs   Blobs
	records Records
}

// NewService returns the service over blobs and records.
func NewService(cfg ServiceConfig, blobs Blobs, records Records) *Service {
	if len(cfg.Types) == 0 {
		cfg.Types = DefaultTypes
	}
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = DefaultMaxSize
	}
	if cfg.Locker == nil {
		cfg.Locker = &mutex{}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.FilesURL == "" {
		cfg.FilesURL = cfg.URL + "media/"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, blobs: blobs, records: records}
}

// InUseError says that posts still reference an upload that was to be deleted.
type InUseError struct {
	URL   string
	Posts []string
}

func (e *InUseError) Error() string {
	return "media " + e.URL + " is used by " + strings.Join(e.Posts, ", ")
}

// MaxSize returns the largest file accepted.
func (s *Service) MaxSize() int64 { return s.cfg.MaxSize }

// ReceivesRaw reports whether the blob store can receive bodies raw (UploadRaw) and
// whether that pays on its disk; with anywhere, the second does not matter (tests).
func (s *Service) ReceivesRaw(anywhere bool) bool {
	raw, ok := s.blobs.(RawReceiver)
	return ok && (anywhere || raw.RawHelps())
}

// Open opens the file stored at path (as Blob.Path makes it) for reading, with Seek for
// ranges. A path that Blob.Path does not make is ErrNotFound.
func (s *Service) Open(ctx context.Context, path string) (io.ReadSeekCloser, Blob, error) {
	b, err := ParsePath(path)
	if err != nil {
		return nil, Blob{}, err
	}
	f, info, err := s.blobs.Open(ctx, path)
	if err != nil {
		return nil, Blob{}, err
	}
	b.Size = info.Size
	return f, b, nil
}

// Upload streams r into the store, makes it visible and records it. declared is the type
// the client gave ("" if none); the type kept is sniffed from the bytes.
func (s *Service) Upload(ctx context.Context, r io.Reader, declared string) (*Upload, error) {
	u, _, err := s.record(ctx, false, s.receive(ctx, r, declared))
	return u, err
}

// UploadRaw is Upload for a body received raw (see RawReceiver), whose first bytes,
// head, have been read already; ReceivesRaw(true) must be true.
func (s *Service) UploadRaw(ctx context.Context, head []byte, declared string, body *RawBody) (*Upload, error) {
	u, _, err := s.record(ctx, false, func() (*Received, string, error) {
		typ, err := s.check(head, declared)
		if err != nil {
			return nil, "", err
		}
		raw, ok := s.blobs.(RawReceiver)
		if !ok {
			return nil, "", errors.New("media: the blob store cannot receive raw")
		}
		p, err := raw.ReceiveRaw(ctx, head, body, s.cfg.MaxSize)
		return checkContent(p, typ, err)
	})
	return u, err
}

// Saved is a file stored for one request: its upload, and what Discard needs to know
// whether that request was the first to store it.
type Saved struct {
	*Upload
	created bool
}

// Save is Upload for a file that comes with a request that may still fail, such as a
// photo part of a Micropub create: should it fail, Discard forgets the file.
func (s *Service) Save(ctx context.Context, r io.Reader, declared string) (Saved, error) {
	u, created, err := s.record(ctx, true, s.receive(ctx, r, declared))
	if err != nil {
		return Saved{}, err
	}
	return Saved{Upload: u, created: created}, nil
}

// record has receive put a file of a type it returns in the store, then makes it visible
// and records it. With checkNew, it also reports whether no record of the file existed
// before.
func (s *Service) record(ctx context.Context, checkNew bool, receive func() (*Received, string, error)) (*Upload, bool, error) {
	p, typ, err := receive()
	if err != nil {
		return nil, false, err
	}
	defer p.Discard()
	b := Blob{Hash: p.Hash, Type: typ, Size: p.Size}
	u := &Upload{URL: s.cfg.FilesURL + b.Path(), Path: b.Path(), Hash: b.Hash,
		Type: b.Type, Size: b.Size, Published: s.cfg.Now()}
	unlock, err := s.cfg.Locker.Lock(ctx)
	if err != nil {
		return nil, false, err
	}
	defer unlock()
	created := false
	if checkNew {
		_, err := s.records.Upload(ctx, u.URL)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, false, err
		}
		created = err != nil
	}
	if err := p.Commit(ctx, u.Path); err != nil {
		return nil, false, err
	}
	if err := s.records.SaveUpload(ctx, u); err != nil {
		// The file stays: it may be an earlier upload of the same bytes, and a file
		// without a record is served all the same.
		return nil, false, err
	}
	// DEBUG, not INFO: a line per upload would drown a busy server's log; --debug shows
	// them along with the requests.
	s.cfg.Logger.DebugContext(ctx, "media uploaded", "url", u.URL, "type", u.Type, "size", u.Size)
	return u, created, nil
}

// Discard forgets the files that Save stored for a request that then failed, such as a
// create refused after its photo part was stored: their records go, so q=last and
// q=source stop offering them, and so do the files. saved is everything the request
// stored, in order. It decides from the records alone: a file that was recorded before
// the request (handed out earlier, by an upload of the same bytes), recorded again since
// by another (uploaded again meanwhile) or used by a live post is kept with its record.
// A failure to forget one file does not stop the others; the errors are joined.
func (s *Service) Discard(ctx context.Context, saved []Saved) error {
	// The same bytes saved twice in one request (an image embedded twice): the first save
	// tells whether the request created the record, the last when it recorded it.
	var order []string
	byURL := map[string]Saved{}
	for _, sv := range saved {
		first, seen := byURL[sv.URL]
		if !seen {
			order = append(order, sv.URL)
		}
		sv.created = sv.created || first.created
		byURL[sv.URL] = sv
	}
	var errs []error
	for _, url := range order {
		if sv := byURL[url]; sv.created {
			if err := s.discard(ctx, sv); err != nil {
				errs = append(errs, fmt.Errorf("discard %s: %w", url, err))
			}
		}
	}
	return errors.Join(errs...)
}

// discard forgets one file the request created, unless it was recorded again since or
// a post uses it.
func (s *Service) discard(ctx context.Context, saved Saved) error {
	unlock, err := s.cfg.Locker.Lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	u, err := s.records.Upload(ctx, saved.URL)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil || !u.Published.Equal(saved.Published) {
		return err
	}
	posts, err := s.records.PostsReferencing(ctx, u.URL, 1)
	if err != nil || len(posts) > 0 {
		return err
	}
	if err := s.forget(ctx, u); err != nil {
		return err
	}
	s.cfg.Logger.InfoContext(ctx, "media discarded", "url", u.URL)
	return nil
}

// Delete removes an upload unless a live post still references it (*InUseError).
func (s *Service) Delete(ctx context.Context, url string) error {
	unlock, err := s.cfg.Locker.Lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	u, err := s.records.Upload(ctx, url)
	if err != nil {
		return err
	}
	posts, err := s.records.PostsReferencing(ctx, url, 20)
	if err != nil {
		return err
	}
	if len(posts) > 0 {
		return &InUseError{URL: url, Posts: posts}
	}
	if err := s.forget(ctx, u); err != nil {
		return err
	}
	s.cfg.Logger.InfoContext(ctx, "media deleted", "url", url)
	return nil
}

// forget removes u's record, then its file; the caller holds the lock.
func (s *Service) forget(ctx context.Context, u *Upload) error {
	if err := s.records.DeleteUpload(ctx, u.URL); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if err := s.blobs.Remove(ctx, u.Path); err != nil && !errors.Is(err, ErrNotFound) {
		// The record is gone, so nothing offers the file; left behind it is harmless and
		// served as before.
		s.cfg.Logger.WarnContext(ctx, "remove media file", "path", u.Path, "err", err)
	}
	return nil
}

// Lookup returns the upload published at url, or ErrNotFound.
func (s *Service) Lookup(ctx context.Context, url string) (*Upload, error) {
	return s.records.Upload(ctx, url)
}

// Uploads lists uploads newest first.
func (s *Service) Uploads(ctx context.Context, limit, offset int) ([]*Upload, error) {
	return s.records.Uploads(ctx, limit, offset)
}
