package blobtest

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/media"
)

// LargeEnv names the environment variable that makes the large-upload test send 1 GiB
// (it sends 64 MiB otherwise): INDIEPUB_TEST_LARGE=1, or CI=true. Under -short it sends
// 64 MiB whatever the environment.
const LargeEnv = "INDIEPUB_TEST_LARGE"

// MaxHeapGrowth bounds how much the heap in use may grow while a store receives a large
// upload: the store's buffers (chunks, parts in flight), never the file.
const MaxHeapGrowth = 48 << 20

// largeOverride, when set, is the large upload's size whatever the environment: the
// suite's own test sends a store that holds everything in memory no more than 64 MiB.
var largeOverride int64

// largeSize is the size of the large upload: 1 GiB with LargeEnv or under CI, else
// 64 MiB.
func largeSize() int64 {
	if largeOverride > 0 {
		return largeOverride
	}
	if testing.Short() {
		return 64 << 20
	}
	large, _ := strconv.ParseBool(os.Getenv(LargeEnv))
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	if large || ci {
		return 1 << 30
	}
	return 64 << 20
}

// Generator is a reader of n pseudo-random bytes made on the fly, so that a large upload
// needs no memory of its own: a 1 MiB block, each copy of it stamped with its number.
type Generator struct {
	block []byte
	n, at int64
}

// NewGenerator returns a Generator of n bytes.
func NewGenerator(n int64) *Generator {
	return &Generator{block: content(1<<20, 99), n: n}
}

func (g *Generator) Read(p []byte) (int, error) {
	if g.at >= g.n {
		return 0, io.EOF
	}
	off := g.at % int64(len(g.block))
	m := copy(p, g.block[off:min(int64(len(g.block)), off+g.n-g.at)])
	// The first bytes of each block carry its number, so that no two blocks are alike.
	if off < 8 {
		var stamp [8]byte
		binary.BigEndian.PutUint64(stamp[:], uint64(g.at/int64(len(g.block))))
		copy(p[:m], stamp[off:])
	}
	g.at += int64(m)
	return m, nil
}

// heapPeak samples the heap in use until stop is called, which returns the largest value
// seen.
func heapPeak() (stop func() uint64) {
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() uint64 { close(done); wg.Wait(); return peak }
}

func testLarge(t T, b media.Blobs) {
	size := largeSize()
	if size < 1<<30 {
		t.Logf("sending %d MiB; %s=1 or CI=true (without -short) sends 1 GiB", size>>20, LargeEnv)
	}
	want := sha256.New()
	if _, err := io.Copy(want, NewGenerator(size)); err != nil {
		t.Fatalf("%v", err)
	}
	wantHash := hex.EncodeToString(want.Sum(nil))

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := heapPeak()
	start := time.Now()
	gen := NewGenerator(size)
	head := make([]byte, media.HeadSize)
	if _, err := io.ReadFull(gen, head); err != nil {
		t.Fatalf("%v", err)
	}
	r, err := b.Receive(context.Background(), head, gen, size)
	if err != nil {
		stop()
		t.Fatalf("Receive of %d MiB: %v", size>>20, err)
	}
	defer r.Discard()
	key := keyOf(r.Hash)
	err = r.Commit(context.Background(), key)
	peak := stop()
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	elapsed := time.Since(start)
	growth := int64(peak) - int64(before.HeapInuse)
	t.Logf("%d MiB in %v (%.0f MB/s); heap in use %.1f MiB before, %.1f MiB at most during",
		size>>20, elapsed.Round(time.Millisecond), float64(size)/elapsed.Seconds()/1e6,
		float64(before.HeapInuse)/(1<<20), float64(peak)/(1<<20))
	if r.Hash != wantHash || r.Size != size {
		t.Errorf("received hash %s size %d, want %s size %d", r.Hash, r.Size, wantHash, size)
	}
	if growth > MaxHeapGrowth {
		t.Errorf("the heap in use grew by %.1f MiB while receiving, want at most %d MiB: memory must stay flat",
			float64(growth)/(1<<20), MaxHeapGrowth>>20)
	}
	info, err := b.Stat(context.Background(), key)
	if err != nil || info.Size != size {
		t.Errorf("Stat: %+v %v, want size %d", info, err, size)
	}
	// The last bytes, through a range: the end of the file is where it should be.
	f, _, err := b.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("%v", err)
	}
	defer f.Close()
	if _, err := f.Seek(-5, io.SeekEnd); err != nil {
		t.Fatalf("%v", err)
	}
	tail, err := io.ReadAll(f)
	if err != nil || len(tail) != 5 {
		t.Errorf("the last 5 bytes: %d bytes, %v", len(tail), err)
	}
	if err := b.Remove(context.Background(), key); err != nil && !errors.Is(err, media.ErrNotFound) {
		t.Errorf("Remove: %v", err)
	}
}
