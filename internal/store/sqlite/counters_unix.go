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
// this database since its counters file was created (counters.go). Only where the
// counters are shared between processes does the store have this method, and the server
// remember tokens.
func (db *DB) TokenGeneration() uint64 { return db.counters.load(countRevocations) }

// SettingsGeneration is the count of saves of the settings, as TokenGeneration is of
// revocations.
func (db *DB) SettingsGeneration() uint64 { return db.counters.load(countSettings) }

// counters are uint64s in a file mapped shared, so that every process mapping the file
// sees each increment at once.
type counters struct {
	mem []byte
	n   *[numCounters]atomic.Uint64
}

// openCounters maps the counters in the file at path, creating the file (zeros) if
// needed.
func openCounters(path string) (*counters, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("counters: %w", err)
	}
	defer f.Close() // the mapping outlives the descriptor
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("counters: %w", err)
	}
	// Two processes creating the file at once both extend it with zeros, which is the
	// same file either way.
	const size = numCounters * 8
	if fi.Size() < size {
		if err := f.Truncate(size); err != nil {
			return nil, fmt.Errorf("counters: %w", err)
		}
	}
	mem, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("counters: map %s: %w", path, err)
	}
	// A mapping starts at a page boundary, so the counters are aligned for atomic access.
	return &counters{mem: mem, n: (*[numCounters]atomic.Uint64)(unsafe.Pointer(&mem[0]))}, nil
}

func (c *counters) load(i int) uint64 { return c.n[i].Load() }

func (c *counters) bump(i int) { c.n[i].Add(1) }

func (c *counters) close() error {
	if c.mem == nil {
		return nil
	}
	err := syscall.Munmap(c.mem)
	c.mem, c.n = nil, nil
	return err
}
