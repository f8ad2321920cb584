//go:build !linux

package fsblob

import "os"

// writeback does nothing where sync_file_range(2) does not exist; the final fsync does
// all the work.
type writeback struct{}

func newWriteback(*os.File, int64) *writeback { return &writeback{} }

func (*writeback) written(int64) {}

func (*writeback) drop(int64) {}

func preallocate(*os.File, int64, int64) error { return nil }

func inMemory(string) bool { return false }
