package fsblob

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/media"
)

// delimEnd is a media.RawBody.End for content that ends at the first "\r\n--END", the way a
// multipart part ends at its boundary, without the multipart package's other rules.
func delimEnd(buf []byte, total int64, final bool) (int, bool, error) {
	const delim = "\r\n--END"
	if i := bytes.Index(buf, []byte(delim)); i >= 0 {
		return i, true, nil
	}
	if final {
		return len(buf), false, errors.New("no end")
	}
	// Keep back what may begin the delimiter.
	for k := min(len(delim)-1, len(buf)); k > 0; k-- {
		if bytes.HasSuffix(buf, []byte(delim[:k])) {
			return len(buf) - k, false, nil
		}
	}
	return len(buf), false, nil
}

// tcpPair returns the two ends of a loopback TCP connection, which the kernel can splice.
func tcpPair(t *testing.T) (client, server net.Conn) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// rawContent is a PNG signature followed by pseudo-random bytes that contain, here and
// there, things that look like the end without being it.
func rawContent(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, 0, n)
	b = append(b, "\x89PNG\r\n\x1a\n"...)
	decoys := []string{"\r\n--EN", "\r\n--", "\r\n", "\r", "\r\n-", "\r\n--ENd", "--END"}
	for len(b) < n {
		if rng.IntN(50) == 0 {
			b = append(b, decoys[rng.IntN(len(decoys))]...)
			continue
		}
		b = append(b, byte(rng.IntN(256)))
	}
	return bytes.ReplaceAll(b[:n], []byte("\r\n--END"), []byte("\r\n--ENd"))
}

// TestReceiveRaw sends content followed by its end and some trailing bytes, split
// between the bytes already read and those still in the connection at every kind of
// place, over a real socket and over a plain reader, with steps and windows small enough
// that the end and the decoys fall across their edges: the stored file must be the
// content, named by its hash, with no temp file left.
func TestReceiveRaw(t *testing.T) {
	for _, sizes := range [][2]int64{{1 << 10, 128}, {4093, 4099}, {64 << 10, 1 << 10}} {
		for _, n := range []int{media.HeadSize + 1, media.HeadSize + 100, 50_000, 300_001} {
			for _, split := range []int{0, 1, 7, 1000} {
				for _, overSocket := range []bool{true, false} {
					name := fmt.Sprintf("step%d-window%d-size%d-split%d-socket%v", sizes[0], sizes[1], n, split, overSocket)
					t.Run(name, func(t *testing.T) {
						content := rawContent(uint64(n+split), n)
						body := append(bytes.Clone(content[media.HeadSize:]), "\r\n--END--\r\nepilogue"...)
						testReceiveRaw(t, testConfig{Step: sizes[0], Window: sizes[1]}, content, body, split, overSocket)
					})
				}
			}
		}
	}
}

func testReceiveRaw(t *testing.T, cfg testConfig, content, body []byte, split int, overSocket bool) {
	s := newStore(t, cfg)
	split = min(split, len(body))
	raw := &media.RawBody{Buffered: body[:split], Remaining: int64(len(body) - split), End: delimEnd}
	if overSocket {
		client, server := tcpPair(t)
		go func() { client.Write(body[split:]) }()
		raw.Conn = server
	} else {
		raw.Conn = bytes.NewReader(body[split:])
	}
	p, err := s.ReceiveRaw(content[:media.HeadSize], "image/png", raw)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Discard()
	sum := sha256.Sum256(content)
	if p.Hash != hex.EncodeToString(sum[:]) || p.Size != int64(len(content)) || p.Type != "image/png" {
		t.Errorf("got %s, %d bytes, %s; want %x, %d bytes, image/png", p.Hash, p.Size, p.Type, sum, len(content))
	}
	if err := p.Commit(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(s.Dir(), p.Path()))
	if err != nil || !bytes.Equal(got, content) {
		t.Errorf("stored file: %v, %d bytes, want the content's %d", err, len(got), len(content))
	}
	p.Discard()
	if tmp, _ := os.ReadDir(filepath.Join(s.Dir(), ".tmp")); len(tmp) != 0 {
		t.Errorf("%d temp files left", len(tmp))
	}
}

// TestReceiveRawRefused covers raw bodies that must not be stored: too large, ended
// before the content did, cut by the client, and of the wrong type. Nothing may be left.
func TestReceiveRawRefused(t *testing.T) {
	content := rawContent(9, 100_000)
	full := append(bytes.Clone(content[media.HeadSize:]), "\r\n--END--\r\n"...)
	for _, tc := range []struct {
		name    string
		max     int64
		body    []byte
		declare string
		hangUp  bool // the client closes the connection after the body, short of its length
		want    error
	}{
		{"too large", 50_000, full, "", false, media.ErrTooLarge},
		{"no end", 0, content[media.HeadSize:], "", false, nil},
		{"hung up", 0, full[:30_000], "", true, nil},
		{"spoofed type", 0, full, "application/pdf", false, media.ErrType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t, testConfig{MaxSize: tc.max, Step: 4 << 10, Window: 1 << 10})
			client, server := tcpPair(t)
			remaining := int64(len(tc.body))
			if tc.hangUp {
				remaining = int64(len(full))
			}
			go func() {
				client.Write(tc.body)
				if tc.hangUp {
					client.Close()
				}
			}()
			raw := &media.RawBody{Conn: server, Remaining: remaining, End: delimEnd}
			p, err := s.ReceiveRaw(content[:media.HeadSize], tc.declare, raw)
			if err == nil {
				p.Discard()
				t.Fatalf("stored %s, want an error", p.Path())
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			entries, _ := os.ReadDir(s.Dir())
			tmp, _ := os.ReadDir(filepath.Join(s.Dir(), ".tmp"))
			if len(entries) != 1 || len(tmp) != 0 {
				t.Errorf("left %d entries and %d temp files, want only the empty .tmp", len(entries), len(tmp))
			}
		})
	}
}

