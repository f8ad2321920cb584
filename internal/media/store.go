// Package media stores uploaded files by the SHA-256 of their content: the same bytes give
// the same path, different bytes never overwrite each other, and a file appears under its
// final name only once it is complete and synced. It knows the file types it accepts by
// their bytes, not by what a client says. It knows nothing of posts or SQL.
package media

import (
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
	"regexp"
	"sync"
	"sync/atomic"
)

// Errors Put and Open return. The first three are the uploader's fault.
var (
	ErrTooLarge = errors.New("file too large")
	ErrEmpty    = errors.New("file is empty")
	ErrType     = errors.New("file type not accepted")
	ErrNotFound = errors.New("no such file")
)

// DefaultTypes are the media types accepted when Config.Types is empty.
var DefaultTypes = []string{"image/*", "audio/*", "video/*", "application/pdf"}

// DefaultMaxSize is the largest file accepted when Config.MaxSize is 0: 100 MiB.
const DefaultMaxSize = 100 << 20

// Config configures a Store.
type Config struct {
	// Dir is the media folder; files live at Dir/ab/cd/<sha256><ext> and temp files in
	// Dir/.tmp.
	Dir string
	// Types lists accepted media types, exact ("application/pdf") or by major type
	// ("image/*"); DefaultTypes if empty. Only types this package can recognise by their
	// bytes can be accepted at all (see Sniff).
	Types []string
	// MaxSize is the largest file in bytes; DefaultMaxSize if 0.
	MaxSize int64
	// Logger logs what a caller's error does not say (a disk filling up and emptying, a
	// directory that would not sync); slog.Default() if nil.
	Logger *slog.Logger
}

// Store keeps files under their content address.
type Store struct {
	dir     string
	tmp     string
	types   []string
	maxSize int64
	// inMemory says the folder is on a memory file system (tmpfs), where raw receiving
	// does not pay and disk space is not reserved.
	inMemory bool
	// space names and logs the writes refused for want of disk (space.go).
	space  *spaceLatch
	logger *slog.Logger
}

// Blob is a stored file.
type Blob struct {
	Hash string // hex SHA-256 of the content
	Type string // media type, sniffed from the content
	Size int64
}

// Ext is the file extension that goes with the blob's type, with the dot.
func (b Blob) Ext() string { return extensions[b.Type] }

// Path is the blob's path relative to the store folder, with forward slashes:
// "ab/cd/abcd…<ext>".
func (b Blob) Path() string {
	return b.Hash[0:2] + "/" + b.Hash[2:4] + "/" + b.Hash + b.Ext()
}

// New opens the store at cfg.Dir, creating it if needed, and removes temp files that an
// earlier process left behind when it stopped in the middle of an upload. The store it
// returns is usable even with an error (uploads try to create the folders again), so
// that a server can start and report the problem.
func New(cfg Config) (*Store, error) {
	s := &Store{dir: cfg.Dir, tmp: filepath.Join(cfg.Dir, ".tmp"), types: cfg.Types, maxSize: cfg.MaxSize,
		logger: cfg.Logger}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	s.space = &spaceLatch{logger: s.logger}
	if len(s.types) == 0 {
		s.types = DefaultTypes
	}
	if s.maxSize <= 0 {
		s.maxSize = DefaultMaxSize
	}
	if err := os.MkdirAll(s.tmp, 0o755); err != nil {
		return s, fmt.Errorf("media store: %w", err)
	}
	s.inMemory = inMemory(s.tmp)
	return s, s.sweep()
}

// Dir returns the media folder.
func (s *Store) Dir() string { return s.dir }

// MaxSize returns the largest file the store accepts.
func (s *Store) MaxSize() int64 { return s.maxSize }

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

// Put streams r into the store and makes it visible: Receive then Commit.
func (s *Store) Put(r io.Reader, declared string) (Blob, error) {
	p, err := s.Receive(r, declared)
	if err != nil {
		return Blob{}, err
	}
	defer p.Discard()
	if err := p.Commit(); err != nil {
		return Blob{}, err
	}
	return p.Blob, nil
}

// Pending is a received file, hashed, typed and synced under a temp name, not yet
// visible at its path.
type Pending struct {
	Blob
	s *Store
	f *os.File
}

// Receive streams r to a temp file while hashing it. declared is the media type the
// client gave ("" if none); the type kept is the one sniffed from the bytes, which must be
// accepted and must not contradict declared. When Receive fails nothing is left behind;
// when it succeeds, the caller must Commit or Discard.
func (s *Store) Receive(r io.Reader, declared string) (*Pending, error) {
	head := make([]byte, HeadSize)
	n, _, err := fill(r, head, len(head))
	if err != nil {
		return nil, err
	}
	return s.receive(head[:n], declared, func(f *os.File) (Blob, error) { return s.write(f, head[:n], r) })
}

