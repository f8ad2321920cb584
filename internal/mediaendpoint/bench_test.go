package mediaendpoint_test

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// BenchmarkUpload streams one file of INDIEPUB_BENCH_SIZE bytes (default 64 MiB) per
// iteration to POST /media over loopback HTTP (Content-Length known, the file sent by the
// kernel as it is read from disk), into a data directory under TMPDIR:
//
//	INDIEPUB_BENCH_SIZE=1073741824 go test -run='^$' -bench=Upload -benchtime=3x ./internal/mediaendpoint/
//
// Besides the throughput it reports peak-RSS-MiB, the process's peak resident memory
// during the uploads (the client runs in the same process, so this bounds the server's
// from above); upload-CPU-s/GiB and openssl-CPU-s/GiB, CPU time per GiB, which a busy
// machine does not inflate the way it does wall time (the upload's includes the
// client's); and openssl-MB/s and ratio: after each upload, with the timer stopped,
// `openssl dgst -sha256` hashes the same file (from the page cache), and ratio is the
// upload speed over openssl's, both summed over the same iterations so that a busy
// machine slows both. The upload runs on several cores where openssl uses one, so a
// machine that other work keeps busy slows the upload more: free-cores, measured once
// before the uploads, is how many cores two openssl processes side by side got
// (2 × one's time over the pair's), which tells a ratio taken on a quiet machine from
// one taken on a busy one.
//
// It runs twice: raw, the way such a body is received (the connection taken over, the
// bytes spliced into the file), and buffered, through the multipart reader, the way
// bodies of unknown length, over TLS or over HTTP/2 are.
func BenchmarkUpload(b *testing.B) {
	size := int64(64 << 20)
	if s := os.Getenv("INDIEPUB_BENCH_SIZE"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			b.Fatalf("INDIEPUB_BENCH_SIZE=%q: %v", s, err)
		}
		size = n
	}
	path := filepath.Join(b.TempDir(), "upload.mp4")
	writeRandomFile(b, path, size)
	_, haveOpenSSL := exec.LookPath("openssl")
	cores := 0.0
	if haveOpenSSL == nil {
		cores = freeCores(b, path)
	}
	for _, way := range []struct {
		name   string
		rawMin int64
	}{{"raw", 1}, {"buffered", math.MaxInt64}} {
		b.Run(way.name, func(b *testing.B) {
			srv := servertest.New(b, func(c *server.Config) { c.MaxUpload = size; c.RawUploadMin = way.rawMin })
			tok := srv.IssueToken(b, "media")
			benchUpload(b, srv, tok, path, size, cores)
		})
	}
}

func benchUpload(b *testing.B, srv *servertest.Server, tok, path string, size int64, cores float64) {
	_, haveOpenSSL := exec.LookPath("openssl")
	resetPeakRSS(b)
	b.SetBytes(size)
	var uploadSecs, opensslSecs, uploadCPU, opensslCPU float64
	for b.Loop() {
		start, cpu0 := time.Now(), cpuSeconds()
		url := streamUpload(b, srv.Listener.Addr().String(), tok, path, size)
		uploadSecs += time.Since(start).Seconds()
		uploadCPU += cpuSeconds() - cpu0
		if haveOpenSSL == nil {
			b.StopTimer()
			sum, secs, cpu := opensslSHA256(b, path)
			opensslSecs += secs
			opensslCPU += cpu
			if !strings.Contains(url, sum) {
				b.Errorf("uploaded file at %s, openssl says its SHA-256 is %s", url, sum)
			}
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(peakRSS(b))/(1<<20), "peak-RSS-MiB")
	gib := float64(size) * float64(b.N) / (1 << 30)
	b.ReportMetric(uploadCPU/gib, "upload-CPU-s/GiB")
	if opensslSecs > 0 {
		b.ReportMetric(opensslCPU/gib, "openssl-CPU-s/GiB")
		b.ReportMetric(float64(size)*float64(b.N)/opensslSecs/1e6, "openssl-MB/s")
		b.ReportMetric(opensslSecs/uploadSecs, "ratio")
		b.ReportMetric(cores, "free-cores")
	}
}

// writeRandomFile writes an MP4 file type box and then pseudo-random bytes, which neither
// compress nor dedupe, up to size bytes.
func writeRandomFile(b *testing.B, path string, size int64) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	ftyp := "\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
	w.WriteString(ftyp)
	rng := rand.NewChaCha8([32]byte{1, 2, 3})
	if _, err := io.CopyN(w, rng, size-int64(len(ftyp))); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
}

// streamUpload sends the file as the only part of a multipart body of known length, over
// a plain TCP connection: the request head and the multipart framing are written as they
// are, and the file is handed to the kernel (sendfile), so that the client costs next to
// nothing and the benchmark measures the server.
func streamUpload(b *testing.B, addr, tok, path string, size int64) string {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	const boundary = "a101ffe603e64fb777d1b6f4f9fadd74"
	head := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.mp4\"\r\n" +
		"Content-Type: video/mp4\r\n\r\n"
	tail := "\r\n--" + boundary + "--\r\n"
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /media HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n\r\n%s",
		addr, tok, boundary, int64(len(head)+len(tail))+size, head)
	if _, err := io.Copy(conn, f); err != nil { // *net.TCPConn.ReadFrom: sendfile
		b.Fatal(err)
	}
	io.WriteString(conn, tail)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		b.Fatalf("upload: %d %s", resp.StatusCode, msg)
	}
	return resp.Header.Get("Location")
}

// opensslSHA256 hashes the file with openssl, the issue's yardstick, and times it.
func opensslSHA256(b *testing.B, path string) (sum string, secs, cpu float64) {
	start := time.Now()
	cmd := exec.Command("openssl", "dgst", "-sha256", path)
	out, err := cmd.Output()
	secs = time.Since(start).Seconds()
	if err != nil {
		b.Fatal(err)
	}
	cpu = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	fields := strings.Fields(string(out))
	return fields[len(fields)-1], secs, cpu
}

// freeCores hashes the file with openssl once, then twice side by side, and returns how
// many cores the pair got: 2 on an idle machine of two or more cores, 1 when other work
// leaves the equivalent of one.
func freeCores(b *testing.B, path string) float64 {
	_, one, _ := opensslSHA256(b, path)
	start := time.Now()
	done := make(chan error)
	go func() { done <- exec.Command("openssl", "dgst", "-sha256", path).Run() }()
	opensslSHA256(b, path)
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	return 2 * one / time.Since(start).Seconds()
}

// cpuSeconds is the CPU time this process has used, user and system, all threads: the
// client's and the server's work together.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// resetPeakRSS resets the kernel's record of the process's peak resident memory (Linux
// 4.0+: writing 5 to clear_refs).
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("cannot reset peak RSS: %v", err)
	}
}

// peakRSS reads VmHWM, the peak resident memory, from /proc/self/status.
func peakRSS(b *testing.B) int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Logf("no /proc/self/status: %v", err)
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb)
			return kb << 10
		}
	}
	return 0
}