// TestReceiveRawStopsAtEnd checks that receiving stops once the content's end is found,
// leaving the rest of a long body unread for the caller.
func TestReceiveRawStopsAtEnd(t *testing.T) {
	const step, window = 8 << 10, 4 << 10
	s := newStore(t, testConfig{Step: step, Window: window})
	content := rawContent(3, media.HeadSize+10_000)
	body := append(bytes.Clone(content[media.HeadSize:]), "\r\n--END--\r\n"...)
	trailer := bytes.Repeat([]byte("x"), 1<<20)
	r := &media.RawBody{Conn: io.MultiReader(bytes.NewReader(body), bytes.NewReader(trailer)),
		Remaining: int64(len(body) + len(trailer)), End: delimEnd}
	wantReceived(t, s, content, r)
	if lead := int64(2 * step); r.Remaining < int64(len(trailer))-lead-step {
		t.Errorf("%d bytes left unread, want the trailer's %d but at most %d", r.Remaining, len(trailer), lead+step)
	}
}

// FuzzReceiveRaw receives arbitrary bytes after a head, split anywhere between the bytes
// already read and the connection, with steps and windows of any small size: the stored
// content must be everything up to the first end, and a body without one must fail.
func FuzzReceiveRaw(f *testing.F) {
	f.Add([]byte("abc\r\n--END--\r\n"), uint16(0), uint8(0), uint8(0))
	f.Add([]byte("\r\n--EN\r\n--END"), uint16(3), uint8(1), uint8(2))
	f.Add([]byte("\r\r\n\r\n-\r\n--ENd\r\n--E"), uint16(9), uint8(7), uint8(3))
	f.Add(bytes.Repeat([]byte("\r\n--EN"), 100), uint16(50), uint8(200), uint8(9))
	head := rawContent(1, media.HeadSize)
	f.Fuzz(func(t *testing.T, tail []byte, split uint16, window, step uint8) {
		s := newStore(t, testConfig{Step: int64(step) + 1, Window: int64(window) + 8})
		cut := min(int(split), len(tail))
		r := &media.RawBody{Buffered: tail[:cut], Conn: bytes.NewReader(tail[cut:]),
			Remaining: int64(len(tail) - cut), End: delimEnd}
		p, err := s.ReceiveRaw(head, "", r)
		end := bytes.Index(tail, []byte("\r\n--END"))
		if end < 0 {
			if err == nil {
				p.Discard()
				t.Fatalf("stored %d bytes of a body without an end", p.Size)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		defer p.Discard()
		sum := sha256.Sum256(append(bytes.Clone(head), tail[:end]...))
		if p.Hash != hex.EncodeToString(sum[:]) || p.Size != int64(media.HeadSize+end) {
			t.Fatalf("got %s (%d bytes), want %x (%d bytes)", p.Hash, p.Size, sum, media.HeadSize+end)
		}
	})
}

// TestReceiveRawSlowClient sends a body in small pieces, each well within the idle
// timeout though the whole takes several times it: slow is not idle.
func TestReceiveRawSlowClient(t *testing.T) {
	s := newStore(t, testConfig{Dir: t.TempDir()})
	content := rawContent(5, media.HeadSize+200_000)
	body := append(bytes.Clone(content[media.HeadSize:]), "\r\n--END--\r\n"...)
	client, server := tcpPair(t)
	go func() {
		for b := body; len(b) > 0; b = b[min(len(b), 20_000):] {
			client.Write(b[:min(len(b), 20_000)])
			time.Sleep(50 * time.Millisecond)
		}
	}()
	wantReceived(t, s, content, &media.RawBody{Conn: server, Remaining: int64(len(body)), End: delimEnd,
		IdleTimeout: 150 * time.Millisecond})
}

// wantReceived receives r after content's head and checks that what it kept is content.
func wantReceived(t *testing.T, s *testStore, content []byte, r *media.RawBody) {
	t.Helper()
	p, err := s.ReceiveRaw(content[:media.HeadSize], "", r)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Discard()
	sum := sha256.Sum256(content)
	if p.Hash != hex.EncodeToString(sum[:]) || p.Size != int64(len(content)) {
		t.Errorf("got %s (%d bytes), want %x (%d bytes)", p.Hash, p.Size, sum, len(content))
	}
}

// TestReceiveRawIdle stops sending halfway without closing: the upload must end with
// media.ErrTimeout once the idle timeout passes, and leave nothing behind.
func TestReceiveRawIdle(t *testing.T) {
	s := newStore(t, testConfig{Dir: t.TempDir()})
	content := rawContent(6, media.HeadSize+100_000)
	client, server := tcpPair(t)
	client.Write(content[media.HeadSize : media.HeadSize+50_000])
	start := time.Now()
	r := &media.RawBody{Conn: server, Remaining: 200_000, End: delimEnd, IdleTimeout: 200 * time.Millisecond}
	p, err := s.ReceiveRaw(content[:media.HeadSize], "", r)
	if err == nil {
		p.Discard()
		t.Fatal("stored a file whose client went silent")
	}
	if !errors.Is(err, media.ErrTimeout) || time.Since(start) > 5*time.Second {
		t.Errorf("error %v after %v, want media.ErrTimeout after about 200ms", err, time.Since(start))
	}
	if tmp, _ := os.ReadDir(filepath.Join(s.Dir(), ".tmp")); len(tmp) != 0 {
		t.Errorf("%d temp files left", len(tmp))
	}
}
