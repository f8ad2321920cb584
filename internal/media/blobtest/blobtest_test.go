package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/media"
)

// memory is a blob store in memory that keeps the contract, flat memory aside (it holds
// every blob whole), with switches that break it in one respect each.
type memory struct {
	mu      sync.Mutex
	objects map[string][]byte
	broken  string
	n       int
}

func newMemory(broken string) *memory { return &memory{objects: map[string][]byte{}, broken: broken} }

func (m *memory) List(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Collect(maps.Keys(m.objects)), nil
}

func (m *memory) put(name string, b []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objects[name] = b
}

func (m *memory) drop(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objects, name)
}

func (m *memory) get(name string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objects[name]
	return b, ok
}

func (m *memory) Receive(ctx context.Context, head []byte, r io.Reader, max int64) (*media.Received, error) {
	m.mu.Lock()
	m.n++
	tmp := fmt.Sprintf(".tmp/%d", m.n)
	m.mu.Unlock()
	var buf bytes.Buffer
	buf.Write(head)
	chunk := make([]byte, 64<<10)
	for {
		if err := ctx.Err(); err != nil && m.broken != "ignores cancel" {
			return nil, m.failed(tmp, &buf, err)
		}
		n, err := r.Read(chunk)
		buf.Write(chunk[:n])
		if int64(buf.Len()) > max && m.broken != "ignores max" {
			return nil, m.failed(tmp, &buf, media.ErrTooLarge)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, m.failed(tmp, &buf, err)
		}
	}
	m.put(tmp, buf.Bytes())
	sum := sha256.Sum256(buf.Bytes())
	return &media.Received{Hash: hex.EncodeToString(sum[:]), Size: int64(buf.Len()),
		Pending: &memPending{m: m, tmp: tmp}}, nil
}

// failed ends a failed receive, leaving what a broken store leaves.
func (m *memory) failed(tmp string, buf *bytes.Buffer, err error) error {
	if m.broken == "leaves failed uploads" {
		m.put(tmp, buf.Bytes())
	}
	return err
}

type memPending struct {
	m   *memory
	tmp string
}

func (p *memPending) Content() io.Reader {
	b, _ := p.m.get(p.tmp)
	if p.m.broken == "gives other content" {
		return bytes.NewReader(b[1:])
	}
	return bytes.NewReader(b)
}

func (p *memPending) Commit(_ context.Context, key string) error {
	if !validKey(key) {
		return media.ErrNotFound
	}
	b, _ := p.m.get(p.tmp)
	switch _, exists := p.m.get(key); {
	case p.m.broken == "copies every commit":
		p.m.put(key+fmt.Sprintf("~%d", time.Now().UnixNano()), b)
		fallthrough
	case !exists || p.m.broken == "overwrites":
		p.m.put(key, b)
	}
	return nil
}

func (p *memPending) Discard() {
	if p.m.broken != "keeps discarded uploads" {
		p.m.drop(p.tmp)
	}
}

func validKey(key string) bool {
	return fs.ValidPath(key) && key != "." && !strings.HasPrefix(key, ".") && !strings.Contains(key, "\\")
}

func (m *memory) Stat(_ context.Context, key string) (media.Info, error) {
	b, ok := m.get(key)
	if !ok || !validKey(key) {
		if m.broken == "fails other than not found" {
			return media.Info{}, errors.New("stat failed")
		}
		return media.Info{}, media.ErrNotFound
	}
	return media.Info{Size: int64(len(b)), ModTime: time.Now()}, nil
}

func (m *memory) Open(ctx context.Context, key string) (io.ReadSeekCloser, media.Info, error) {
	info, err := m.Stat(ctx, key)
	if err != nil {
		return nil, info, err
	}
	b, _ := m.get(key)
	r := &seeker{Reader: bytes.NewReader(b), off: m.broken == "seeks wrong"}
	return r, info, nil
}

// seeker is a bytes.Reader whose Seek can be off by one.
type seeker struct {
	*bytes.Reader
	off bool
}

func (s *seeker) Seek(offset int64, whence int) (int64, error) {
	if s.off && offset > 0 {
		offset++
	}
	return s.Reader.Seek(offset, whence)
}

func (s *seeker) Close() error { return nil }

func (m *memory) Remove(ctx context.Context, key string) error {
	if _, err := m.Stat(ctx, key); err != nil && m.broken != "removes silently" {
		return err
	}
	m.drop(key)
	return nil
}

// breakers names, for each contract, a way of breaking the memory store it must catch.
var breakers = map[string]string{
	"RoundTrip":              "gives other content",
	"SameBytesOneBlob":       "copies every commit",
	"SameBytesConcurrently":  "copies every commit",
	"NoOverwrite":            "overwrites",
	"ReadErrorLeavesNothing": "leaves failed uploads",
	"CancelLeavesNothing":    "ignores cancel",
	"TooLargeLeavesNothing":  "ignores max",
	"DiscardLeavesNothing":   "keeps discarded uploads",
	"Ranges":                 "seeks wrong",
	"Remove":                 "removes silently",
	"Missing":                "fails other than not found",
	"LargeUploadFlatMemory":  "", // the memory store itself holds every blob whole
}

// TestContractsCatchBrokenStores runs each contract on the memory store, which passes it
// (flat memory aside), and on the memory store broken in that contract's one respect,
// which it must fail.
func TestContractsCatchBrokenStores(t *testing.T) {
	largeOverride = 64 << 20
	defer func() { largeOverride = 0 }()
	for _, c := range contracts {
		broken, ok := breakers[c.name]
		if !ok {
			t.Errorf("contract %s has no broken store to catch", c.name)
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			if broken != "" {
				if failures := runRecorded(c, newMemory("")); len(failures) > 0 {
					t.Fatalf("fails on the memory store, which keeps it: %s", failures[0])
				}
			}
			failures := runRecorded(c, newMemory(broken))
			if len(failures) == 0 {
				t.Errorf("passes on a store that %s", cmpOr(broken, "holds every blob in memory"))
				return
			}
			t.Logf("catches a store that %s: %s", cmpOr(broken, "holds every blob in memory"), failures[0])
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// runRecorded runs a contract and returns its failures.
func runRecorded(c contract, b media.Blobs) []string {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.run(r, b)
	}()
	<-done
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failures
}

// recorder is a T that records failures; Fatalf ends the contract's goroutine, as
// testing.T's does.
type recorder struct {
	mu       sync.Mutex
	failures []string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Logf(string, ...any)       {}
func (r *recorder) Errorf(f string, a ...any) { r.fail(fmt.Sprintf(f, a...)) }
func (r *recorder) Fatalf(f string, a ...any) {
	r.fail(fmt.Sprintf(f, a...))
	runtime.Goexit()
}

func (r *recorder) fail(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, msg)
}
