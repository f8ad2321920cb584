package fsblob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/indiepub/indiepub/internal/media"
)

// ReceiveRaw is Receive for large files: head is the content's first bytes, already read
// and at least HeadSize long unless the content is shorter; body is the rest of the
// request. The raw bytes go into the temp file as they come, and a second goroutine reads
// them back from the page cache while the next ones arrive, hashing the content and
// finding its end with body.End; once it is found, the file is cut there and the rest of
// the body is left unread. Receiving a file so costs one copy of its bytes (into the page
// cache, inside the kernel) where Receive costs two, and the hashing runs beside it.
//
// Bytes after the content's end that had already arrived are written and cut off again:
// usually only the closing boundary, but as much as the receiving runs ahead of the
// hashing (Config.RawLead and a step) when other parts follow.
func (s *Store) ReceiveRaw(_ context.Context, head []byte, body *media.RawBody, max int64) (*media.Received, error) {
	return s.receive(func(f *os.File) (string, int64, error) { return s.writeRaw(f, head, body, max) })
}

// RawHelps tells whether ReceiveRaw is worth its while here. It is not on a memory file
// system (tmpfs): there the file's pages cannot be dropped once written, every page is
// fresh memory, and reading the body into a buffer measured faster.
func (s *Store) RawHelps() bool { return !s.inMemory }

// Raw receiving: the receiving goroutine moves up to a step of bytes at a time from the
// connection into the file and tells the hashing goroutine, which reads them back in
// windows of up to a window's bytes. Small steps let the hashing start early and follow
// closely; a window counts in the process's resident memory while it is mapped. The
// receiving waits when it is a lead of bytes ahead, so that it stops soon after the
// content's end and the page cache behind the hashing stays bounded.
//
// These are the sizes unless Config says otherwise (tests make them small).
const (
	defaultRawStep   int64 = 1 << 20
	defaultRawWindow int64 = 4 << 20
	defaultRawLead   int64 = 32 << 20
)

// rawSizes are a store's step, window and lead.
type rawSizes struct{ step, window, lead int64 }

func newRawSizes(cfg Config) rawSizes {
	or := func(v, def int64) int64 {
		if v > 0 {
			return v
		}
		return def
	}
	return rawSizes{or(cfg.RawStep, defaultRawStep), or(cfg.RawWindow, defaultRawWindow), or(cfg.RawLead, defaultRawLead)}
}

// rawProgress is what the receiving goroutine and the hashing goroutine tell each other.
type rawProgress struct {
	mu      sync.Mutex
	more    sync.Cond // written grew, or final was set
	room    sync.Cond // hashed grew, or stopped was set
	written int64     // bytes in the file
	seen    int64     // file bytes the hashing has looked at
	hashed  int64     // file bytes the hashing is done with
	final   bool      // no more bytes will come
	stopped bool      // the hashing is done: the end is found, or an error
	lead    int64     // how far the receiving may run ahead of the hashing
}

func newRawProgress(hashed, written, lead int64) *rawProgress {
	pr := &rawProgress{seen: hashed, hashed: hashed, written: written, lead: lead}
	pr.more.L, pr.room.L = &pr.mu, &pr.mu
	return pr
}

// add reports n more bytes in the file.
func (pr *rawProgress) add(n int64) {
	pr.mu.Lock()
	pr.written += n
	pr.mu.Unlock()
	pr.more.Signal()
}

// finish reports that no more bytes will come.
func (pr *rawProgress) finish() {
	pr.mu.Lock()
	pr.final = true
	pr.mu.Unlock()
	pr.more.Signal()
}

// wait waits until the file holds more than seen bytes or no more will come.
func (pr *rawProgress) wait(seen int64) (written int64, final bool) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	for pr.written <= seen && !pr.final {
		pr.more.Wait()
	}
	return pr.written, pr.final
}

// hashedTo reports that the hashing has looked at the file's first seen bytes and is
// done with the first hashed.
func (pr *rawProgress) hashedTo(seen, hashed int64) {
	pr.mu.Lock()
	pr.seen, pr.hashed = seen, hashed
	pr.mu.Unlock()
	pr.room.Signal()
}

// stop reports that the hashing is done.
func (pr *rawProgress) stop() {
	pr.mu.Lock()
	pr.stopped = true
	pr.mu.Unlock()
	pr.room.Signal()
}

func (pr *rawProgress) isStopped() bool {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return pr.stopped
}

// waitRoom waits until the receiving is less than pr.lead bytes ahead of what the
// hashing has looked at (never when the hashing waits for more). It returns how far the
// hashing is done, and false once it has stopped.
func (pr *rawProgress) waitRoom() (hashed int64, ok bool) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	for pr.written-pr.seen >= pr.lead && !pr.stopped {
		pr.room.Wait()
	}
	return pr.hashed, !pr.stopped
}

