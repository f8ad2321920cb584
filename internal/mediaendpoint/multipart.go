package mediaendpoint

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/textproto"
	"sync"
)

// multipartReader reads a multipart/form-data body (RFC 7578, RFC 2046 §5.1) part by
// part, streaming each part's content. It follows mime/multipart.Reader's rules (so the
// two read the same bodies the same way: FuzzMultipart checks it) with two differences:
// it reads through a large buffer, where mime/multipart hands out at most 4 KiB per Read,
// which makes a 1 GiB upload cost a quarter of a million reads and copies, and a large
// Read of a part's content bypasses that buffer (see readDirect); and it bounds a part's
// header block, which is the only thing it holds in memory.
type multipartReader struct {
	*buffers
	nl               []byte // "\r\n", or "\n" for bodies whose first boundary line ends so
	nlDashBoundary   []byte // nl + "--" + boundary
	dashBoundary     []byte // "--" + boundary
	dashBoundaryDash []byte
	current          *part
	partsRead        int
}

// Limits of a part's header block.
const (
	maxHeaderBytes = 16 << 10
	maxHeaderLines = 64
	readBufSize    = 256 << 10
	// directRead is the smallest Read of a part's content that goes straight to the
	// body instead of through the buffer.
	directRead = 32 << 10
)

// errMalformed marks a body that is not valid multipart.
var errMalformed = errors.New("malformed multipart body")

// buffers are a multipartReader's read buffer and the source it reads from.
type buffers struct {
	br  *bufio.Reader // reads src
	src pushback
}

// readers keeps the large read buffers between requests.
var readers = sync.Pool{New: func() any {
	b := &buffers{}
	b.br = bufio.NewReaderSize(&b.src, readBufSize)
	return b
}}

// newMultipartReader reads the multipart body r; call release when done with it.
func newMultipartReader(r io.Reader, boundary string) *multipartReader {
	bufs := readers.Get().(*buffers)
	bufs.src = pushback{r: r, own: bufs.src.own}
	bufs.br.Reset(&bufs.src)
	b := []byte("\r\n--" + boundary + "--")
	return &multipartReader{
		buffers:          bufs,
		nl:               b[:2],
		nlDashBoundary:   b[:len(b)-2],
		dashBoundaryDash: b[2:],
		dashBoundary:     b[2 : len(b)-2],
	}
}

// release returns the read buffer for reuse; mr must not be used afterwards.
func (mr *multipartReader) release() {
	own := mr.src.own[:0]
	if cap(own) > 4<<10 {
		own = nil // a large epilogue once is no reason to keep its room
	}
	mr.src = pushback{own: own}
	mr.br.Reset(&mr.src)
	readers.Put(mr.buffers)
	mr.buffers, mr.current = nil, nil
}

// pushback reads r, after any bytes given back to it, and keeps r's first error.
type pushback struct {
	r    io.Reader
	back []byte // given back, read before r
	own  []byte // storage for back, kept between uses
	err  error
}

func (pb *pushback) Read(d []byte) (int, error) {
	if len(pb.back) > 0 {
		n := copy(d, pb.back)
		pb.back = pb.back[n:]
		return n, nil
	}
	if pb.err != nil {
		return 0, pb.err
	}
	n, err := pb.r.Read(d)
	pb.err = err
	return n, err
}

// unread gives b back, to be read again before anything else. Nothing given back earlier
// may be left unread.
func (pb *pushback) unread(b []byte) {
	pb.own = append(pb.own[:0], b...)
	pb.back = pb.own
}

// part is one part of the body; Read returns its content.
type part struct {
	mr       *multipartReader
	Header   textproto.MIMEHeader
	name     string // form field name
	filename string
	total    int64 // content bytes read so far
	n        int   // content bytes known to be in the buffer, ready to read
	err      error // what comes after those n bytes: io.EOF at the boundary
	readErr  error // the underlying reader's error
}

