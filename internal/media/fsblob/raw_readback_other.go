//go:build !unix

package fsblob

import (
	"fmt"
	"os"
)

// readBack gives views of a file's bytes by reading them into a buffer.
type readBack struct {
	f   *os.File
	buf []byte
}

func newReadBack(f *os.File) *readBack { return &readBack{f: f} }

// view reads n bytes of the file from off; the view is valid until the next view.
func (rb *readBack) view(off, n int64) ([]byte, error) {
	if int64(cap(rb.buf)) < n {
		rb.buf = make([]byte, n)
	}
	b := rb.buf[:n]
	if _, err := rb.f.ReadAt(b, off); err != nil {
		return nil, fmt.Errorf("media: read back %s: %w", rb.f.Name(), err)
	}
	return b, nil
}

func (*readBack) release() {}