// writeRaw writes head and then the raw body to f while hashing the content, cuts f at
// the content's end and syncs it.
func (s *Store) writeRaw(f *os.File, head []byte, body *media.RawBody, max int64) (hash string, size int64, err error) {
	for _, b := range [][]byte{head, body.Buffered} {
		if _, err := f.Write(b); err != nil {
			return "", 0, fmt.Errorf("media: write %s: %w", f.Name(), err)
		}
	}
	pr := newRawProgress(int64(len(head)), int64(len(head)+len(body.Buffered)), s.raw.lead)
	if !s.inMemory {
		if err := preallocate(f, pr.written, body.Remaining); err != nil {
			return "", 0, fmt.Errorf("media: make room for %s: %w", f.Name(), err)
		}
	}
	var (
		sum     []byte
		hashErr error
		done    = make(chan struct{})
	)
	go func() {
		defer close(done)
		size, sum, hashErr = hashRaw(f, head, body.End, pr, max, s.raw.window)
		pr.stop()
		// The receiving may be waiting for bytes that are no longer wanted.
		if conn, ok := body.Conn.(readDeadliner); ok {
			conn.SetReadDeadline(time.Now())
		}
	}()
	recvErr := receiveConn(f, body, pr, s.raw.step)
	pr.finish()
	<-done
	switch {
	case hashErr == nil:
		// The content is whole, whatever happened to the bytes after it.
	case recvErr != nil && !errors.Is(hashErr, media.ErrTooLarge):
		return "", 0, recvErr
	default:
		return "", 0, hashErr
	}
	if err := f.Truncate(size); err != nil {
		return "", 0, fmt.Errorf("media: cut %s: %w", f.Name(), err)
	}
	if err := f.Sync(); err != nil {
		return "", 0, fmt.Errorf("media: sync %s: %w", f.Name(), err)
	}
	return hex.EncodeToString(sum), size, nil
}

// receiveConn moves body.Conn's bytes to the end of f, up to step at a time, until the body ends or the hashing
// goroutine stops, telling the hashing goroutine of every move. A connection that ends
// early or fails is not an error here: the hashing goroutine then finds the content
// unfinished. Only a failure to write is.
func receiveConn(f *os.File, body *media.RawBody, pr *rawProgress, step int64) error {
	move, closeMover := newMover(f, body.Conn, step)
	defer closeMover()
	wb := newWriteback(f, pr.written)
	deadline, _ := body.Conn.(readDeadliner)
	start, received := time.Now(), int64(0)
	for body.Remaining > 0 {
		hashed, ok := pr.waitRoom()
		if !ok {
			return nil
		}
		wb.drop(hashed)
		if deadline != nil && (body.IdleTimeout > 0 || body.MinRate > 0) {
			deadline.SetReadDeadline(body.Deadline(start, received))
			// The hashing stops, then cuts the wait short: set after that, the deadline
			// above would not be cut, so look again.
			if pr.isStopped() {
				return nil
			}
		}
		n, err := move(int(min(step, body.Remaining)))
		body.Remaining -= int64(n)
		received += int64(n)
		pr.add(int64(n))
		wb.written(int64(n))
		var werr *writeError
		switch {
		case errors.As(err, &werr):
			return fmt.Errorf("media: receive into %s: %w", f.Name(), werr.err)
		case errors.Is(err, os.ErrDeadlineExceeded) && !pr.isStopped():
			return fmt.Errorf("%w (%v without a byte, or under %d bytes per second)", media.ErrTimeout, body.IdleTimeout, body.MinRate)
		case err != nil || n == 0:
			return nil // the connection failed or ended
		}
	}
	return nil
}

// readDeadliner is a connection whose reads can be given a deadline.
type readDeadliner interface{ SetReadDeadline(time.Time) error }

// A mover moves at most max bytes, as many as have come, from a connection to the end
// of a file; it reports a failure to write as a *writeError.
type mover func(max int) (int, error)

type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

// readMover reads the connection into a buffer and writes that to the file: for
// connections the kernel cannot splice from.
func readMover(f *os.File, conn io.Reader) mover {
	buf := make([]byte, 256<<10)
	return func(max int) (int, error) {
		n, err := conn.Read(buf[:min(max, len(buf))])
		if n > 0 {
			if _, werr := f.Write(buf[:n]); werr != nil {
				return 0, &writeError{werr}
			}
		}
		if err == io.EOF && n > 0 {
			err = nil
		}
		return n, err
	}
}

// hashRaw reads the file back behind the receiving goroutine, from the end of head on,
// and hashes the content up to its end, window bytes at most at a time. It reads through a memory mapping of the part
// just written, which costs no copy: the bytes are hashed where the kernel put them.
func hashRaw(f *os.File, head []byte, end func([]byte, int64, bool) (int, bool, error), pr *rawProgress, max, window int64) (size int64, sum []byte, err error) {
	rb := newReadBack(f)
	defer rb.release()
	// A mapped page the file no longer backs would stop the process (SIGBUS); this file
	// is the store's own and is not cut before the hashing ends, but a fault becomes an
	// error here all the same.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("media: read back %s: %v", f.Name(), v)
		}
	}()
	h := sha256.New()
	h.Write(head)
	total := int64(len(head)) // content hashed, which is also the file offset to read next
	seen := total             // how far End has been shown the file
	for {
		written, final := pr.wait(seen)
		buf, err := rb.view(total, min(written-total, window))
		if err != nil {
			return 0, nil, err
		}
		last := final && total+int64(len(buf)) == written
		c, ended, err := end(buf, total, last)
		h.Write(buf[:c])
		rb.release()
		seen = total + int64(len(buf))
		total += int64(c)
		pr.hashedTo(seen, total)
		switch {
		case total > max:
			return 0, nil, fmt.Errorf("%w: more than %d bytes", media.ErrTooLarge, max)
		case err != nil:
			return 0, nil, err
		case ended:
			return total, h.Sum(nil), nil
		case c == 0 && (last || int64(len(buf)) == window):
			// End must take some of the last bytes or fail, and take some of a full
			// window: otherwise no more bytes would make it decide.
			return 0, nil, fmt.Errorf("media: content end not found: %w", io.ErrUnexpectedEOF)
		}
	}
}
