package media

import (
	"io"
	"net"
	"os"
	"syscall"
)

// newMover returns a mover that has the kernel move the bytes from the socket into the
// file through a pipe (splice(2)), so that they are copied once, into the page cache,
// and never into this process; or a readMover where that cannot be done.
func newMover(f *os.File, conn io.Reader) (mover, func()) {
	var rc syscall.RawConn
	switch c := conn.(type) {
	case *net.TCPConn:
		rc, _ = c.SyscallConn()
	case *net.UnixConn:
		rc, _ = c.SyscallConn()
	}
	var p [2]int
	if rc == nil || syscall.Pipe2(p[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK) != nil {
		return readMover(f, conn), func() {}
	}
	const fSetPipeSize = 1031
	syscall.Syscall(syscall.SYS_FCNTL, uintptr(p[1]), fSetPipeSize, uintptr(rawStep))
	pipeR, pipeW := p[0], p[1]
	fd := int(f.Fd())
	move := func(max int) (int, error) {
		// The pipe is empty between moves, so a splice into it that would block is
		// waiting for the socket: rc.Read then waits for it to be readable, within its
		// read deadline.
		var n int64
		var serr error
		err := rc.Read(func(sock uintptr) bool {
			n, serr = syscall.Splice(int(sock), nil, pipeW, nil, max, spliceNonblock|spliceMove)
			return serr != syscall.EAGAIN
		})
		if err == nil {
			err = serr
		}
		if err != nil || n <= 0 {
			return 0, err
		}
		for left := n; left > 0; {
			m, err := syscall.Splice(pipeR, nil, fd, nil, int(left), spliceMove)
			if err == syscall.EINTR || err == syscall.EAGAIN {
				continue
			}
			if err != nil {
				return int(n - left), &writeError{err}
			}
			left -= m
		}
		return int(n), nil
	}
	return move, func() { syscall.Close(pipeR); syscall.Close(pipeW) }
}

const (
	spliceMove     = 0x1
	spliceNonblock = 0x2
)
