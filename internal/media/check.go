package media

import (
	"context"
	"fmt"
	"io"
)

// receive returns the function that reads r's first bytes, checks their type and has the
// blob store receive the file, for record.
func (s *Service) receive(ctx context.Context, r io.Reader, declared string) func() (*Received, string, error) {
	return func() (*Received, string, error) {
		head := make([]byte, HeadSize)
		n, _, err := Fill(r, head, len(head))
		if err != nil {
			return nil, "", err
		}
		typ, err := s.check(head[:n], declared)
		if err != nil {
			return nil, "", err
		}
		p, err := s.blobs.Receive(ctx, head[:n], r, s.cfg.MaxSize)
		return checkContent(p, typ, err)
	}
}

// checkContent checks the whole of a file received as typ, unless receiving it failed
// with err; only an SVG needs it. A file refused is forgotten.
func checkContent(p *Received, typ string, err error) (*Received, string, error) {
	if err != nil {
		return nil, "", err
	}
	if typ == "image/svg+xml" {
		if err := CheckSVG(p.Content()); err != nil {
			p.Discard()
			return nil, "", err
		}
	}
	return p, typ, nil
}

// Check tells whether content that begins with head (HeadSize bytes, or all of it if
// shorter) would be accepted, declared as declared: ErrEmpty or ErrType if not. Upload
// and UploadRaw check the same; a caller checks first when refusing later costs more.
func (s *Service) Check(head []byte, declared string) error {
	_, err := s.check(head, declared)
	return err
}

// check sniffs head and returns its type if it is accepted and agrees with declared.
func (s *Service) check(head []byte, declared string) (string, error) {
	if len(head) == 0 {
		return "", ErrEmpty
	}
	typ := Sniff(head)
	if !s.Accepts(typ) {
		return "", fmt.Errorf("%w: %s", ErrType, typ)
	}
	if !Agrees(declared, typ) {
		return "", fmt.Errorf("%w: declared %s but the content is %s", ErrType, declared, typ)
	}
	return typ, nil
}

// Accepts reports whether typ is on the allow-list and known to the service.
func (s *Service) Accepts(typ string) bool {
	if extensions[typ] == "" {
		return false
	}
	for _, pattern := range s.cfg.Types {
		if matchType(pattern, typ) {
			return true
		}
	}
	return false
}
