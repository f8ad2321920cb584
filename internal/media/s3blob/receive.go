package s3blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"slices"
	"strconv"
	"sync"

	"github.com/minio/minio-go/v7"

	"github.com/indiepub/indiepub/internal/media"
)

// buffersPerUpload is how many part buffers one upload holds: one being filled from the
// client while the others are sent, so that reading the body and sending it overlap.
const buffersPerUpload = 3

// Receive streams head and then r into S3 while hashing them. A body of one part stays in
// memory until Commit; a larger one becomes temporary objects, one per part, all deleted
// if anything fails, r's error, max passed or ctx done included.
func (s *Store) Receive(ctx context.Context, head []byte, r io.Reader, max int64) (*media.Received, error) {
	rc := &receiver{s: s, ctx: ctx, h: sha256.New(), free: make(chan *[]byte, buffersPerUpload)}
	for range buffersPerUpload {
		rc.free <- s.buffers.get()
	}
	p, err := rc.run(io.MultiReader(bytes.NewReader(head), r), max)
	if err != nil {
		rc.fail()
		return nil, err
	}
	return p, nil
}

// receiver is one upload being received.
type receiver struct {
	s    *Store
	ctx  context.Context
	h    hash.Hash
	free chan *[]byte // buffers not in use
	// first is the first part, held until a second one shows that the body needs
	// several.
	first *[]byte
	up    *upload
}

// run reads parts from r and sends them, and returns the received blob.
func (rc *receiver) run(r io.Reader, max int64) (*media.Received, error) {
	var total int64
	for n := 1; ; n++ {
		if err := rc.ctx.Err(); err != nil {
			return nil, fmt.Errorf("media: receive: %w", err)
		}
		if rc.up != nil {
			if err := rc.up.failed(); err != nil {
				return nil, err
			}
		}
		buf := <-rc.free
		m, eof, err := media.Fill(r, *buf, len(*buf))
		total += int64(m)
		if err == nil && total > max {
			err = fmt.Errorf("%w: more than %d bytes", media.ErrTooLarge, max)
		}
		if err == nil && n > maxParts {
			err = fmt.Errorf("%w: more than %d parts of %d bytes", media.ErrTooLarge, maxParts, len(*buf))
		}
		if err != nil {
			rc.free <- buf
			return nil, err
		}
		rc.h.Write((*buf)[:m])
		part := (*buf)[:m]
		switch {
		case m == 0 && n > 1:
			rc.free <- buf
			return rc.finish(total)
		case n == 1:
			rc.first = buf
			*rc.first = part
			if eof {
				return rc.finish(total)
			}
			continue
		case n == 2:
			rc.start()
		}
		rc.up.send(n, buf, part)
		if eof {
			return rc.finish(total)
		}
	}
}

// start names the upload's temporary objects and sends the first part.
func (rc *receiver) start() {
	var rnd [16]byte
	rand.Read(rnd[:])
	rc.up = &upload{s: rc.s, ctx: rc.ctx, name: rc.s.prefix + tmpDir + "upload-" + hex.EncodeToString(rnd[:]), free: rc.free}
	first := rc.first
	rc.first = nil
	rc.up.send(1, first, *first)
}

// finish completes what was received: the one part kept in memory, or the parts sent.
func (rc *receiver) finish(size int64) (*media.Received, error) {
	sum := hex.EncodeToString(rc.h.Sum(nil))
	if rc.up == nil {
		data := rc.first
		rc.first = nil
		rc.releaseFree()
		return &media.Received{Hash: sum, Size: size, Pending: &memPending{s: rc.s, buf: data}}, nil
	}
	parts, err := rc.up.wait()
	if err != nil {
		return nil, err
	}
	rc.releaseFree()
	return &media.Received{Hash: sum, Size: size, Pending: &objPending{s: rc.s, name: rc.up.name, parts: parts, size: size}}, nil
}

// fail removes the parts sent, once those in flight are done.
func (rc *receiver) fail() {
	if rc.up != nil {
		rc.up.wg.Wait()
		rc.s.removeParts(rc.ctx, rc.up.name, rc.up.sent)
	}
	if rc.first != nil {
		*rc.first = (*rc.first)[:cap(*rc.first)]
		rc.free <- rc.first
		rc.first = nil
	}
	rc.releaseFree()
}

// releaseFree gives the buffers back to the pool, all of them being free.
func (rc *receiver) releaseFree() {
	for {
		select {
		case b := <-rc.free:
			*b = (*b)[:cap(*b)]
			rc.s.buffers.put(b)
		default:
			return
		}
	}
}

// upload is a body of several parts being sent, each part as a temporary object of its
// own (partName), each from its own goroutine, as many at once as there are buffers to
// spare. The parts are not one multipart upload: S3 copies only from objects, never
// from the parts of an upload in progress, so they would first have to be completed into
// one temporary object (versitygw's posix backend writes them into a new file), which
// one CopyObject would then copy to the content address, in one thread on servers that
// hash what they copy. Objects of their own are copied several at once straight into
// the parts of the multipart upload at the content address (Commit), whose completion
// takes the place of the temporary object's.
type upload struct {
	s    *Store
	ctx  context.Context
	name string // the parts' names start with it
	free chan *[]byte
	wg   sync.WaitGroup
	sent int // parts started, all of which failure or Discard removes
	mu   sync.Mutex
	done []sentPart
	err  error
}

