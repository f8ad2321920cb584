package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"
)

// Errors of uploads and lookups. The first three are the uploader's fault; ErrNoSpace is
// the server's, and passes.
var (
	ErrTooLarge = errors.New("file too large")
	ErrEmpty    = errors.New("file is empty")
	ErrType     = errors.New("file type not accepted")
	ErrNotFound = errors.New("no such file")
	// ErrNoSpace says that a file could not be stored for want of disk space (ENOSPC, or
	// EDQUOT for a quota).
	ErrNoSpace = errors.New("no space left on the disk for the file")
)

// Blobs is where the bytes of uploads live, each under a key the service makes from its
// hash and type (Blob.Path). The store never overwrites: the same key always holds the
// same bytes. fsblob.Store, on the local disk, is the first implementation.
type Blobs interface {
	// Receive streams head and then r into a new blob while hashing them, up to max bytes
	// (ErrTooLarge beyond), and keeps it out of sight until Commit. When Receive fails
	// nothing is left behind; when it succeeds, the caller must Commit or Discard.
	Receive(ctx context.Context, head []byte, r io.Reader, max int64) (*Received, error)
	// Open opens the blob at key for reading, Seek giving ranges; ErrNotFound if none.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, Info, error)
	// Remove removes the blob at key; ErrNotFound if none.
	Remove(ctx context.Context, key string) error
	// Stat describes the blob at key; ErrNotFound if none.
	Stat(ctx context.Context, key string) (Info, error)
}

// RawReceiver is an optional capability of a Blobs: receiving the rest of a request body
// raw, straight from its connection (see RawBody). The service finds it by a type
// assertion; fsblob.Store has it.
type RawReceiver interface {
	// ReceiveRaw is Receive for a body whose first bytes, head, have been read already
	// and whose rest comes raw.
	ReceiveRaw(ctx context.Context, head []byte, body *RawBody, max int64) (*Received, error)
	// RawHelps tells whether ReceiveRaw is worth its while on this store.
	RawHelps() bool
}

// Received is a blob received and durable, not yet visible under a key.
type Received struct {
	Hash string // hex SHA-256 of the content
	Size int64
	Pending
}

// Pending is what a Blobs keeps of a blob it has received until it is committed.
type Pending interface {
	// Content reads the blob's bytes from the start, to check them before Commit.
	Content() io.Reader
	// Commit makes the blob visible at key. A blob already there holds the same bytes
	// and stays.
	Commit(ctx context.Context, key string) error
	// Discard forgets what Commit did not make visible.
	Discard()
}

// Info describes a stored blob.
type Info struct {
	Size    int64
	ModTime time.Time
}

// Blob is a stored file.
type Blob struct {
	Hash string // hex SHA-256 of the content
	Type string // media type, sniffed from the content
	Size int64
}

// Ext is the file extension that goes with the blob's type, with the dot.
func (b Blob) Ext() string { return extensions[b.Type] }

// Path is the blob's key, and its path under the media URL, with forward slashes:
// "ab/cd/abcd…<ext>".
func (b Blob) Path() string {
	return b.Hash[0:2] + "/" + b.Hash[2:4] + "/" + b.Hash + b.Ext()
}

// pathRE matches the paths Blob.Path makes, and nothing else: no dots, no slashes
// elsewhere, so no path that reaches outside the store.
var pathRE = regexp.MustCompile(`^([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})(\.[a-z0-9]{2,5})$`)

// ParsePath returns the blob that path (as made by Blob.Path) names, its size unknown, or
// ErrNotFound for a path that Blob.Path does not make.
func ParsePath(path string) (Blob, error) {
	m := pathRE.FindStringSubmatch(path)
	if m == nil || m[3][0:2] != m[1] || m[3][2:4] != m[2] || types[m[4]] == "" {
		return Blob{}, fmt.Errorf("%w: %s", ErrNotFound, path)
	}
	return Blob{Hash: m[3], Type: types[m[4]]}, nil
}

// Fill reads from r into b until it holds at least min bytes or r ends. Unlike
// io.ReadAtLeast it tells a clean end (io.EOF) from a reader that failed with
// io.ErrUnexpectedEOF, as a truncated multipart part does.
func Fill(r io.Reader, b []byte, min int) (n int, eof bool, err error) {
	for n < min && n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err == io.EOF {
			return n, true, nil
		}
		if err != nil {
			return n, false, fmt.Errorf("media: read: %w", err)
		}
	}
	return n, false, nil
}
