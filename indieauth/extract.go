package indieauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// ErrNoToken means the request carried no token (401).
var ErrNoToken = errors.New("no access token was sent")

// ErrTwoTokens means the request carried two different tokens (400).
var ErrTwoTokens = errors.New("two different access tokens were sent")

// ErrInvalidRequest means the request could not be read (400).
var ErrInvalidRequest = errors.New("invalid request")

// DefaultMaxBody is the body size ExtractToken buffers at most when it looks for a token in
// a form or JSON body.
const DefaultMaxBody = 10 << 20

const (
	// multipartScanLimit bounds how much of a multipart body is held while looking for an
	// access_token part ahead of the first file.
	multipartScanLimit = 1 << 20
	// maxTokenLen bounds a token read from a multipart part; real tokens are far shorter.
	maxTokenLen = 4096
)

// ExtractToken finds the raw token in a request, reading bodies of at most DefaultMaxBody
// bytes; see ExtractTokenLimit.
func ExtractToken(r *http.Request) (string, error) {
	return ExtractTokenLimit(r, DefaultMaxBody)
}

// ExtractTokenLimit finds the raw token in a request, in the places Micropub allows
// (W3C Micropub §5.1): the Authorization header ("Bearer"), then access_token in the query
// string or in a form-encoded body, then access_token in a JSON body. The same token in
// several places is accepted (Quill sends it in the header and in the body); two different
// ones are ErrTwoTokens.
//
// To look into a form or JSON body it reads the body, up to maxBody bytes (more is an
// *http.MaxBytesError), and replaces r.Body with the bytes read, so the handler still sees
// the whole body.
//
// A multipart body is never buffered, because uploads are large and must stream to the
// handler. When the header or the query string carries a token, the body is not read at
// all, so a different token inside a multipart body goes unnoticed; the header is what
// counts. Otherwise only the text parts ahead of the first file part are read, looking for
// an access_token part (Quill and OwnYourGram put it there), holding at most 1 MiB; the
// bytes read are then put back in front of the rest of the stream, so the handler reads
// the body from its first byte while the file contents still arrive from the connection.
func ExtractTokenLimit(r *http.Request, maxBody int64) (string, error) {
	var found tokens
	found.add(bearer(r.Header.Get("Authorization")))
	// Checking the raw query first spares parsing it on every request.
	if strings.Contains(r.URL.RawQuery, "access_token") {
		for _, v := range r.URL.Query()["access_token"] {
			found.add(v)
		}
	}
	var err error
	switch mediaType, params := contentType(r); {
	case r.Body == nil || r.Body == http.NoBody:
	case mediaType == "application/x-www-form-urlencoded":
		err = fromForm(r, maxBody, &found)
	case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"):
		err = fromJSON(r, maxBody, &found)
	case mediaType == "multipart/form-data" && found.value == "" && params["boundary"] != "":
		err = fromMultipart(r, params["boundary"], &found)
	}
	switch {
	case err != nil:
		return "", err
	case found.conflict:
		return "", ErrTwoTokens
	case found.value == "":
		return "", ErrNoToken
	}
	return found.value, nil
}

// tokens collects the token candidates of one request.
type tokens struct {
	value    string
	conflict bool
}

func (t *tokens) add(v string) {
	switch {
	case v == "":
	case t.value == "":
		t.value = v
	case t.value != v:
		t.conflict = true
	}
}

func bearer(h string) string {
	scheme, rest, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(rest)
}

func contentType(r *http.Request) (string, map[string]string) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return "", nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", nil
	}
	return mt, params
}

// bufferBody reads the whole body, at most max bytes, and puts the bytes back as r.Body.
func bufferBody(r *http.Request, max int64) ([]byte, error) {
	orig := r.Body
	b, err := io.ReadAll(io.LimitReader(orig, max+1))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%w: read body: %w", ErrInvalidRequest, err)
	}
	if int64(len(b)) > max {
		return nil, &http.MaxBytesError{Limit: max}
	}
	r.Body = readCloser{bytes.NewReader(b), orig}
	return b, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

func fromForm(r *http.Request, max int64, found *tokens) error {
	b, err := bufferBody(r, max)
	if err != nil {
		return err
	}
	// Malformed pairs are skipped, not fatal: Sunlit sends unescaped characters, and the
	// handler reports what it cannot parse.
	for pair := range strings.SplitSeq(string(b), "&") {
		k, v, _ := strings.Cut(pair, "=")
		// Only a key with an escape in it needs unescaping to be compared.
		if strings.ContainsAny(k, "%+") {
			var err error
			if k, err = url.QueryUnescape(k); err != nil {
				continue
			}
		}
		if k != "access_token" {
			continue
		}
		if v, err := url.QueryUnescape(v); err == nil {
			found.add(v)
		}
	}
	return nil
}

func fromJSON(r *http.Request, max int64, found *tokens) error {
	b, err := bufferBody(r, max)
	if err != nil {
		return err
	}
	// Most bodies have no token; they are not decoded twice (the handler decodes them).
	if !mayNameToken(b) {
		return nil
	}
	var body struct {
		AccessToken any `json:"access_token"`
	}
	// Invalid JSON is left for the handler to report; here it only means no token.
	if json.Unmarshal(b, &body) == nil {
		if s, ok := body.AccessToken.(string); ok {
			found.add(s)
		}
	}
	return nil
}

// mayNameToken reports whether a JSON body may have an access_token member as
// encoding/json matches names: in any case, through Unicode's folds (ſ for s, K for k)
// and escapes. A body of ASCII alone, with no escape and no "access_token" in any case,
// has none.
func mayNameToken(b []byte) bool {
	const key = "access_token"
	if bytes.Contains(b, []byte(`\u`)) {
		return true
	}
	for i, c := range b {
		switch {
		case c >= utf8.RuneSelf:
			return true
		case c|0x20 == 'a' && i+len(key) <= len(b) && strings.EqualFold(string(b[i:i+len(key)]), key):
			return true
		}
	}
	return false
}

func fromMultipart(r *http.Request, boundary string, found *tokens) error {
	orig := r.Body
	rec := &recorder{r: orig, max: multipartScanLimit}
	mr := multipart.NewReader(rec, boundary)
	for {
		p, err := mr.NextPart()
		if err != nil || p.FileName() != "" {
			break
		}
		if p.FormName() == "access_token" {
			v, err := io.ReadAll(io.LimitReader(p, maxTokenLen))
			if err == nil {
				found.add(strings.TrimSpace(string(v)))
			}
			break
		}
		if _, err := io.Copy(io.Discard, p); err != nil {
			break
		}
	}
	// A read error is not reported here: the handler meets it again when it reads on.
	r.Body = readCloser{io.MultiReader(bytes.NewReader(rec.buf.Bytes()), orig), orig}
	return nil
}

var errScanLimit = errors.New("multipart scan limit reached")

// recorder keeps every byte it reads from r, up to max, so that they can be replayed.
type recorder struct {
	r   io.Reader
	buf bytes.Buffer
	max int
	err error
}

func (rc *recorder) Read(p []byte) (int, error) {
	if rc.err != nil {
		return 0, rc.err
	}
	room := rc.max - rc.buf.Len()
	if room <= 0 {
		rc.err = errScanLimit
		return 0, rc.err
	}
	if len(p) > room {
		p = p[:room]
	}
	n, err := rc.r.Read(p)
	rc.buf.Write(p[:n])
	if err != nil {
		rc.err = err
	}
	return n, err
}
