package mediaendpoint

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/indiepub/indiepub/internal/media"
)

// Large uploads are received raw: once the file part's headers and first bytes have
// been read, the handler takes the connection over from net/http (Hijack) and hands the
// rest of the body to media.Service.UploadRaw, which has the kernel move it from the socket
// into the temp file and finds the part's end as it hashes it. That saves the copy of
// every byte into user space that reading the body through net/http costs, and lets the
// hashing run beside the receiving: on a machine of two cores a large upload runs at
// the speed of SHA-256 rather than at that of all the copies together.
//
// It applies to HTTP/1.x requests of a known length of at least Config.RawMin bytes. Anything
// else, HTTP/2 and TLS connections included (net/http does not hand those over, or they
// cannot be spliced), is read through the multipart reader as before, and so is a file
// part that ends within its first bytes. The answer to a request received raw is written
// by the handler itself, and the connection is closed after it.

// defaultRawMin is the smallest body received raw unless Config.RawMin says otherwise:
// below it, taking over the connection and closing it afterwards costs more than the copy
// it saves.
const defaultRawMin = 1 << 20

// rawIdleTimeout bounds the wait for each part of a raw upload's bytes, unless
// Config.BodyTimeout says otherwise.
const rawIdleTimeout = time.Minute

// rawDrain is how much the handler reads and discards after answering, and how long,
// before closing the connection (see drain).
const (
	rawDrain        = 4 << 20
	rawDrainTimeout = 2 * time.Second
)

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.ReadCloser
	n int64
}

func (c *countingReader) Close() error { return c.r.Close() }

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// canReceiveRaw tells whether r's body may be received raw, and is worth it.
func (h *Handler) canReceiveRaw(r *http.Request) bool {
	return r.ProtoMajor == 1 && r.TLS == nil && r.ContentLength >= h.cfg.RawMin &&
		len(r.TransferEncoding) == 0 && h.media.ReceivesRaw(h.cfg.RawAnywhere)
}

// uploadRaw receives the file part p raw, having read head, its first bytes; consumed
// is how much of the body the multipart reader has read. It reports false, having done
// nothing, when the connection cannot be taken over; otherwise it has answered.
func (h *Handler) uploadRaw(w http.ResponseWriter, r *http.Request, mr *multipartReader, p *part, head []byte, consumed int64) bool {
	// The raw bytes not yet parsed: what the multipart reader holds, then what net/http
	// holds, then the socket's.
	rest := mr.unparsed()
	h.raw.add() // before the connection leaves net/http's count
	defer h.raw.done()
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return false
	}
	defer conn.Close()
	remaining := r.ContentLength - consumed
	if n := int(min(int64(brw.Reader.Buffered()), remaining)); n > 0 {
		b, _ := brw.Reader.Peek(n)
		rest = append(rest, b...)
		brw.Reader.Discard(n)
		remaining -= int64(n)
	}
	idle := rawIdleTimeout
	if h.cfg.BodyTimeout > 0 {
		idle = h.cfg.BodyTimeout
	}
	body := &media.RawBody{Buffered: rest, Conn: spliceable(conn), Remaining: remaining,
		End: mr.rawEnd, IdleTimeout: idle, MinRate: max(h.cfg.BodyMinRate, 0)}
	resp := &rawResponse{header: w.Header().Clone()}
	u, err := h.media.UploadRaw(r.Context(), head, p.Header.Get("Content-Type"), body)
	if err != nil {
		h.writeError(resp, r, err)
	} else {
		resp.Header().Set("Location", u.URL)
		writeJSON(resp, http.StatusCreated, map[string]string{"url": u.URL})
	}
	if err := resp.send(brw.Writer); err != nil {
		h.cfg.Logger.DebugContext(r.Context(), "answer a raw upload", "err", err)
	}
	// The server's request log sees none of this answer.
	h.cfg.Logger.DebugContext(r.Context(), "raw upload answered", "status", resp.status)
	drain(conn)
	return true
}

// unparsed returns a copy of the raw bytes the reader has taken from its source and not
// parsed yet, in order.
func (mr *multipartReader) unparsed() []byte {
	buffered, _ := mr.br.Peek(mr.br.Buffered())
	out := make([]byte, 0, len(buffered)+len(mr.src.back))
	return append(append(out, buffered...), mr.src.back...)
}

// rawEnd finds the end of the current part in raw bytes, for media.RawBody.End.
func (mr *multipartReader) rawEnd(buf []byte, total int64, final bool) (int, bool, error) {
	var readErr error
	if final {
		readErr = io.ErrUnexpectedEOF
	}
	n, err := scanUntilBoundary(buf, mr.dashBoundary, mr.nlDashBoundary, total, readErr)
	switch {
	case err == io.EOF:
		return n, true, nil
	case err != nil:
		return n, false, fmt.Errorf("%w: %w", errMalformed, err)
	}
	return n, false, nil
}

// drain half-closes the connection, then reads and discards what the client may still
// send (up to rawDrain bytes, for at most rawDrainTimeout) until it closes its side: a
// connection closed with bytes unread is reset, and a reset can reach the client before
// the answer does.
func drain(conn net.Conn) {
	if tc, ok := conn.(interface{ CloseWrite() error }); ok {
		tc.CloseWrite()
	}
	conn.SetReadDeadline(time.Now().Add(rawDrainTimeout))
	io.CopyN(io.Discard, conn, rawDrain)
}

// spliceable returns conn as media.RawBody.Conn: as it is when it is a plain TCP or Unix
// socket, which the kernel can splice from, and otherwise behind a reader that hides
// its file descriptor, so that a wrapped connection (one that decrypts or buffers in
// its Read) is read through its Read.
func spliceable(conn net.Conn) io.Reader {
	switch conn.(type) {
	case *net.TCPConn, *net.UnixConn:
		return conn
	}
	return struct {
		io.Reader
		deadline
	}{conn, conn}
}

type deadline interface{ SetReadDeadline(time.Time) error }

// rawResponse collects the answer to a request whose connection the handler has taken
// over, so that writeError and writeJSON serve as they do for any other request.
type rawResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (rr *rawResponse) Header() http.Header { return rr.header }

func (rr *rawResponse) WriteHeader(status int) {
	if rr.status == 0 {
		rr.status = status
	}
}

func (rr *rawResponse) Write(b []byte) (int, error) {
	rr.WriteHeader(http.StatusOK)
	return rr.body.Write(b)
}

// send writes the answer as an HTTP/1.1 response that closes the connection.
func (rr *rawResponse) send(w interface {
	io.Writer
	Flush() error
}) error {
	rr.header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	resp := &http.Response{StatusCode: rr.status, ProtoMajor: 1, ProtoMinor: 1, Header: rr.header,
		ContentLength: int64(rr.body.Len()), Body: io.NopCloser(&rr.body), Close: true}
	if err := resp.Write(w); err != nil {
		return err
	}
	return w.Flush()
}
