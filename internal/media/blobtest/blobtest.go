// Package blobtest states what a blob store (media.Blobs) must do as one black-box test
// suite, Run, that every store passes: the disk store (fsblob) and the S3 store (s3blob).
// Content addressing, no overwrite, nothing left behind by a failed or abandoned upload,
// ranges, stat, remove, and memory that stays flat however large the file.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/indiepub/indiepub/internal/media"
)

// Lister is what the suite needs of a store besides media.Blobs: a view of everything it
// holds, to check that nothing is left behind. A test wraps the store under test in a
// type that has it.
type Lister interface {
	// List returns every object the store holds, committed or not: temp files,
	// temporary objects and unfinished multipart uploads included, in any order.
	List(ctx context.Context) ([]string, error)
}

// Run runs the contract against the stores open makes: each call returns a new, empty
// store that is a media.Blobs and a Lister.
func Run(t *testing.T, open func(t *testing.T) media.Blobs) {
	for _, c := range contracts {
		t.Run(c.name, func(t *testing.T) { c.run(t, open(t)) })
	}
}

// T is what a contract needs of its test. *testing.T has it; the suite's own test
// records the failures instead, to check that each contract catches a broken store.
type T interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
}

// contract is one test of the suite, on a new, empty store.
type contract struct {
	name string
	run  func(t T, b media.Blobs)
}

var contracts = []contract{
	{"RoundTrip", testRoundTrip},
	{"SameBytesOneBlob", testSameBytesOneBlob},
	{"SameBytesConcurrently", testSameBytesConcurrently},
	{"NoOverwrite", testNoOverwrite},
	{"ReadErrorLeavesNothing", testReadErrorLeavesNothing},
	{"CancelLeavesNothing", testCancelLeavesNothing},
	{"TooLargeLeavesNothing", testTooLargeLeavesNothing},
	{"DiscardLeavesNothing", testDiscardLeavesNothing},
	{"Ranges", testRanges},
	{"Remove", testRemove},
	{"Missing", testMissing},
	{"LargeUploadFlatMemory", testLarge},
}

// lister returns b's Lister, or fails the test.
func lister(t T, b media.Blobs) Lister {
	t.Helper()
	l, ok := b.(Lister)
	if !ok {
		t.Fatalf("%T is not a blobtest.Lister: wrap the store in a type that lists its objects", b)
	}
	return l
}

// list returns what b holds, sorted.
func list(t T, b media.Blobs) []string {
	t.Helper()
	names, err := lister(t, b).List(context.Background())
	if err != nil {
		t.Fatalf("list the store: %v", err)
	}
	slices.Sort(names)
	return names
}

// wantHolds checks that b holds exactly n objects.
func wantHolds(t T, b media.Blobs, n int, when string) {
	t.Helper()
	if got := list(t, b); len(got) != n {
		t.Errorf("%s: the store holds %q, want %d object(s)", when, got, n)
	}
}

// keyOf is the key the media service would give content of hash.
func keyOf(hash string) string { return media.Blob{Hash: hash, Type: "image/png"}.Path() }

// hashOf is the hex SHA-256 of b.
func hashOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// content makes n bytes that differ with seed.
func content(n, seed int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}).Read(b)
	return b
}

// receive receives data as the media service does, head first, and fails the test if the
// store refuses it.
func receive(t T, b media.Blobs, data []byte) *media.Received {
	t.Helper()
	head := data[:min(len(data), media.HeadSize)]
	r, err := b.Receive(context.Background(), head, bytes.NewReader(data[len(head):]), 1<<40)
	if err != nil {
		t.Fatalf("Receive of %d bytes: %v", len(data), err)
	}
	if r.Hash != hashOf(data) || r.Size != int64(len(data)) {
		t.Fatalf("Receive: hash %s size %d, want %s size %d", r.Hash, r.Size, hashOf(data), len(data))
	}
	return r
}

// store receives data and commits it at its key, which it returns.
func store(t T, b media.Blobs, data []byte) string {
	t.Helper()
	r := receive(t, b, data)
	defer r.Discard()
	key := keyOf(r.Hash)
	if err := r.Commit(context.Background(), key); err != nil {
		t.Fatalf("Commit %s: %v", key, err)
	}
	return key
}

// read returns the whole blob at key.
func read(t T, b media.Blobs, key string) []byte {
	t.Helper()
	f, info, err := b.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open %s: %v", key, err)
	}
	defer f.Close()
	got, err := io.ReadAll(f)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	if info.Size != int64(len(got)) {
		t.Errorf("Open %s: Info.Size %d, but %d bytes read", key, info.Size, len(got))
	}
	return got
}

