package micropub

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/post"
)

// saveFunc stores one uploaded file part and returns its URL.
type saveFunc func(field, filename, contentType string, r io.Reader) (string, error)

// parseMultipart streams a multipart/form-data body: text parts become fields as in a
// form, file parts go straight to the media store as they arrive, never buffered whole.
// The URLs of the files stored are added to saved as they are, so that they can be
// discarded should the request fail, in the body or later.
func (h *Handler) parseMultipart(w http.ResponseWriter, r *http.Request, boundary string, tok *indieauth.Token, saved *[]media.Saved) (*request, error) {
	if boundary == "" {
		return nil, fmt.Errorf("%w: multipart body without boundary", post.ErrInvalid)
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBody+h.cfg.MaxUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, fmt.Errorf("%w: multipart: %w", post.ErrInvalid, err)
	}
	save := func(field, filename, contentType string, body io.Reader) (string, error) {
		// A "file" part may be a bare upload, which media allows; any other file part
		// is a property of a post to be created, so the token must be able to create
		// one before anything is stored.
		if field != "file" {
			if _, err := createScope(tok); err != nil {
				return "", err
			}
		} else if !tok.HasScope("create") && !tok.HasScope("media") && !tok.HasScope("draft") {
			return "", &indieauth.ScopeError{Scope: "media"}
		}
		return h.saveMedia(r.Context(), body, filename, contentType, saved)
	}
	return readMultipart(mr, h.cfg.MaxBody, h.cfg.MaxUpload, save)
}

// readMultipart reads every part of mr. Text parts may add up to maxText bytes, each file
// to maxFile bytes.
func readMultipart(mr *multipart.Reader, maxText, maxFile int64, save saveFunc) (*request, error) {
	req := newRequest()
	textLeft := maxText
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, multipartError(err)
		}
		field := part.FormName()
		if isFilePart(part) {
			err = readFilePart(req, part, field, maxFile, save)
		} else {
			err = readTextPart(req, part, field, &textLeft)
		}
		part.Close()
		if err != nil {
			return nil, err
		}
	}
	if err := req.finish(); err != nil {
		return nil, err
	}
	return req, nil
}

func multipartError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return err
	}
	return fmt.Errorf("%w: malformed multipart body: %w", post.ErrInvalid, err)
}

// isFilePart tells a file from a text field: a filename, or a media type on a part
// named like a file.
func isFilePart(p *multipart.Part) bool {
	if p.FileName() != "" {
		return true
	}
	ct := p.Header.Get("Content-Type")
	return strings.HasPrefix(ct, "image/") || strings.HasPrefix(ct, "video/") || strings.HasPrefix(ct, "audio/")
}

func readTextPart(req *request, part *multipart.Part, field string, left *int64) error {
	b, err := io.ReadAll(io.LimitReader(part, *left+1))
	if err != nil {
		return multipartError(err)
	}
	if int64(len(b)) > *left {
		return &http.MaxBytesError{Limit: int64(len(b))}
	}
	*left -= int64(len(b))
	return req.setField(field, string(b))
}

// readFilePart stores a file part. The property it lands in is its field name (photo,
// video, audio, with or without []); a part named "file" is a media upload, kept apart
// unless the request turns out to be a post (see create).
func readFilePart(req *request, part *multipart.Part, field string, maxFile int64, save saveFunc) error {
	name, _ := splitKey(field)
	if name == "" {
		return fmt.Errorf("%w: file part without a name", post.ErrInvalid)
	}
	if isControl(name) {
		return fmt.Errorf("%w: %q is a field, not a file", post.ErrInvalid, field)
	}
	br := bufio.NewReaderSize(&limitedReader{r: part, left: maxFile}, 512)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) {
		return multipartError(err)
	}
	if len(head) == 0 {
		return fmt.Errorf("%w: file part %q is empty", post.ErrInvalid, field)
	}
	ct := fileType(part.Header.Get("Content-Type"), head)
	if ct == "" {
		return fmt.Errorf("%w: file part %q is not an image, video or audio file", post.ErrInvalid, field)
	}
	body := &readErrors{r: br}
	u, err := save(name, part.FileName(), ct, body)
	if body.err != nil {
		// The body broke off (a client gone mid-upload, a part without its closing
		// boundary): the client's fault, whatever the store made of it.
		return multipartError(body.err)
	}
	if err != nil {
		return err
	}
	if name == "file" {
		req.uploads = append(req.uploads, u)
		return nil
	}
	req.addProperty(name, u)
	return nil
}

// fileType is the content type to store a file under: the declared one when it is a
// media type, else what the bytes look like. Text types (HTML, SVG, XML) are refused by
// returning "": served from our origin they could run script.
func fileType(declared string, head []byte) string {
	sniffed := http.DetectContentType(head)
	if strings.HasPrefix(sniffed, "text/") {
		return ""
	}
	for _, prefix := range []string{"image/", "video/", "audio/"} {
		if strings.HasPrefix(declared, prefix) && declared != "image/svg+xml" {
			return declared
		}
	}
	return sniffed
}

// readErrors keeps the first error of reading the part other than io.EOF, so that a
// broken body is told apart from a failure of the store it was read into.
type readErrors struct {
	r   io.Reader
	err error
}

func (e *readErrors) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && e.err == nil {
		e.err = err
	}
	return n, err
}

// limitedReader fails with *http.MaxBytesError, which maps to 413, once more than left
// bytes are read.
type limitedReader struct {
	r    io.Reader
	left int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, &http.MaxBytesError{}
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, &http.MaxBytesError{}
	}
	return n, err
}
