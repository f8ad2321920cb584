//go:build unix

package sqlite

import (
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// TokenGeneration is the count of token revocations made through any store opened on
// this database since the file was created (tokengen.go). Only where the counter is
// shared between processes does the store have this method, and the server remember
// tokens.
func (db *DB) TokenGeneration() uint64 { return db.revocations.load() }

// counter is a uint64 in a file mapped shared, so that every process mapping the file
// sees each increment at once.
type counter struct {
	mem []byte
	n   *atomic.Uint64
}

// openCounter maps the counter in the file at path, creating the file (zero) if needed.
func openCounter(path string) (*counter, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("token generation: %w", err)
	}
	defer f.Close() // the mapping outlives the descriptor
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("token generation: %w", err)
	}
	// Two processes creating the file at once both extend it with zeros, which is the
	// same file either way.
	if fi.Size() < 8 {
		if err := f.Truncate(8); err != nil {
			return nil, fmt.Errorf("token generation: %w", err)
		}
	}
	mem, err := syscall.Mmap(int(f.Fd()), 0, 8, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("token generation: map %s: %w", path, err)
	}
	// A mapping starts at a page boundary, so the counter is aligned for atomic access.
	return &counter{mem: mem, n: (*atomic.Uint64)(unsafe.Pointer(&mem[0]))}, nil
}

func (c *counter) load() uint64 { return c.n.Load() }

func (c *counter) bump() { c.n.Add(1) }

func (c *counter) close() error {
	if c.mem == nil {
		return nil
	}
	err := syscall.Munmap(c.mem)
	c.mem, c.n = nil, nil
	return err
}
