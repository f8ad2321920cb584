package fsblob

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// newMover returns a mover that has the kernel move the bytes from the socket into the
// file through a pipe (splice(2)), so that they are copied once, into the page cache,
// and never into this process; or a readMover where that cannot be done. Should splice
// fail for want of support (a file system without it, a sandbox that forbids it), the
// mover falls back to reading, losing nothing.
func newMover(f *os.File, conn io.Reader, step int64) (mover, func()) {
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
	// A step a move (1 MiB by default) if the system allows a pipe that large; the default
	// 64 KiB otherwise.
	const fSetPipeSize = 1031
	syscall.Syscall(syscall.SYS_FCNTL, uintptr(p[1]), fSetPipeSize, uintptr(step))
	pipeR, pipeW := p[0], p[1]
	fd := int(f.Fd())
	var fallback mover
	move := func(max int) (int, error) {
		if fallback != nil {
			return fallback(max)
		}
		// The pipe is empty between moves, so a splice into it that would block is
		// waiting for the socket: rc.Read then waits for it to be readable, within its
		// read deadline.
		var n int64
		var serr error
		err := rc.Read(func(sock uintptr) bool {
			for {
				n, serr = syscall.Splice(int(sock), nil, pipeW, nil, max, spliceNonblock|spliceMove)
				if serr != syscall.EINTR {
					return serr != syscall.EAGAIN
				}
			}
		})
		if err == nil && unsupported(serr) {
			fallback = readMover(f, conn) // nothing was moved
			return fallback(max)
		}
		if err == nil {
			err = serr
		}
		if err != nil || n <= 0 {
			return 0, err
		}
		for left := n; left > 0; {
			m, err := syscall.Splice(pipeR, nil, fd, nil, int(left), spliceMove)
			switch {
			case err == syscall.EINTR:
				continue
			case err == nil && m > 0:
				left -= m
				continue
			case err == nil:
				err = io.ErrShortWrite
			}
			// Copy what the pipe still holds, and read from now on: if the file takes
			// no splice, that is all that was wrong; if the disk failed, so will this.
			if werr := drainPipe(pipeR, f, int(left)); werr != nil {
				return int(n - left), &writeError{werr}
			}
			fallback = readMover(f, conn)
			return int(n), nil
		}
		return int(n), nil
	}
	return move, func() { syscall.Close(pipeR); syscall.Close(pipeW) }
}

// unsupported tells the errors of a splice that cannot be done here from those of a
// connection or a disk.
func unsupported(err error) bool {
	return errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSYS) ||
		errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EOPNOTSUPP)
}

// drainPipe writes the n bytes left in the pipe to the end of f.
func drainPipe(pipeR int, f *os.File, n int) error {
	buf := make([]byte, min(n, 64<<10))
	for n > 0 {
		k, err := syscall.Read(pipeR, buf[:min(n, len(buf))])
		if err == syscall.EINTR {
			continue
		}
		if err != nil || k <= 0 {
			return errors.Join(errors.New("pipe lost bytes"), err)
		}
		if _, err := f.Write(buf[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

const (
	spliceMove     = 0x1
	spliceNonblock = 0x2
)