// receive checks the type of the content that begins with head, creates the temp file
// and has write fill it.
func (s *Store) receive(head []byte, declared string, write func(*os.File) (Blob, error)) (*Pending, error) {
	typ, err := s.check(head, declared)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.tmp, 0o755); err != nil {
		return nil, s.space.check(fmt.Errorf("media: %w", err), s.dir)
	}
	f, err := os.CreateTemp(s.tmp, "upload-*")
	if err != nil {
		return nil, s.space.check(fmt.Errorf("media: %w", err), s.dir)
	}
	p := &Pending{s: s, f: f}
	ok := false
	defer func() {
		if !ok {
			p.Discard()
		}
	}()
	if p.Blob, err = write(f); err != nil {
		return nil, s.space.check(err, s.dir)
	}
	p.Type = typ
	if typ == "image/svg+xml" {
		if err := checkSVG(f); err != nil {
			return nil, err
		}
	}
	ok = true
	return p, nil
}

// Commit makes the file visible at its path. Committing bytes that are already stored
// keeps the existing file, which holds the same bytes.
func (p *Pending) Commit() error { return p.s.space.check(p.s.place(p.f, p.Blob), p.s.dir) }

// Discard removes the temp file; after Commit it removes only the temp name.
func (p *Pending) Discard() {
	p.f.Close()
	os.Remove(p.f.Name())
}

// check sniffs head and returns its type if it is accepted and agrees with declared.
func (s *Store) check(head []byte, declared string) (string, error) {
	if len(head) == 0 {
		return "", ErrEmpty
	}
	typ := Sniff(head)
	if !s.Accepts(typ) {
		return "", fmt.Errorf("%w: %s", ErrType, typ)
	}
	if !Agrees(declared, typ) {
		return "", fmt.Errorf("%w: declared %s but the content is %s", ErrType, declared, typ)
	}
	return typ, nil
}

// Accepts reports whether typ is on the allow-list and known to the store.
func (s *Store) Accepts(typ string) bool {
	if extensions[typ] == "" {
		return false
	}
	for _, pattern := range s.types {
		if matchType(pattern, typ) {
			return true
		}
	}
	return false
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
// the size limit is passed or a write fails.
func (s *Store) write(f *os.File, head []byte, r io.Reader) (Blob, error) {
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
	err := func() error {
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
			m, eof, rerr := fill(r, b[n:], minFill-n)
			n += m
			total += int64(n)
			if total > s.maxSize {
				free <- c
				return fmt.Errorf("%w: more than %d bytes", ErrTooLarge, s.maxSize)
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
		return Blob{}, err
	}
	if err := f.Sync(); err != nil {
		return Blob{}, fmt.Errorf("media: sync %s: %w", f.Name(), err)
	}
	return Blob{Hash: hex.EncodeToString(h.Sum(nil)), Size: total}, nil
}

// fill reads from r into b until it holds at least min bytes or r ends. Unlike
// io.ReadAtLeast it tells a clean end (io.EOF) from a reader that failed with
// io.ErrUnexpectedEOF, as a truncated multipart part does.
func fill(r io.Reader, b []byte, min int) (n int, eof bool, err error) {
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

// place links the synced temp file to the blob's path. A link, unlike a rename, never
// replaces an existing file: if the path exists, it holds the same bytes already.
func (s *Store) place(f *os.File, b Blob) error {
	final := filepath.Join(s.dir, filepath.FromSlash(b.Path()))
	dir := filepath.Dir(final)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	err := os.Link(f.Name(), final)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("media: link %s: %w", b.Path(), err)
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

// pathRE matches the paths Blob.Path makes, and nothing else: no dots, no slashes
// elsewhere, so no path that reaches outside the store.
var pathRE = regexp.MustCompile(`^([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})(\.[a-z0-9]{2,5})$`)

// Lookup returns the blob stored at path (as made by Blob.Path), or ErrNotFound.
func (s *Store) Lookup(path string) (Blob, error) {
	m := pathRE.FindStringSubmatch(path)
	if m == nil || m[3][0:2] != m[1] || m[3][2:4] != m[2] || types[m[4]] == "" {
		return Blob{}, fmt.Errorf("%w: %s", ErrNotFound, path)
	}
	fi, err := os.Stat(filepath.Join(s.dir, filepath.FromSlash(path)))
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.Mode().IsRegular()) {
		return Blob{}, fmt.Errorf("%w: %s", ErrNotFound, path)
	}
	if err != nil {
		return Blob{}, fmt.Errorf("media: %w", err)
	}
	return Blob{Hash: m[3], Type: types[m[4]], Size: fi.Size()}, nil
}

// Open opens the blob stored at path for reading.
func (s *Store) Open(path string) (*os.File, Blob, error) {
	b, err := s.Lookup(path)
	if err != nil {
		return nil, Blob{}, err
	}
	f, err := os.Open(filepath.Join(s.dir, filepath.FromSlash(b.Path())))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Blob{}, fmt.Errorf("%w: %s", ErrNotFound, path)
	}
	if err != nil {
		return nil, Blob{}, fmt.Errorf("media: %w", err)
	}
	return f, b, nil
}

// Remove deletes the blob stored at path.
func (s *Store) Remove(path string) error {
	b, err := s.Lookup(path)
	if err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(s.dir, filepath.FromSlash(b.Path()))); err != nil {
		return fmt.Errorf("media: remove %s: %w", path, err)
	}
	return nil
}
