package media

import (
	"os"
	"syscall"
)

// writeback starts the kernel writing a file's pages to disk while the upload is still
// arriving, so that the final fsync has little left to wait for (sync_file_range(2)
// with SYNC_FILE_RANGE_WRITE does not wait and gives no durability by itself).
type writeback struct {
	fd       uintptr
	done     int64 // bytes handed to the kernel for writeback
	pending  int64
	disabled bool
}

// writebackChunk is how much new data triggers a writeback request.
const writebackChunk = 8 << 20

func newWriteback(f *os.File) *writeback { return &writeback{fd: f.Fd()} }

func (w *writeback) written(n int64) {
	w.pending += n
	if w.disabled || w.pending < writebackChunk {
		return
	}
	const syncFileRangeWrite = 2
	_, _, errno := syscall.Syscall6(syscall.SYS_SYNC_FILE_RANGE, w.fd, uintptr(w.done), uintptr(w.pending), syncFileRangeWrite, 0, 0)
	if errno != 0 {
		w.disabled = true // not supported here: the final fsync does all the work
	}
	w.done += w.pending
	w.pending = 0
}
