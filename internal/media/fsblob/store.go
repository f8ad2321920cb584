// Package fsblob is the media service's blob store on the local disk (media.Blobs): a
// blob is streamed to a temp file while it is hashed, synced, and then linked into place
// under its key, so that different bytes never overwrite each other and a file appears
// under its final name only once it is complete. Receiving a request body raw, straight
// from its connection (media.RawReceiver), is its optional capability, in the raw*.go
// files; writeback_*.go (dropping written pages from the cache, reserving disk space)
// serves both ways. It is named fsblob rather than fs so that it does not shadow io/fs,
// which it uses.
package fsblob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/indiepub/indiepub/internal/media"
)

// Config configures a Store.
type Config struct {
	// Dir is the media folder; blobs live at Dir/<key> (Dir/ab/cd/<sha256><ext>) and
	// temp files in Dir/.tmp.
	Dir string
	// Logger logs what a caller's error does not say (a disk filling up and emptying, a
	// directory that would not sync); nil discards it.
	Logger *slog.Logger
	// RawStep, RawWindow and RawLead size raw receiving (raw.go): the bytes moved from
	// the connection at a time, the most hashed at a time, and how far the receiving may
	// run ahead of the hashing. Zero means 1 MiB, 4 MiB and 32 MiB; tests make them small
	// so that short bodies cross many of their edges.
	RawStep, RawWindow, RawLead int64
}

// Store keeps blobs as files under their keys. It implements media.Blobs and
// media.RawReceiver.
type Store struct {
	dir string
	tmp string
	// inMemory says the folder is on a memory file system (tmpfs), where raw receiving
	// does not pay and disk space is not reserved.
	inMemory bool
	// space names and logs the writes refused for want of disk (space.go).
	space  *spaceLatch
	logger *slog.Logger
	// raw sizes raw receiving.
	raw rawSizes
}

var (
	_ media.Blobs       = (*Store)(nil)
	_ media.RawReceiver = (*Store)(nil)
)

// New opens the store at cfg.Dir, creating it if needed, and removes temp files that an
// earlier process left behind when it stopped in the middle of an upload. The store it
// returns is usable even with an error (uploads try to create the folders again), so
// that a server can start and report the problem.
func New(cfg Config) (*Store, error) {
	s := &Store{dir: cfg.Dir, tmp: filepath.Join(cfg.Dir, ".tmp"), logger: cfg.Logger, raw: newRawSizes(cfg)}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	s.space = &spaceLatch{logger: s.logger}
	if err := os.MkdirAll(s.tmp, 0o755); err != nil {
		return s, fmt.Errorf("media store: %w", err)
	}
	s.inMemory = inMemory(s.tmp)
	return s, s.sweep()
}

// Dir returns the media folder.
func (s *Store) Dir() string { return s.dir }

// sweep removes every temp file: one process owns a data directory, so at startup no
// upload can be in flight.
func (s *Store) sweep() error {
	entries, err := os.ReadDir(s.tmp)
	if err != nil {
		return fmt.Errorf("media store: %w", err)
	}
	for _, e := range entries {
		if err := os.Remove(filepath.Join(s.tmp, e.Name())); err != nil {
			return fmt.Errorf("media store: remove stale temp file: %w", err)
		}
	}
	return nil
}

// pending is a received blob, hashed and synced under a temp name, not yet visible at
// its key.
type pending struct {
	s    *Store
	f    *os.File
	size int64
}

// Receive streams head and then r to a temp file while hashing them. When it fails
// nothing is left behind; when it succeeds, the caller must Commit or Discard.
func (s *Store) Receive(_ context.Context, head []byte, r io.Reader, max int64) (*media.Received, error) {
	return s.receive(func(f *os.File) (string, int64, error) { return s.write(f, head, r, max) })
}

// receive creates the temp file and has write fill it.
func (s *Store) receive(write func(*os.File) (hash string, size int64, err error)) (*media.Received, error) {
	if err := os.MkdirAll(s.tmp, 0o755); err != nil {
		return nil, s.space.check(fmt.Errorf("media: %w", err), s.dir)
	}
	f, err := os.CreateTemp(s.tmp, "upload-*")
	if err != nil {
		return nil, s.space.check(fmt.Errorf("media: %w", err), s.dir)
	}
	p := &pending{s: s, f: f}
	hash, size, err := write(f)
	if err != nil {
		p.Discard()
		return nil, s.space.check(err, s.dir)
	}
	p.size = size
	return &media.Received{Hash: hash, Size: size, Pending: p}, nil
}

// Content reads the temp file from the start.
func (p *pending) Content() io.Reader { return io.NewSectionReader(p.f, 0, p.size) }

// Commit makes the file visible at key. Committing bytes that are already stored keeps
// the existing file, which holds the same bytes.
func (p *pending) Commit(_ context.Context, key string) error {
	return p.s.space.check(p.s.place(p.f, key), p.s.dir)
}

// Discard removes the temp file; after Commit it removes only the temp name.
func (p *pending) Discard() {
	p.f.Close()
	os.Remove(p.f.Name())
}

// The upload pipeline: the receiving goroutine fills chunks from the request and hands
// each one at the same time to a writing goroutine and a hashing goroutine, so that
// socket reads, file writes and hashing, which cost about the same per byte, run side by
// side; a chunk is refilled once both are done with it. chunks buffers of chunkSize keep
// memory flat whatever the file size while leaving each stage a few chunks of slack.
const (
	chunkSize = 256 << 10
	chunks    = 8
	// minFill is how full the receiving goroutine fills a chunk before passing it on,
	// unless the file ends first: a partly filled chunk costs a little more per byte
	// downstream, while filling the last few bytes of a chunk would cost extra small
	// reads, or a copy through the multipart reader's buffer.
	minFill = chunkSize - chunkSize/4
)