// NextPart skips the rest of the current part and returns the next one, or io.EOF after
// the closing boundary.
func (mr *multipartReader) NextPart() (*part, error) {
	if mr.current != nil {
		if _, err := io.Copy(io.Discard, mr.current); err != nil {
			return nil, err
		}
		mr.current = nil
	}
	if string(mr.dashBoundary) == "--" {
		return nil, fmt.Errorf("%w: empty boundary", errMalformed)
	}
	expectNewPart := false
	for {
		line, err := mr.br.ReadSlice('\n')
		if err == io.EOF && mr.isFinalBoundary(line) {
			return nil, io.EOF
		}
		if err == bufio.ErrBufferFull && mr.partsRead == 0 {
			continue // a long preamble line: skipped like any other
		}
		if err == io.EOF {
			return nil, fmt.Errorf("%w: %w", errMalformed, io.ErrUnexpectedEOF)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errMalformed, err)
		}
		if mr.isBoundaryDelimiterLine(line) {
			mr.partsRead++
			p, err := mr.newPart()
			if err != nil {
				return nil, err
			}
			mr.current = p
			return p, nil
		}
		if mr.isFinalBoundary(line) {
			return nil, io.EOF
		}
		if expectNewPart {
			return nil, fmt.Errorf("%w: expected a new part", errMalformed)
		}
		if mr.partsRead == 0 {
			continue // preamble
		}
		// The line break between the previous part's content and the boundary line.
		if bytes.Equal(line, mr.nl) {
			expectNewPart = true
			continue
		}
		return nil, fmt.Errorf("%w: unexpected line after a part", errMalformed)
	}
}

// newPart reads a part's header block, at most maxHeaderBytes in maxHeaderLines lines.
func (mr *multipartReader) newPart() (*part, error) {
	var block []byte
	for lines := 0; ; lines++ {
		line, err := mr.br.ReadSlice('\n')
		if err == io.EOF {
			return nil, fmt.Errorf("%w: %w", errMalformed, io.ErrUnexpectedEOF)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: part header: %w", errMalformed, err)
		}
		block = append(block, line...)
		if len(block) > maxHeaderBytes || lines > maxHeaderLines {
			return nil, fmt.Errorf("%w: part header too long", errMalformed)
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			break
		}
	}
	hdr, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(block))).ReadMIMEHeader()
	if err != nil {
		return nil, fmt.Errorf("%w: part header: %w", errMalformed, err)
	}
	p := &part{mr: mr, Header: hdr}
	if _, params, err := mime.ParseMediaType(hdr.Get("Content-Disposition")); err == nil {
		p.name, p.filename = params["name"], params["filename"]
	}
	return p, nil
}

// Read reads the part's content, up to the buffer size at a time, or straight into d
// when d is large and the buffer empty.
func (p *part) Read(d []byte) (int, error) {
	mr := p.mr
	if p.n == 0 && p.err == nil && mr.br.Buffered() == 0 &&
		len(d) >= max(directRead, len(mr.src.back)+2*len(mr.nlDashBoundary)+2) {
		return p.readDirect(d)
	}
	br := mr.br
	for p.n == 0 && p.err == nil {
		peek, _ := br.Peek(br.Buffered())
		p.n, p.err = scanUntilBoundary(peek, p.mr.dashBoundary, p.mr.nlDashBoundary, p.total, p.readErr)
		if p.n == 0 && p.err == nil {
			// Need more data to tell content from boundary.
			_, p.readErr = br.Peek(len(peek) + 1)
			if p.readErr == io.EOF {
				p.readErr = io.ErrUnexpectedEOF
			}
			if p.readErr == bufio.ErrBufferFull {
				p.readErr = nil // cannot happen: a full buffer always yields content
			}
		}
	}
	if p.n == 0 {
		if p.err != io.EOF {
			return 0, fmt.Errorf("%w: %w", errMalformed, p.err)
		}
		return 0, p.err
	}
	n := min(len(d), p.n)
	n, _ = br.Read(d[:n])
	p.total += int64(n)
	p.n -= n
	if p.n == 0 && p.err == io.EOF {
		return n, io.EOF
	}
	return n, nil
}

