//go:build unix

package fsblob

import (
	"fmt"
	"os"
	"syscall"
)

// readBack gives views of a file's bytes through memory mappings.
type readBack struct {
	f      *os.File
	mapped []byte
}

func newReadBack(f *os.File) *readBack { return &readBack{f: f} }

var pageSize = int64(os.Getpagesize())

// view maps n bytes of the file from off; the view is valid until release.
func (rb *readBack) view(off, n int64) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	base := off &^ (pageSize - 1)
	m, err := syscall.Mmap(int(rb.f.Fd()), base, int(off-base+n), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("media: map %s: %w", rb.f.Name(), err)
	}
	rb.mapped = m
	return m[off-base:], nil
}

// release ends the last view.
func (rb *readBack) release() {
	if rb.mapped != nil {
		syscall.Munmap(rb.mapped)
		rb.mapped = nil
	}
}
