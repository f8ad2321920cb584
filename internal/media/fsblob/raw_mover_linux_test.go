package fsblob

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestMoverFallsBack moves bytes into a file that takes no splice (one opened to
// append: splice(2) refuses it with EINVAL): the mover must copy what the pipe already
// held, read from then on, and lose nothing.
func TestMoverFallsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	client, server := tcpPair(t)
	want := rawContent(7, 3<<20)
	go func() {
		client.Write(want)
		client.Close()
	}()
	move, closeMover := newMover(f, server, defaultRawStep)
	defer closeMover()
	total := 0
	for total < len(want) {
		n, err := move(1 << 20)
		if err != nil {
			t.Fatalf("after %d bytes: %v", total, err)
		}
		if n == 0 {
			t.Fatalf("ended after %d bytes", total)
		}
		total += n
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("file holds %d bytes (%v), want the %d sent", len(got), err, len(want))
	}
}

// TestRawHelpsNotOnTmpfs checks that a store on tmpfs says raw receiving does not pay.
func TestRawHelpsNotOnTmpfs(t *testing.T) {
	if !inMemory("/dev/shm") {
		t.Skip("no tmpfs at /dev/shm")
	}
	dir, err := os.MkdirTemp("/dev/shm", "media-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := newStore(t, testConfig{Dir: dir})
	if s.RawHelps() {
		t.Error("RawHelps on tmpfs, want false")
	}
}
