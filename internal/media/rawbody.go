package media

import (
	"errors"
	"io"
	"time"
)

// ErrTimeout says that the client sent nothing for longer than RawBody.IdleTimeout, or
// sent slower than RawBody.MinRate.
var ErrTimeout = errors.New("upload timed out: nothing came for too long, or too slowly")

// RawBody is what is left of a request body whose next bytes are a file's content, still
// in their raw form: framed by whatever encloses the content (a multipart boundary) and
// followed by whatever comes after it.
type RawBody struct {
	// Buffered are raw bytes already read from the connection; they come first.
	Buffered []byte
	// Conn is the connection the rest comes from. When it is a *net.TCPConn or a
	// *net.UnixConn, the kernel moves its bytes into the file through a pipe (splice(2),
	// on Linux) without a copy through user space; anything else is read.
	Conn io.Reader
	// Remaining is how many bytes of the body are still to come from Conn;
	// RawReceiver.ReceiveRaw counts down what it reads, so that the caller knows what is left.
	Remaining int64
	// End finds where the content ends. It is given raw bytes that follow total bytes of
	// content and returns how many of them are content and whether the content ends right
	// after those; it may keep back bytes it cannot tell yet by returning fewer than
	// len(buf) with ended false. final says that buf is all the body holds. An error
	// says the body is not well formed.
	End func(buf []byte, total int64, final bool) (n int, ended bool, err error)
	// IdleTimeout bounds each wait for Conn's next bytes, when Conn has a
	// SetReadDeadline method; 0 means no bound.
	IdleTimeout time.Duration
	// MinRate, in bytes per second, is the least average rate of Conn's bytes once
	// IdleTimeout has passed: having received n bytes, the receiver waits for more until
	// IdleTimeout + n/MinRate after it began. 0 means no minimum.
	MinRate int64
}

// Deadline is when Conn's next bytes must have come, received bytes after start: IdleTimeout
// from now, or sooner where MinRate says so.
func (b *RawBody) Deadline(start time.Time, received int64) time.Time {
	var d time.Time
	if b.IdleTimeout > 0 {
		d = time.Now().Add(b.IdleTimeout)
	}
	if b.MinRate > 0 {
		rate := start.Add(b.IdleTimeout + time.Duration(float64(received)/float64(b.MinRate)*float64(time.Second)))
		if d.IsZero() || rate.Before(d) {
			d = rate
		}
	}
	return d
}