// sentPart is a part stored as a temporary object.
type sentPart struct {
	n    int
	size int64
}

// send sends part number n, held in buf, and gives buf back when it is done.
func (u *upload) send(n int, buf *[]byte, part []byte) {
	u.sent = n
	u.wg.Go(func() {
		defer func() { *buf = (*buf)[:cap(*buf)]; u.free <- buf }()
		if u.failed() != nil {
			return
		}
		// No checksum of the part, and no signature of its bytes: the whole body's hash is
		// taken as it is read, and an UNSIGNED-PAYLOAD part is what minio-go sends over
		// TLS anyway. Over plain HTTP (a server on the same machine or network only) it
		// would otherwise sign every 64 KiB chunk with SHA-256, which the server checks
		// again: two more passes over every byte, on the CPU the upload's own hash needs.
		_, err := u.s.core.PutObject(u.ctx, u.s.bucket, partName(u.name, n), bytes.NewReader(part),
			int64(len(part)), "", "", minio.PutObjectOptions{DisableContentSha256: true})
		u.mu.Lock()
		defer u.mu.Unlock()
		if err != nil {
			if u.err == nil {
				u.err = fmt.Errorf("media: send part %d: %w", n, u.s.space.check(err))
			}
			return
		}
		u.done = append(u.done, sentPart{n: n, size: int64(len(part))})
	})
}

// failed returns the first error of a part sent.
func (u *upload) failed() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.err
}

// wait waits for the parts in flight and returns them all, in order.
func (u *upload) wait() ([]sentPart, error) {
	u.wg.Wait()
	if err := u.failed(); err != nil {
		return nil, err
	}
	if err := u.ctx.Err(); err != nil {
		return nil, fmt.Errorf("media: receive: %w", err)
	}
	slices.SortFunc(u.done, func(a, b sentPart) int { return a.n - b.n })
	return u.done, nil
}

// partName is the temporary object of part n of the upload named name.
func partName(name string, n int) string { return name + ".part" + strconv.Itoa(n) }

// removeParts deletes the temporary objects of parts 1 to n of the upload named name, in
// batches, those that were never stored (a part that failed) included: S3 deletes a
// missing object without a word.
func (s *Store) removeParts(ctx context.Context, name string, n int) {
	s.cleanup(ctx, "remove temporary objects", func(ctx context.Context) error {
		objs := make(chan minio.ObjectInfo)
		go func() {
			defer close(objs)
			for i := 1; i <= n; i++ {
				objs <- minio.ObjectInfo{Key: partName(name, i)}
			}
		}()
		var err error
		for r := range s.core.Client.RemoveObjectsWithResult(ctx, s.bucket, objs, minio.RemoveObjectsOptions{}) {
			if r.Err != nil && err == nil {
				err = fmt.Errorf("%s: %w", r.ObjectName, r.Err)
			}
		}
		return err
	})
}

// memPending is a body of one part, kept in memory until Commit.
type memPending struct {
	s   *Store
	buf *[]byte
	mu  sync.Mutex
}

func (p *memPending) Content() io.Reader { return bytes.NewReader(*p.buf) }

// Commit puts the bytes at key unless an object is there already, which holds them.
func (p *memPending) Commit(ctx context.Context, key string) error {
	name, free, err := p.s.freeObject(ctx, key)
	if err != nil || !free {
		return err
	}
	typ, cache, disp := headers(key)
	sum := sha256.Sum256(*p.buf)
	_, err = p.s.core.PutObject(ctx, p.s.bucket, name, bytes.NewReader(*p.buf), int64(len(*p.buf)), "",
		hex.EncodeToString(sum[:]), minio.PutObjectOptions{ContentType: typ, CacheControl: cache, ContentDisposition: disp})
	if err != nil {
		return fmt.Errorf("media: put %s: %w", key, p.s.space.check(err))
	}
	p.s.space.check(nil)
	return nil
}

// Discard gives the buffer back; a committed object stays.
func (p *memPending) Discard() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.buf != nil {
		*p.buf = (*p.buf)[:cap(*p.buf)]
		p.s.buffers.put(p.buf)
		p.buf = nil
	}
}

// freeObject is the object name of key, and whether no object is there yet: a commit
// finding one there has nothing to do, since an object at a content address holds the
// same bytes.
func (s *Store) freeObject(ctx context.Context, key string) (name string, free bool, err error) {
	if name, err = s.object(key); err != nil {
		return "", false, err
	}
	exists, err := s.exists(ctx, name)
	return name, err == nil && !exists, err
}

// exists tells whether an object is at name.
func (s *Store) exists(ctx context.Context, name string) (bool, error) {
	_, err := s.core.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{})
	if notFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("media: stat %s: %w", name, err)
	}
	return true, nil
}

// errReader fails every read with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
