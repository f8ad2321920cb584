//go:build unix

package s3blob

import "syscall"

// allocBuffer maps size bytes of anonymous memory, outside the Go heap; a make if the
// system refuses.
func allocBuffer(size int) []byte {
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]byte, size)
	}
	return b
}
