package s3blob

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/minio/minio-go/v7"
)

// copiesInFlight is how many parts Commit copies at once. Servers that hash what they
// copy (versitygw computes every part's MD5 and CRC-64) do it in one thread per request,
// so parts copied side by side use the cores a single copy of the whole object would
// leave idle.
const copiesInFlight = 4

// objPending is a body received as temporary objects, one per part (see upload).
type objPending struct {
	s       *Store
	name    string
	parts   []sentPart
	size    int64
	mu      sync.Mutex
	open    []io.Closer   // readers Content opened
	removed chan struct{} // closed once the parts are deleted; nil until that starts
}

// Content reads the parts one after the other, each opened when the reading reaches it.
func (p *objPending) Content() io.Reader {
	readers := make([]io.Reader, len(p.parts))
	for i, part := range p.parts {
		readers[i] = &lazyReader{open: func() io.Reader { return p.openPart(part) }}
	}
	return io.MultiReader(readers...)
}

// openPart opens the temporary object of part, for Discard to close.
func (p *objPending) openPart(part sentPart) io.Reader {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.removed != nil {
		return errReader{fmt.Errorf("media: read part %d: deleted", part.n)}
	}
	obj, err := p.s.core.Client.GetObject(context.Background(), p.s.bucket, partName(p.name, part.n), minio.GetObjectOptions{})
	if err != nil {
		return errReader{err}
	}
	p.open = append(p.open, obj)
	return io.LimitReader(obj, part.size)
}

// lazyReader reads what open returns, called at the first Read.
type lazyReader struct {
	open func() io.Reader
	r    io.Reader
}

func (l *lazyReader) Read(b []byte) (int, error) {
	if l.r == nil {
		l.r = l.open()
	}
	return l.r.Read(b)
}

// Commit copies the parts to key, server-side, in a multipart upload of the same parts
// (UploadPartCopy, several at once), unless an object is there already, which holds the
// same bytes. A copy that fails aborts the upload, so that nothing is left at key.
func (p *objPending) Commit(ctx context.Context, key string) error {
	name, free, err := p.s.freeObject(ctx, key)
	if err != nil || !free {
		return err
	}
	typ, cache, disp := headers(key)
	id, err := p.s.core.NewMultipartUpload(ctx, p.s.bucket, name,
		minio.PutObjectOptions{ContentType: typ, CacheControl: cache, ContentDisposition: disp})
	if err != nil {
		return fmt.Errorf("media: copy to %s: %w", key, p.s.space.check(err))
	}
	done, err := p.copyParts(ctx, name, id)
	if err == nil {
		// The parts are copied, so they go while the server puts the copies together.
		p.removeParts()
		_, err = p.s.core.CompleteMultipartUpload(ctx, p.s.bucket, name, id, done, minio.PutObjectOptions{})
	}
	if err != nil {
		p.s.cleanup(ctx, "abort multipart copy", func(ctx context.Context) error {
			return p.s.core.AbortMultipartUpload(ctx, p.s.bucket, name, id)
		})
		return fmt.Errorf("media: copy to %s: %w", key, p.s.space.check(err))
	}
	p.s.space.check(nil)
	return nil
}

// copyParts copies every part into the multipart upload id of name, copiesInFlight at
// once, and returns them in order. After an error it starts no more copies, and it
// returns once those under way are done (none is cancelled), so that the abort that
// follows leaves no part behind.
func (p *objPending) copyParts(ctx context.Context, name, id string) ([]minio.CompletePart, error) {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		done  = make([]minio.CompletePart, 0, len(p.parts))
		first error
	)
	failed := func() bool { mu.Lock(); defer mu.Unlock(); return first != nil }
	slots := make(chan struct{}, copiesInFlight)
	for _, part := range p.parts {
		slots <- struct{}{}
		if failed() || ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-slots }()
			c, err := p.s.core.CopyObjectPart(ctx, p.s.bucket, partName(p.name, part.n), p.s.bucket, name, id,
				part.n, 0, part.size, nil)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if first == nil {
					first = fmt.Errorf("part %d: %w", part.n, err)
				}
				return
			}
			done = append(done, c)
		})
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	if first != nil {
		return nil, first
	}
	slices.SortFunc(done, func(a, b minio.CompletePart) int { return a.PartNumber - b.PartNumber })
	return done, nil
}

// removeParts starts deleting the temporary objects, once; Content reads them no more.
func (p *objPending) removeParts() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.removed != nil {
		return
	}
	p.removed = make(chan struct{})
	go func() {
		defer close(p.removed)
		p.s.removeParts(context.Background(), p.name, len(p.parts))
	}()
}

// Discard deletes the temporary objects, and returns once they are gone; a committed
// copy stays.
func (p *objPending) Discard() {
	p.mu.Lock()
	for _, c := range p.open {
		c.Close()
	}
	p.open = nil
	p.mu.Unlock()
	p.removeParts()
	<-p.removed
}
