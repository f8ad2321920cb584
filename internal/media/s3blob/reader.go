package s3blob

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/minio/minio-go/v7"
)

// reader reads an object from an offset that Seek moves: the GET that Open starts serves
// a read from the start (http.ServeContent seeks to the end for the size, then back), and
// a read elsewhere (a Range request) drops it, without reading it to its end, for a GET
// of the range from there on.
type reader struct {
	ctx  context.Context
	s    *Store
	name string
	size int64
	off  int64         // where the next Read reads
	body io.ReadCloser // the GET in progress, if any
	pos  int64         // where body is
}

func (r *reader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	if r.body == nil || r.pos != r.off {
		if err := r.get(); err != nil {
			return 0, err
		}
	}
	n, err := r.body.Read(p)
	r.off += int64(n)
	r.pos += int64(n)
	if err == io.EOF && r.off < r.size {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// get starts a GET from r.off to the end.
func (r *reader) get() error {
	r.drop()
	var opts minio.GetObjectOptions
	if r.off > 0 {
		if err := opts.SetRange(r.off, 0); err != nil {
			return err
		}
	}
	body, _, _, err := r.s.core.GetObject(r.ctx, r.s.bucket, r.name, opts)
	if err != nil {
		return fmt.Errorf("media: read %s at %d: %w", r.name, r.off, err)
	}
	r.body, r.pos = body, r.off
	return nil
}

// drop closes the GET in progress: closing its body unread drops the connection, which
// costs less than reading the rest of a large file to keep it.
func (r *reader) drop() {
	if r.body != nil {
		r.body.Close()
		r.body = nil
	}
}

func (r *reader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.size
	default:
		return 0, errors.New("s3blob: seek: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("s3blob: seek: negative position")
	}
	r.off = offset
	return offset, nil
}

func (r *reader) Close() error {
	r.drop()
	return nil
}
