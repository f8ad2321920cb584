package server_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/indiepub/indiepub/internal/media/blobtest"
	"github.com/indiepub/indiepub/internal/media/mediatest"
	"github.com/indiepub/indiepub/internal/media/s3blob/s3test"
	"github.com/indiepub/indiepub/internal/server"
)

// BenchmarkS3Upload uploads one file (1 GiB, or INDIEPUB_BENCH_S3_SIZE bytes) to the S3
// server of INDIEPUB_TEST_S3 in turns: with a plain minio-go PutObject, and through
// indiepub's media endpoint (multipart body over loopback HTTP, the real handler tree on
// S3 blobs: hashed while sent in parts, then copied to its content address). Each turn
// changes a few bytes of the file, so that indiepub stores new content every time. It
// reports both throughputs, their ratio, and the peak heap of the process while indiepub
// receives.
func BenchmarkS3Upload(b *testing.B) {
	size := int64(1 << 30)
	if v, err := strconv.ParseInt(os.Getenv("INDIEPUB_BENCH_S3_SIZE"), 10, 64); err == nil {
		size = v
	}
	cfg := s3test.Bucket(b)
	client := s3test.Client(b, cfg)
	path := filepath.Join(b.TempDir(), "video.mp4")
	writeVideo(b, path, size)
	s, _ := newS3Server(b, func(c *server.Config) { c.MaxUpload = size + 1<<20 })
	tok := s.IssueToken(b, "media")

	var putTime, indiepubTime time.Duration
	var peakHeap, peakSys uint64
	b.ResetTimer()
	for i := range b.N {
		stamp(b, path, i)
		start := time.Now()
		f, _ := os.Open(path)
		_, err := client.PutObject(context.Background(), cfg.Bucket, "plain/video-"+strconv.Itoa(i)+".mp4", f, size,
			minio.PutObjectOptions{ContentType: "video/mp4"})
		f.Close()
		if err != nil {
			b.Fatalf("PutObject: %v", err)
		}
		putTime += time.Since(start)

		runtime.GC()
		stop := sampleMemory()
		start = time.Now()
		status := postVideo(b, s.URL+"/media", tok, path, size)
		indiepubTime += time.Since(start)
		heap, sys := stop()
		peakHeap, peakSys = max(peakHeap, heap), max(peakSys, sys)
		if status != http.StatusCreated {
			b.Fatalf("upload through /media: %d", status)
		}
	}
	b.StopTimer()
	put := float64(size) * float64(b.N) / putTime.Seconds() / 1e6
	ip := float64(size) * float64(b.N) / indiepubTime.Seconds() / 1e6
	b.ReportMetric(put, "putobject-MB/s")
	b.ReportMetric(ip, "indiepub-MB/s")
	b.ReportMetric(ip/put, "ratio")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peakSys)/(1<<20), "peak-sys-MiB")
}

// writeVideo writes an MP4 file of size bytes, made by blobtest.Generator after its
// first box.
func writeVideo(b *testing.B, path string, size int64) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	head := mediatest.Ftyp("isom", "isom", "mp41")
	f.Write(head)
	if _, err := io.Copy(f, blobtest.NewGenerator(size-int64(len(head)))); err != nil {
		b.Fatal(err)
	}
}

// stamp writes turn i into the file's bytes, past its first box.
func stamp(b *testing.B, path string, i int) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(i)+uint64(time.Now().UnixNano()))
	if _, err := f.WriteAt(n[:], 64); err != nil {
		b.Fatal(err)
	}
}

// postVideo sends the file as the part "file" of a multipart body of known length, as
// curl -F does, and returns the status.
func postVideo(b *testing.B, endpoint, tok, path string, size int64) int {
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	mw.CreateFormFile("file", "video.mp4")
	tail := "\r\n--" + mw.Boundary() + "--\r\n"
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	req, _ := http.NewRequest("POST", endpoint, io.MultiReader(bytes.NewReader(head.Bytes()), f, bytes.NewReader([]byte(tail))))
	req.ContentLength = int64(head.Len()) + size + int64(len(tail))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// sampleMemory samples the heap in use and the memory obtained from the system until
// stop, which returns their peaks.
func sampleMemory() (stop func() (heap, sys uint64)) {
	var heap, sys uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			heap, sys = max(heap, ms.HeapInuse), max(sys, ms.Sys)
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	return func() (uint64, uint64) { close(done); wg.Wait(); return heap, sys }
}
