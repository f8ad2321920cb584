// Package reqbody bounds the time a client may take to send a request body, so that a
// client trickling a byte now and then, or announcing a longer body than it sends, cannot
// hold a connection and a goroutine for ever. Go's http.Server bounds only the headers
// (ReadHeaderTimeout) or the whole request (ReadTimeout, which a large upload on a slow
// line would break); this bounds the body by its progress, as Apache's mod_reqtimeout
// does ("body=20,MinRate=500"): a body must keep coming, and at a least average rate.
package reqbody

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// ErrTimeout says that a request body did not arrive in time: nothing came for longer
// than Limits.Idle, or it came slower than Limits.MinRate. Handlers answer it with 408
// Request Timeout (RFC 9110 section 15.5.9). It is a net.Error whose Timeout is true, so
// that code that does not know this package (indieauth) can tell it too.
var ErrTimeout net.Error = timeoutError{}

type timeoutError struct{}

func (timeoutError) Error() string   { return "request body not received in time" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return false }

// The defaults: half a minute without a byte, and the least rate of Apache's
// mod_reqtimeout (a phone on a poor line sends far more).
const (
	DefaultIdle    = 30 * time.Second
	DefaultMinRate = 500
)

// Limits bounds the reading of request bodies.
type Limits struct {
	// Idle bounds each wait for the body's next bytes, the first ones included
	// (counted from when the handler starts); 0 means no bound.
	Idle time.Duration
	// MinRate, in bytes per second, is the least average rate of a body once Idle has
	// passed: having read n bytes, the handler waits for more until Idle + n/MinRate
	// after it started. 0 means no minimum.
	MinRate int64
}

// Handler returns next with the bodies of its requests read under l: a read that does
// not come in time fails with an error wrapping ErrTimeout, and the connection's
// read deadline (http.ResponseController.SetReadDeadline) interrupts a read that waits.
// Requests without a body, and connections that take no read deadline, are left as
// they are.
func (l Limits) Handler(next http.Handler) http.Handler {
	if l.Idle <= 0 && l.MinRate <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		now := time.Now()
		b := &body{ReadCloser: r.Body, limits: l, rc: http.NewResponseController(w), start: now, last: now}
		// Set now, not at the first read, so that a body the handler never reads is
		// bounded too when net/http discards it after the handler.
		if b.extend() {
			r.Body = b
		}
		next.ServeHTTP(w, r)
	})
}

// body is a request body read under a moving read deadline.
type body struct {
	io.ReadCloser
	limits Limits
	rc     *http.ResponseController
	start  time.Time
	n      int64     // bytes read so far
	last   time.Time // when bytes last came
	set    time.Time // the deadline last set
	err    error     // the timeout, once met
}

// deadline is when the next bytes must have come: Idle after now, or sooner where the
// minimum rate says so.
func (b *body) deadline(now time.Time) time.Time {
	var d time.Time
	if b.limits.Idle > 0 {
		d = now.Add(b.limits.Idle)
	}
	if b.limits.MinRate > 0 {
		rate := b.start.Add(b.limits.Idle + time.Duration(float64(b.n)/float64(b.limits.MinRate)*float64(time.Second)))
		if d.IsZero() || rate.Before(d) {
			return rate
		}
	}
	return d
}

// extend moves the connection's read deadline to the body's next one. It is moved only
// when that gains a tenth of Idle (or a second), which spares a call per read of a fast
// upload; the deadline only ever moves later. It reports false where the connection
// takes no read deadline.
func (b *body) extend() bool {
	d := b.deadline(time.Now())
	if !b.set.IsZero() && d.Sub(b.set) < b.slack() {
		return true
	}
	if err := b.rc.SetReadDeadline(d); err != nil {
		return false
	}
	b.set = d
	return true
}

// slack is how much later the next deadline must be before it is set.
func (b *body) slack() time.Duration {
	return min(b.limits.Idle/10, time.Second)
}

func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	// Set before each read, so that the time the handler spends between reads (storing
	// a file part, say) is not counted as the client's silence.
	b.extend()
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	// Once the whole body is in, net/http clears the deadline itself, as it starts
	// watching the connection for the client going away.
	var ne net.Error
	switch {
	case err != nil && err != io.EOF && errors.As(err, &ne) && ne.Timeout() && !time.Now().Before(b.set):
		b.err = b.timeout()
		return n, b.err
	case n > 0:
		b.last = time.Now()
	}
	return n, err
}

func (b *body) timeout() error {
	if b.limits.MinRate > 0 && time.Since(b.last) < b.limits.Idle-b.slack() {
		return fmt.Errorf("%w: the body came slower than %d bytes per second (%d bytes in %v)",
			ErrTimeout, b.limits.MinRate, b.n, time.Since(b.start).Round(time.Millisecond))
	}
	return fmt.Errorf("%w: nothing came for %v (%d bytes received)", ErrTimeout, b.limits.Idle, b.n)
}
