package mediaendpoint

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"

	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/media/fsblob"
)

// FuzzRawUpload reads a file part whose content goes on past its head with arbitrary
// bytes, under an arbitrary boundary, once through the multipart reader and once raw, as
// uploadRaw does (the reader's unparsed bytes, then the rest of the body, ended by
// rawEnd): both must agree on the content, or both fail. Seeded from real clients'
// bodies, which serve as content.
func FuzzRawUpload(f *testing.F) {
	bodies, _ := clientBodies(f)
	for _, b := range bodies {
		f.Add(b, "b", uint16(4096))
		f.Add(append(b, "\r\n--b--\r\n"...), "b", uint16(100))
	}
	f.Add([]byte("\r\n--b--\r\n"), "b", uint16(0))
	f.Add([]byte("\r\n--bX\r\n--b \t\r\n\r\nnext\r\n--b--"), "b", uint16(7))
	f.Add([]byte("\n--b--\n"), "b", uint16(1))
	f.Add([]byte("\r\n--b-\r\n--b-"), "b", uint16(3000))
	head := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, media.HeadSize-8)...)
	store, err := fsblob.New(fsblob.Config{Dir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, tail []byte, boundary string, chunk uint16) {
		body := append([]byte("--"+boundary+"\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n"), head...)
		body = append(body, tail...)
		mr := newMultipartReader(&chunkReader{body, int(chunk) + 1}, boundary)
		defer mr.release()
		var want []byte
		p, err := mr.NextPart()
		if err == nil {
			want, err = io.ReadAll(p)
		}

		src := &countingReader{r: io.NopCloser(&chunkReader{body, int(chunk) + 1})}
		mr2 := newMultipartReader(src, boundary)
		defer mr2.release()
		p2, err2 := mr2.NextPart()
		if err2 != nil {
			if err == nil {
				t.Fatalf("second reading failed: %v", err2)
			}
			return
		}
		got := make([]byte, media.HeadSize)
		if _, err2 = io.ReadFull(p2, got); err2 != nil || p2.err != nil {
			return // the part ends within its head: never received raw
		}
		raw := &media.RawBody{Buffered: mr2.unparsed(), Conn: bytes.NewReader(body[src.n:]),
			Remaining: int64(len(body)) - src.n, End: mr2.rawEnd}
		pending, err2 := store.ReceiveRaw(context.Background(), got, raw, media.DefaultMaxSize)
		switch {
		case err == nil && err2 != nil:
			t.Fatalf("raw failed where the reader read %d bytes: %v", len(want), err2)
		case err != nil && err2 == nil:
			pending.Discard()
			t.Fatalf("raw stored %d bytes where the reader failed: %v", pending.Size, err)
		case err == nil:
			defer pending.Discard()
			sum := sha256.Sum256(want)
			if pending.Hash != hex.EncodeToString(sum[:]) || pending.Size != int64(len(want)) {
				t.Fatalf("raw %s (%d bytes), reader %x (%d bytes)", pending.Hash, pending.Size, sum, len(want))
			}
		}
	})
}
