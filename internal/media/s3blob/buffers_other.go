//go:build !unix

package s3blob

// allocBuffer allocates size bytes on the heap.
func allocBuffer(size int) []byte { return make([]byte, size) }