// bufPool holds chunk buffers between uploads.
var bufPool = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}

// chunk is one buffer of the pipeline.
type chunk struct {
	buf  *[]byte
	n    int
	refs atomic.Int32 // stages still using the chunk
}

func (c *chunk) data() []byte { return (*c.buf)[:c.n] }

// write copies head and then r to f while hashing them, and syncs f. It stops as soon as
// max bytes are passed or a write fails.
func (s *Store) write(f *os.File, head []byte, r io.Reader, max int64) (hash string, size int64, err error) {
	free := make(chan *chunk, chunks)
	for range chunks {
		free <- &chunk{buf: bufPool.Get().(*[]byte)}
	}
	defer func() {
		for range chunks {
			bufPool.Put((<-free).buf)
		}
	}()
	release := func(c *chunk) {
		if c.refs.Add(-1) == 0 {
			free <- c
		}
	}
	toWrite := make(chan *chunk, chunks)
	toHash := make(chan *chunk, chunks)
	var wg sync.WaitGroup
	h := sha256.New()
	wg.Go(func() {
		for c := range toHash {
			h.Write(c.data())
			release(c)
		}
	})
	var writeErr error
	var writeFailed atomic.Bool
	wg.Go(func() {
		wb := newWriteback(f, 0)
		for c := range toWrite {
			if writeErr == nil {
				if _, err := f.Write(c.data()); err != nil {
					writeErr = fmt.Errorf("media: write %s: %w", f.Name(), err)
					writeFailed.Store(true)
				} else {
					wb.written(int64(c.n))
					wb.drop(math.MaxInt64) // the chunks are hashed from memory, not the file
				}
			}
			release(c)
		}
	})
	total := int64(0)
	err = func() error {
		defer close(toHash)
		defer close(toWrite)
		first := true
		for !writeFailed.Load() {
			c := <-free
			b := (*c.buf)[:cap(*c.buf)]
			n := 0
			if first {
				n = copy(b, head)
				first = false
			}
			m, eof, rerr := media.Fill(r, b[n:], minFill-n)
			n += m
			total += int64(n)
			if total > max {
				free <- c
				return fmt.Errorf("%w: more than %d bytes", media.ErrTooLarge, max)
			}
			if n > 0 {
				c.n = n
				c.refs.Store(2)
				toWrite <- c
				toHash <- c
			} else {
				free <- c
			}
			if rerr != nil {
				return rerr
			}
			if eof {
				return nil
			}
		}
		return nil
	}()
	wg.Wait()
	if err == nil {
		err = writeErr
	}
	if err != nil {
		return "", 0, err
	}
	if err := f.Sync(); err != nil {
		return "", 0, fmt.Errorf("media: sync %s: %w", f.Name(), err)
	}
	return hex.EncodeToString(h.Sum(nil)), total, nil
}

// place links the synced temp file to key's path. A link, unlike a rename, never
// replaces an existing file: if the path exists, it holds the same bytes already.
func (s *Store) place(f *os.File, key string) error {
	final, err := s.path(key)
	if err != nil {
		return err
	}
	dir := filepath.Dir(final)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	err = os.Link(f.Name(), final)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("media: link %s: %w", key, err)
	}
	// The new directory entry must survive a crash too.
	if d, err := os.Open(dir); err == nil {
		if err := d.Sync(); err != nil {
			s.logger.Warn("media: sync directory", "dir", dir, "err", err)
		}
		d.Close()
	}
	return nil
}

// path is the file that holds key. Keys are relative paths with forward slashes that
// stay inside the folder and out of its temp files.
func (s *Store) path(key string) (string, error) {
	p := filepath.FromSlash(key)
	if !filepath.IsLocal(p) || strings.HasPrefix(key, ".") {
		return "", fmt.Errorf("%w: %s", media.ErrNotFound, key)
	}
	return filepath.Join(s.dir, p), nil
}

// Stat describes the blob at key.
func (s *Store) Stat(_ context.Context, key string) (media.Info, error) {
	path, err := s.path(key)
	if err != nil {
		return media.Info{}, err
	}
	fi, err := os.Stat(path)
	return info(key, fi, err)
}

// info makes the Info of a regular file; anything else is not found.
func info(key string, fi fs.FileInfo, err error) (media.Info, error) {
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.Mode().IsRegular()) {
		return media.Info{}, fmt.Errorf("%w: %s", media.ErrNotFound, key)
	}
	if err != nil {
		return media.Info{}, fmt.Errorf("media: %w", err)
	}
	return media.Info{Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Open opens the blob at key for reading.
func (s *Store) Open(_ context.Context, key string) (io.ReadSeekCloser, media.Info, error) {
	path, err := s.path(key)
	if err != nil {
		return nil, media.Info{}, err
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, media.Info{}, fmt.Errorf("%w: %s", media.ErrNotFound, key)
	}
	if err != nil {
		return nil, media.Info{}, fmt.Errorf("media: %w", err)
	}
	fi, err := f.Stat()
	in, err := info(key, fi, err)
	if err != nil {
		f.Close()
		return nil, media.Info{}, err
	}
	return f, in, nil
}

// Remove deletes the blob at key.
func (s *Store) Remove(_ context.Context, key string) error {
	path, err := s.path(key)
	if err != nil {
		return err
	}
	err = os.Remove(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s", media.ErrNotFound, key)
	}
	if err != nil {
		return fmt.Errorf("media: remove %s: %w", key, err)
	}
	return nil
}
