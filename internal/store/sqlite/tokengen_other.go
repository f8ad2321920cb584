//go:build !unix

package sqlite

import "sync/atomic"

// counter without shared memory would miss other processes' revocations, so the store
// has no TokenGeneration here and the server does not remember tokens (tokengen.go).
type counter struct{ n atomic.Uint64 }

func openCounter(string) (*counter, error) { return &counter{}, nil }

func (c *counter) load() uint64 { return c.n.Load() }

func (c *counter) bump() { c.n.Add(1) }

func (c *counter) close() error { return nil }
