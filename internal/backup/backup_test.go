package backup_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/backup"
	"github.com/indiepub/indiepub/internal/media/mediatest"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
	"github.com/indiepub/indiepub/internal/store/sqlite"
)

// TestBackupUnderLoad takes a backup while clients create posts over HTTP, restores it
// into an empty directory and serves it: every post acknowledged before the backup began
// is there, and the media files have the same bytes.
func TestBackupUnderLoad(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, "create media")
	var files []string
	for i := range 3 {
		files = append(files, upload(t, srv, tok, mediatest.Image(t, "png", i)))
	}
	if err := os.WriteFile(filepath.Join(srv.Cfg.DataDir, backup.SecretKey), []byte("key bytes"), 0o600); err != nil {
		t.Fatal(err)
	}

	var (
		mu    sync.Mutex
		acked []string
		stop  atomic.Bool
		wg    sync.WaitGroup
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				form := url.Values{"h": {"entry"}, "content": {fmt.Sprintf("worker %d post %d", w, i)}}
				resp, err := srv.Client().PostForm(srv.URL+"/micropub?access_token="+tok, form)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					t.Errorf("create: status %d", resp.StatusCode)
					return
				}
				mu.Lock()
				acked = append(acked, resp.Header.Get("Location"))
				mu.Unlock()
			}
		}()
	}
	// Let the load build up, then note what was acknowledged before the backup starts.
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 50 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	out := filepath.Join(t.TempDir(), "site.tar.gz")
	if err := backup.Write(t.Context(), srv.DB, srv.Cfg.DataDir, out); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	during := len(acked) - len(before)
	mu.Unlock()
	stop.Store(true)
	wg.Wait()
	t.Logf("%d posts acknowledged before the backup, %d while it ran", len(before), during)

	restored := filepath.Join(t.TempDir(), "restored")
	restoreFile(t, out, restored)
	site := serveRestored(t, srv.Cfg.URL, restored)
	for _, u := range before {
		resp, err := site.Client().Get(site.URL + strings.TrimPrefix(u, strings.TrimSuffix(srv.Cfg.URL, "/")))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s on the restored site: status %d, want 200", u, resp.StatusCode)
		}
	}
	for _, f := range files {
		rel := strings.TrimPrefix(f, srv.Cfg.URL)
		want, err := os.ReadFile(filepath.Join(srv.Cfg.DataDir, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := site.Client().Get(site.URL + "/" + rel)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		got.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Equal(got.Bytes(), want) {
			t.Errorf("GET %s on the restored site: status %d, %d bytes; want 200 and the %d bytes uploaded", rel, resp.StatusCode, got.Len(), len(want))
		}
	}
	key, err := os.ReadFile(filepath.Join(restored, backup.SecretKey))
	if err != nil || string(key) != "key bytes" {
		t.Errorf("restored secret key: %q, %v", key, err)
	}
}

func upload(t *testing.T, srv *servertest.Server, tok string, file []byte) string {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "photo.png")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(file)
	mw.Close()
	resp, b := srv.Do(t, http.MethodPost, "/media", tok, mw.FormDataContentType(), &body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: status %d: %s", resp.StatusCode, b)
	}
	var v struct{ URL string }
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v.URL
}

func restoreFile(t *testing.T, archive, dir string) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := backup.Restore(f, dir, backup.Limits{}); err != nil {
		t.Fatal(err)
	}
}

// serveRestored serves a restored data directory as the site at siteURL.
func serveRestored(t *testing.T, siteURL, dir string) *httptest.Server {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(dir, backup.Database))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h, err := server.New(t.Context(), server.Config{URL: siteURL, DataDir: dir}, db)
	if err != nil {
		t.Fatal(err)
	}
	// The job runner stops before the database closes (cleanups run last first).
	t.Cleanup(func() { h.StopJobs(context.Background()) })
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

// TestBackupReplacesAtomically checks that a failed backup leaves the previous one in
// place and no temporary file beside it.
func TestBackupReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "site.tar.gz")
	os.WriteFile(out, []byte("previous"), 0o600)
	failing := backup.SnapshotFunc(func(context.Context, string) error { return errors.New("disk on fire") })
	if err := backup.Write(context.Background(), failing, t.TempDir(), out); err == nil {
		t.Fatal("backup with a failing snapshot succeeded")
	}
	if b, _ := os.ReadFile(out); string(b) != "previous" {
		t.Errorf("after a failed backup the file holds %q, want the previous backup", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("after a failed backup the directory holds %d entries, want only the previous backup", len(entries))
	}
}