func testRoundTrip(t T, b media.Blobs) {
	data := content(100_000, 1)
	r := receive(t, b, data)
	got, err := io.ReadAll(r.Content())
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("Content before Commit: %d bytes, %v; want the %d bytes received", len(got), err, len(data))
	}
	key := keyOf(r.Hash)
	if _, err := b.Stat(context.Background(), key); !errors.Is(err, media.ErrNotFound) {
		t.Errorf("Stat before Commit: %v, want media.ErrNotFound (nothing visible before Commit)", err)
	}
	if err := r.Commit(context.Background(), key); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	r.Discard()
	info, err := b.Stat(context.Background(), key)
	if err != nil || info.Size != int64(len(data)) || info.ModTime.IsZero() {
		t.Errorf("Stat: %+v %v, want size %d and a time", info, err, len(data))
	}
	if got := read(t, b, key); !bytes.Equal(got, data) {
		t.Errorf("Open: %d bytes, not the %d stored", len(got), len(data))
	}
	wantHolds(t, b, 1, "after Commit and Discard")
	empty := store(t, b, content(1, 2)) // a one-byte file: no head beyond it
	if got := read(t, b, empty); len(got) != 1 {
		t.Errorf("one-byte blob read back as %d bytes", len(got))
	}
}

func testSameBytesOneBlob(t T, b media.Blobs) {
	data := content(300_000, 3)
	k1 := store(t, b, data)
	k2 := store(t, b, data)
	if k1 != k2 {
		t.Errorf("the same bytes twice: keys %s and %s, want one", k1, k2)
	}
	wantHolds(t, b, 1, "the same bytes stored twice")
	store(t, b, content(300_000, 4))
	wantHolds(t, b, 2, "and other bytes")
}

func testSameBytesConcurrently(t T, b media.Blobs) {
	data := content(3<<20, 5)
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			r, err := b.Receive(context.Background(), data[:512], bytes.NewReader(data[512:]), 1<<30)
			if err != nil {
				errs[i] = err
				return
			}
			defer r.Discard()
			errs[i] = r.Commit(context.Background(), keyOf(r.Hash))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("upload %d: %v", i, err)
		}
	}
	wantHolds(t, b, 1, "the same bytes uploaded at once by four")
	if got := read(t, b, keyOf(hashOf(data))); !bytes.Equal(got, data) {
		t.Errorf("blob read back: %d bytes, not those uploaded", len(got))
	}
}

func testNoOverwrite(t T, b media.Blobs) {
	first := content(10_000, 6)
	key := store(t, b, first)
	r := receive(t, b, content(10_000, 7))
	defer r.Discard()
	// A key holds the bytes first committed there; committing others to it (which the
	// service never does, keys being hashes) must not replace them.
	if err := r.Commit(context.Background(), key); err != nil {
		t.Logf("Commit over an existing key: %v", err)
	}
	r.Discard()
	if got := read(t, b, key); !bytes.Equal(got, first) {
		t.Errorf("%s after a second Commit: not the bytes first stored", key)
	}
	wantHolds(t, b, 1, "after a Commit over an existing key")
}

// failingReader returns n bytes and then err, as a client that hangs up mid-upload.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// cuts are where the failure tests cut a body: in the head, within a first chunk or
// part, and after several parts have gone (a store that uploads in parts of 5 to 8 MiB).
var cuts = []int{100, 600 << 10, 17 << 20}

func testReadErrorLeavesNothing(t T, b media.Blobs) {
	data := content(18<<20, 8)
	cause := errors.New("connection reset by peer")
	for _, cut := range cuts {
		head := data[:min(cut, media.HeadSize)]
		_, err := b.Receive(context.Background(), head, &failingReader{data: data[len(head):cut], err: cause}, 1<<30)
		if !errors.Is(err, cause) {
			t.Errorf("body cut at %d: Receive %v, want the reader's error", cut, err)
		}
		wantHolds(t, b, 0, "after a body cut")
	}
}

// cancellingReader gives data and cancels the upload's context once it has given after
// bytes, as a server shutting down or a client gone; it goes on giving data.
type cancellingReader struct {
	data   []byte
	after  int
	given  int
	cancel context.CancelFunc
}

func (r *cancellingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 64<<10)], r.data)
	r.data = r.data[n:]
	r.given += n
	if r.given >= r.after {
		r.cancel()
	}
	return n, nil
}

func testCancelLeavesNothing(t T, b media.Blobs) {
	data := content(24<<20, 9)
	for _, cut := range cuts {
		ctx, cancel := context.WithCancel(context.Background())
		r := &cancellingReader{data: data[media.HeadSize:], after: cut, cancel: cancel}
		rec, err := b.Receive(ctx, data[:media.HeadSize], r, 1<<30)
		cancel()
		if err == nil {
			rec.Discard()
			t.Errorf("cancelled after %d bytes: Receive succeeded, want the context's error", cut)
		} else if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled after %d bytes: Receive %v, want context.Canceled", cut, err)
		}
		wantHolds(t, b, 0, "after a cancelled upload")
	}
}

