package fsblob

import (
	"context"
	"io"
	"testing"

	"github.com/indiepub/indiepub/internal/media"
)

// testConfig configures a testStore: the folder, the media service's limits, and the
// raw receiving's step and window (the lead is two steps), zero for the defaults.
type testConfig struct {
	Dir          string
	Types        []string
	MaxSize      int64
	Step, Window int64
}

// testStore is a Store behind the media service, which checks types and sizes, as the
// server runs it; Put and PutRaw upload through the service.
type testStore struct {
	*Store
	svc *media.Service
}

// newStore opens a Store in cfg.Dir (a new temp folder if empty).
func newStore(tb testing.TB, cfg testConfig) *testStore {
	tb.Helper()
	if cfg.Dir == "" {
		cfg.Dir = tb.TempDir()
	}
	s, err := New(Config{Dir: cfg.Dir, RawStep: cfg.Step, RawWindow: cfg.Window, RawLead: 2 * cfg.Step})
	if err != nil {
		tb.Fatal(err)
	}
	svc := media.NewService(media.ServiceConfig{URL: "https://example.com/", Types: cfg.Types, MaxSize: cfg.MaxSize},
		s, noRecords{})
	return &testStore{Store: s, svc: svc}
}

func (s *testStore) Dir() string { return s.dir }

// Put uploads r, declared as declared, through the service.
func (s *testStore) Put(r io.Reader, declared string) (media.Blob, error) {
	u, err := s.svc.Upload(context.Background(), r, declared)
	return blobOf(u, err)
}

// testPending is a file received raw and not yet visible, as the service sees it.
type testPending struct {
	*media.Received
	Type string
}

// Path is where the file goes.
func (p *testPending) Path() string { return media.Blob{Hash: p.Hash, Type: p.Type}.Path() }

// Commit makes the file visible at its path.
func (p *testPending) Commit() error { return p.Received.Commit(context.Background(), p.Path()) }

// ReceiveRaw checks head's type as the service does and receives the body raw.
func (s *testStore) ReceiveRaw(head []byte, declared string, body *media.RawBody) (*testPending, error) {
	if err := s.svc.Check(head, declared); err != nil {
		return nil, err
	}
	r, err := s.Store.ReceiveRaw(context.Background(), head, body, s.svc.MaxSize())
	if err != nil {
		return nil, err
	}
	return &testPending{Received: r, Type: media.Sniff(head)}, nil
}

func blobOf(u *media.Upload, err error) (media.Blob, error) {
	if err != nil {
		return media.Blob{}, err
	}
	return media.Blob{Hash: u.Hash, Type: u.Type, Size: u.Size}, nil
}

// Lookup returns the blob stored at path, as the service serves it.
func (s *testStore) Lookup(path string) (media.Blob, error) {
	f, b, err := s.svc.Open(context.Background(), path)
	if err != nil {
		return media.Blob{}, err
	}
	f.Close()
	return b, nil
}

// Accepts reports whether the service accepts typ.
func (s *testStore) Accepts(typ string) bool { return s.svc.Accepts(typ) }

// noRecords keeps no records: these tests are about the files.
type noRecords struct{}

func (noRecords) SaveUpload(context.Context, *media.Upload) error { return nil }
func (noRecords) Upload(context.Context, string) (*media.Upload, error) {
	return nil, media.ErrNotFound
}
func (noRecords) Uploads(context.Context, int, int) ([]*media.Upload, error) { return nil, nil }
func (noRecords) DeleteUpload(context.Context, string) error                 { return nil }
func (noRecords) PostsReferencing(context.Context, string, int) ([]string, error) {
	return nil, nil
}
