package fsblob

import (
	"os"
	"syscall"
)

// writeback starts the kernel writing a file's pages to disk while the upload is still
// arriving, so that the final fsync has little left to wait for (sync_file_range(2)
// with SYNC_FILE_RANGE_WRITE does not wait and gives no durability by itself), and drops
// the pages that have reached the disk from the page cache behind it.
//
// Dropping behind keeps a large upload from filling the page cache with pages nobody is
// about to read, evicting what visitors do read, and it makes the upload itself faster:
// the pages freed are reused at once for the pages still to come, where fresh memory
// costs more to hand out (on a virtual machine, each fresh page can be a fault in the
// host too).
type writeback struct {
	fd       uintptr
	done     int64 // bytes handed to the kernel for writeback
	pending  int64
	dropped  int64 // bytes dropped from the page cache
	disabled bool
}

// writebackChunk is how much new data triggers a writeback request. dropLag is how far
// behind the latest request pages are dropped: by then their writeback has usually
// finished, so that waiting for it costs nothing.
const (
	writebackChunk = 8 << 20
	dropLag        = 2 * writebackChunk
)

const (
	syncFileRangeWaitBefore = 1
	syncFileRangeWrite      = 2
	syncFileRangeWaitAfter  = 4
	fadvDontNeed            = 4
)

// newWriteback starts the writeback of f from offset start, where the bytes written from
// now on begin.
func newWriteback(f *os.File, start int64) *writeback {
	return &writeback{fd: f.Fd(), done: start}
}

// written reports n more bytes written at the end of the file; the bytes before the
// last dropLag may be dropped from the page cache (nothing reads them again).
func (w *writeback) written(n int64) {
	w.pending += n
	if w.disabled || w.pending < writebackChunk {
		return
	}
	_, _, errno := syscall.Syscall6(syscall.SYS_SYNC_FILE_RANGE, w.fd, uintptr(w.done), uintptr(w.pending), syncFileRangeWrite, 0, 0)
	if errno != 0 {
		w.disabled = true // not supported here: the final fsync does all the work
	}
	w.done += w.pending
	w.pending = 0
}

// drop drops the file's pages before off, as far as they have been handed to writeback
// dropLag ago, from the page cache, once they are on the disk. Errors are ignored: the
// pages then stay cached, as without drop.
func (w *writeback) drop(off int64) {
	end := min(off, w.done-dropLag) &^ (1<<20 - 1)
	if w.disabled || end <= w.dropped {
		return
	}
	syscall.Syscall6(syscall.SYS_SYNC_FILE_RANGE, w.fd, uintptr(w.dropped), uintptr(end-w.dropped),
		syncFileRangeWaitBefore|syncFileRangeWrite|syncFileRangeWaitAfter, 0, 0)
	syscall.Syscall6(syscall.SYS_FADVISE64, w.fd, uintptr(w.dropped), uintptr(end-w.dropped), fadvDontNeed, 0, 0)
	w.dropped = end
}

// preallocate reserves n bytes of disk for f from off on, which the body's length
// bounds: the file system then allocates the file's blocks once rather than as each page
// is written, a disk without room for the body refuses it before it is received, and
// the file is cut to its content's size at the end. File systems that cannot reserve
// are left to allocate as they go; memory file systems (tmpfs), where a reservation is
// memory zeroed ahead of its use, are not asked.
func preallocate(f *os.File, off, n int64) error {
	if n <= 0 {
		return nil
	}
	err := syscall.Fallocate(int(f.Fd()), 0, off, n)
	if err == syscall.ENOSPC || err == syscall.EDQUOT {
		return err
	}
	return nil
}

const tmpfsMagic = 0x01021994

// inMemory tells whether dir is on a memory file system (tmpfs).
func inMemory(dir string) bool {
	var fs syscall.Statfs_t
	return syscall.Statfs(dir, &fs) == nil && fs.Type == tmpfsMagic
}