func testTooLargeLeavesNothing(t T, b media.Blobs) {
	data := content(20<<20, 10)
	for _, max := range []int64{1000, 10 << 20} {
		_, err := b.Receive(context.Background(), data[:512], bytes.NewReader(data[512:]), max)
		if !errors.Is(err, media.ErrTooLarge) {
			t.Errorf("%d bytes with max %d: %v, want media.ErrTooLarge", len(data), max, err)
		}
		wantHolds(t, b, 0, "after a refused upload")
	}
	exact := data[:1000]
	r, err := b.Receive(context.Background(), exact[:512], bytes.NewReader(exact[512:]), 1000)
	if err != nil {
		t.Fatalf("exactly max bytes: %v", err)
	}
	r.Discard()
}

func testDiscardLeavesNothing(t T, b media.Blobs) {
	for _, n := range []int{5000, 12 << 20} {
		r := receive(t, b, content(n, 11))
		r.Discard()
		wantHolds(t, b, 0, "after Discard without Commit")
		if _, err := b.Stat(context.Background(), keyOf(r.Hash)); !errors.Is(err, media.ErrNotFound) {
			t.Errorf("Stat of a discarded blob: %v, want media.ErrNotFound", err)
		}
	}
}

func testRanges(t T, b media.Blobs) {
	data := content(3<<20+17, 12)
	key := store(t, b, data)
	f, info, err := b.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open %s: %v", key, err)
	}
	defer f.Close()
	if info.Size != int64(len(data)) {
		t.Errorf("Open: size %d, want %d", info.Size, len(data))
	}
	size := int64(len(data))
	tests := []struct {
		offset int64
		whence int
		at     int64 // the absolute offset
		n      int
	}{
		{0, io.SeekStart, 0, 100},
		{2 << 20, io.SeekStart, 2 << 20, 64 << 10},
		{-10, io.SeekEnd, size - 10, 10},
		{1000, io.SeekStart, 1000, 1},
		{5, io.SeekCurrent, 1006, 4096},
		{0, io.SeekEnd, size, 0},
	}
	for _, tt := range tests {
		at, err := f.Seek(tt.offset, tt.whence)
		if err != nil || at != tt.at {
			t.Errorf("Seek(%d, %d) = %d %v, want %d", tt.offset, tt.whence, at, err, tt.at)
			continue
		}
		got := make([]byte, tt.n)
		if _, err := io.ReadFull(f, got); err != nil {
			t.Errorf("read %d bytes at %d: %v", tt.n, at, err)
			continue
		}
		if !bytes.Equal(got, data[at:at+int64(tt.n)]) {
			t.Errorf("%d bytes at %d: not the stored ones", tt.n, at)
		}
	}
	if _, err := f.Seek(size-3, io.SeekStart); err != nil {
		t.Fatalf("%v", err)
	}
	if rest, err := io.ReadAll(f); err != nil || !bytes.Equal(rest, data[size-3:]) {
		t.Errorf("read to the end from size-3: %q %v, want the last 3 bytes", rest, err)
	}
}

func testRemove(t T, b media.Blobs) {
	key := store(t, b, content(50_000, 13))
	other := store(t, b, content(50_000, 14))
	if err := b.Remove(context.Background(), key); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if _, err := b.Stat(context.Background(), key); !errors.Is(err, media.ErrNotFound) {
		t.Errorf("Stat after Remove: %v, want media.ErrNotFound", err)
	}
	if _, _, err := b.Open(context.Background(), key); !errors.Is(err, media.ErrNotFound) {
		t.Errorf("Open after Remove: %v, want media.ErrNotFound", err)
	}
	if err := b.Remove(context.Background(), key); !errors.Is(err, media.ErrNotFound) {
		t.Errorf("Remove twice: %v, want media.ErrNotFound", err)
	}
	if _, err := b.Stat(context.Background(), other); err != nil {
		t.Errorf("Stat of the other blob after Remove: %v", err)
	}
	wantHolds(t, b, 1, "after removing one of two")
	// Stored again after removal: back, with the same key.
	if again := store(t, b, content(50_000, 13)); again != key {
		t.Errorf("stored again: key %s, want %s", again, key)
	}
}

func testMissing(t T, b media.Blobs) {
	stored := store(t, b, content(1000, 15))
	h := hashOf(content(1000, 16))
	keys := []string{keyOf(h), "", "../../etc/passwd", "/" + stored, ".tmp/upload-1",
		h[0:2] + "/../" + stored, stored + "/x", h[0:2] + "\\" + h[2:4] + "\\" + h + ".png"}
	for _, key := range keys {
		if _, err := b.Stat(context.Background(), key); !errors.Is(err, media.ErrNotFound) {
			t.Errorf("Stat(%q): %v, want media.ErrNotFound", key, err)
		}
		if f, _, err := b.Open(context.Background(), key); !errors.Is(err, media.ErrNotFound) {
			if err == nil {
				f.Close()
			}
			t.Errorf("Open(%q): %v, want media.ErrNotFound", key, err)
		}
		if err := b.Remove(context.Background(), key); !errors.Is(err, media.ErrNotFound) {
			t.Errorf("Remove(%q): %v, want media.ErrNotFound", key, err)
		}
	}
	wantHolds(t, b, 1, "after looking for what is not there")
}
