package s3blob

import "sync"

// bufferPool keeps part buffers between uploads. The buffers live outside the Go heap
// where the system allows (mmap, buffers_unix.go): the garbage collector lets the heap
// grow to twice what is live before it collects, so buffers on the heap would count
// twice against the process's memory. A buffer is never given back to the system, only
// to the pool: net/http may still read a request body after the request has failed, so
// memory handed to it must stay mapped. The pool holds as many buffers as the most
// uploads ever in flight at once needed.
type bufferPool struct {
	size int
	mu   sync.Mutex
	free []*[]byte
}

func newBufferPool(size int) *bufferPool { return &bufferPool{size: size} }

func (p *bufferPool) get() *[]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		b := p.free[n-1]
		p.free = p.free[:n-1]
		return b
	}
	b := allocBuffer(p.size)
	return &b
}

func (p *bufferPool) put(b *[]byte) {
	*b = (*b)[:cap(*b)]
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free = append(p.free, b)
}