// readDirect reads the body into d, which is large, and keeps there the content it finds,
// giving back to the reader what is not content: a boundary and what follows it, or
// bytes that may begin one. The body is read once, without a copy through the buffer.
func (p *part) readDirect(d []byte) (int, error) {
	mr := p.mr
	// The buffer is empty: whatever it still remembers of the source, such as an error
	// it has not reported, the source remembers too.
	mr.br.Reset(&mr.src)
	n := copy(d, mr.src.back) // d has room for it all
	mr.src.back = nil
	for tries := 0; ; tries++ {
		if p.readErr == nil {
			m, err := mr.src.Read(d[n:])
			n += m
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			p.readErr = err
			if m == 0 && err == nil && tries > 100 {
				p.readErr = io.ErrNoProgress
			}
		}
		c, err := scanUntilBoundary(d[:n], mr.dashBoundary, mr.nlDashBoundary, p.total, p.readErr)
		if c == 0 && err == nil {
			continue // d holds only what may begin a boundary: read on
		}
		mr.src.unread(d[c:n])
		p.total += int64(c)
		p.err = err
		switch {
		case err == io.EOF:
			return c, io.EOF
		case c == 0:
			return 0, fmt.Errorf("%w: %w", errMalformed, err)
		}
		return c, nil // an error comes with the next Read, as in Read
	}
}

// scanUntilBoundary scans buf for the boundary and returns how many bytes are content
// and what follows them (io.EOF for the boundary, readErr when buf is all there is), as
// mime/multipart does.
func scanUntilBoundary(buf, dashBoundary, nlDashBoundary []byte, total int64, readErr error) (int, error) {
	if total == 0 {
		// At the beginning of the content, the boundary may come without a line break.
		if bytes.HasPrefix(buf, dashBoundary) {
			switch matchAfterPrefix(buf, dashBoundary, readErr) {
			case -1:
				return len(dashBoundary), nil
			case 0:
				return 0, nil
			case +1:
				return 0, io.EOF
			}
		}
		if bytes.HasPrefix(dashBoundary, buf) {
			return 0, readErr
		}
	}
	if i := bytes.Index(buf, nlDashBoundary); i >= 0 {
		switch matchAfterPrefix(buf[i:], nlDashBoundary, readErr) {
		case -1:
			return i + len(nlDashBoundary), nil
		case 0:
			return i, nil
		case +1:
			return i, io.EOF
		}
	}
	if bytes.HasPrefix(nlDashBoundary, buf) {
		return 0, readErr
	}
	// Anything before the last line break is content, and so is what follows it unless
	// it could be the start of a boundary.
	i := bytes.LastIndexByte(buf, nlDashBoundary[0])
	if i >= 0 && bytes.HasPrefix(nlDashBoundary, buf[i:]) {
		return i, nil
	}
	return len(buf), readErr
}

// matchAfterPrefix tells whether buf, which starts with prefix, is a boundary (+1), is
// not (-1), or needs more data to tell (0).
func matchAfterPrefix(buf, prefix []byte, readErr error) int {
	if len(buf) == len(prefix) {
		if readErr != nil {
			return +1
		}
		return 0
	}
	c := buf[len(prefix)]
	if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
		return +1
	}
	if c == '-' {
		if len(buf) == len(prefix)+1 {
			if readErr != nil {
				return -1
			}
			return 0
		}
		if buf[len(prefix)+1] == '-' {
			return +1
		}
	}
	return -1
}

func (mr *multipartReader) isFinalBoundary(line []byte) bool {
	if !bytes.HasPrefix(line, mr.dashBoundaryDash) {
		return false
	}
	rest := skipLWSP(line[len(mr.dashBoundaryDash):])
	return len(rest) == 0 || bytes.Equal(rest, mr.nl)
}

func (mr *multipartReader) isBoundaryDelimiterLine(line []byte) bool {
	if !bytes.HasPrefix(line, mr.dashBoundary) {
		return false
	}
	rest := skipLWSP(line[len(mr.dashBoundary):])
	// Bodies whose lines end in "\n" alone break RFC 2046 but occur; the first boundary
	// line decides.
	if mr.partsRead == 0 && len(rest) == 1 && rest[0] == '\n' {
		mr.nl = mr.nl[1:]
		mr.nlDashBoundary = mr.nlDashBoundary[1:]
	}
	return bytes.Equal(rest, mr.nl)
}

func skipLWSP(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}
