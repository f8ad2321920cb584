// Package s3blob is the media service's blob store on S3-compatible object storage
// (media.Blobs), on github.com/minio/minio-go/v7. Keys are the same content addresses as
// on disk (ab/cd/<sha256><ext>), under an optional prefix. An upload is hashed while it
// is sent: a body that fits in one part stays in memory until it is committed, and goes
// to its key in one PUT; a larger one goes in parts of bounded size, a few in flight, so
// that memory stays flat whatever the size, each part to a temporary object of its own,
// and the parts are then copied server-side, several at once, into a multipart upload at
// the content address (or dropped if that holds the bytes already) and deleted. A failed
// or abandoned upload deletes its parts, aborts its multipart copy, and leaves no object
// behind.
package s3blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/indiepub/indiepub/internal/media"
)

// DefaultPartSize is the size of the parts of a multipart upload when Config.PartSize is
// 0: S3 takes parts of 5 MiB at least (the last aside) and at most 10,000 parts, so an
// upload holds at most 80 GiB.
const DefaultPartSize = 8 << 20

// maxParts is S3's limit on the parts of one multipart upload.
const maxParts = 10000

// tmpDir is where uploads wait under the prefix, out of the keys' way (keys never start
// with a dot).
const tmpDir = ".tmp/"

// Config configures a Store. cmd/indiepub fills it from --media-store and the
// environment's credentials.
type Config struct {
	// Endpoint is the S3 server's host[:port], e.g. "s3.eu-west-1.amazonaws.com" or
	// "127.0.0.1:7070".
	Endpoint string
	// Bucket holds the blobs; it must exist.
	Bucket string
	// Prefix is put before every key ("media/" keeps ab/cd/… at media/ab/cd/…); empty
	// for the bucket's root.
	Prefix string
	// Region is the bucket's region; empty lets the client ask the server.
	Region string
	// Insecure speaks plain HTTP instead of HTTPS: a server on the same machine or a
	// private network only.
	Insecure bool
	// AccessKey, SecretKey and SessionToken are the credentials (AWS_ACCESS_KEY_ID,
	// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); never logged.
	AccessKey, SecretKey, SessionToken string
	// PartSize is the size of a multipart upload's parts, and of the largest body kept in
	// memory; DefaultPartSize if 0.
	PartSize int64
	// Transport carries the requests; nil means minio-go's default.
	Transport http.RoundTripper
	// Logger logs what a caller's error does not say (an abort or a cleanup that failed);
	// nil discards it.
	Logger *slog.Logger
}

// Store keeps blobs as objects under their keys. It implements media.Blobs.
type Store struct {
	core     *minio.Core
	bucket   string
	prefix   string
	partSize int64
	logger   *slog.Logger
	buffers  *bufferPool
	space    *spaceLatch
}

var _ media.Blobs = (*Store)(nil)

// New returns the store on cfg's bucket, after checking that the bucket can be reached.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errors.New("s3 media store: an endpoint and a bucket are required")
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultPartSize
	}
	if cfg.PartSize < 5<<20 {
		return nil, fmt.Errorf("s3 media store: part size %d: S3 takes parts of 5 MiB at least", cfg.PartSize)
	}
	core, err := minio.NewCore(cfg.Endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken),
		Secure:    !cfg.Insecure,
		Region:    cfg.Region,
		Transport: cfg.Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 media store: %w", err)
	}
	s := &Store{core: core, bucket: cfg.Bucket, prefix: cleanPrefix(cfg.Prefix), partSize: cfg.PartSize,
		logger: cfg.Logger, buffers: newBufferPool(int(cfg.PartSize))}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	s.space = &spaceLatch{logger: s.logger, bucket: cfg.Bucket}
	ok, err := core.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("s3 media store: bucket %s at %s: %w", cfg.Bucket, cfg.Endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("s3 media store: no bucket %s at %s", cfg.Bucket, cfg.Endpoint)
	}
	return s, nil
}

// cleanPrefix makes a prefix end with one slash, or be empty.
func cleanPrefix(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	return p + "/"
}

// object is the object name of key. Keys are clean relative paths with forward slashes
// that stay out of the temporary objects.
func (s *Store) object(key string) (string, error) {
	if !fs.ValidPath(key) || key == "." || strings.HasPrefix(key, ".") || strings.Contains(key, "\\") {
		return "", fmt.Errorf("%w: %s", media.ErrNotFound, key)
	}
	return s.prefix + key, nil
}

// notFound tells whether err is S3's answer for a missing object.
func notFound(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.StatusCode == http.StatusNotFound || r.Code == "NoSuchKey"
}

// Stat describes the blob at key.
func (s *Store) Stat(ctx context.Context, key string) (media.Info, error) {
	name, err := s.object(key)
	if err != nil {
		return media.Info{}, err
	}
	st, err := s.core.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{})
	if notFound(err) {
		return media.Info{}, fmt.Errorf("%w: %s", media.ErrNotFound, key)
	}
	if err != nil {
		return media.Info{}, fmt.Errorf("media: stat %s: %w", key, err)
	}
	return media.Info{Size: st.Size, ModTime: st.LastModified}, nil
}

// Open opens the blob at key for reading, starting a GET of the whole object; Seek makes
// the next read a GET of a range (see reader).
func (s *Store) Open(ctx context.Context, key string) (io.ReadSeekCloser, media.Info, error) {
	name, err := s.object(key)
	if err != nil {
		return nil, media.Info{}, err
	}
	body, st, _, err := s.core.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
	if notFound(err) {
		return nil, media.Info{}, fmt.Errorf("%w: %s", media.ErrNotFound, key)
	}
	if err != nil {
		return nil, media.Info{}, fmt.Errorf("media: open %s: %w", key, err)
	}
	r := &reader{ctx: ctx, s: s, name: name, size: st.Size, body: body}
	return r, media.Info{Size: st.Size, ModTime: st.LastModified}, nil
}

// Remove deletes the blob at key. S3 deletes a missing object without a word, so the
// object is looked for first.
func (s *Store) Remove(ctx context.Context, key string) error {
	if _, err := s.Stat(ctx, key); err != nil {
		return err
	}
	name, _ := s.object(key)
	if err := s.core.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("media: remove %s: %w", key, err)
	}
	return nil
}

// headers are the headers an object is stored with, which S3 serves it with (to a CDN
// or visitors of a public bucket, under --media-url): its type, the immutable caching of
// every stored file, and PDFs as downloads, as mediaendpoint serves them.
func headers(key string) (contentType, cacheControl, disposition string) {
	b, err := media.ParsePath(key)
	if err == nil {
		contentType = b.Type
	}
	if b.Type == "application/pdf" {
		disposition = "attachment; filename=" + b.Hash[:12] + ".pdf"
	}
	return contentType, "public, max-age=31536000, immutable", disposition
}

// cleanup runs f, which tidies up after ctx's upload, even when ctx is done: an upload
// abandoned by its client is cleaned up all the same.
func (s *Store) cleanup(ctx context.Context, what string, f func(ctx context.Context) error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err := f(ctx); err != nil {
		s.logger.WarnContext(ctx, "media: "+what, "err", err)
	}
}
