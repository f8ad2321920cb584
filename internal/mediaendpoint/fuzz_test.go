package mediaendpoint

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/media/fsblob"
	"github.com/indiepub/indiepub/internal/store/sqlite"
)

// FuzzUpload posts arbitrary bodies, seeded from real clients' multipart uploads, to the
// endpoint over a real store and database: every answer must be 201 or a 4xx, a 201's
// file must hold bytes whose SHA-256 is in its URL, and no temp file may be left.
func FuzzUpload(f *testing.F) {
	bodies, boundaries := clientBodies(f)
	for i := range bodies {
		f.Add(bodies[i], "multipart/form-data; boundary="+boundaries[i])
	}
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../x.html\"\r\nContent-Type: image/jpeg\r\n\r\n<html><script>alert(1)</script>\r\n--b--\r\n"),
		"multipart/form-data; boundary=b")
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\r\n--b--\r\n"),
		"multipart/form-data; boundary=b")
	f.Add([]byte("action=delete&url=http%3A%2F%2Fexample.com%2Fmedia%2Fab%2Fcd%2Fx.png"), "application/x-www-form-urlencoded")
	dir := f.TempDir()
	db, err := sqlite.Open(f.Context(), filepath.Join(dir, "indiepub.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	store, err := fsblob.New(fsblob.Config{Dir: filepath.Join(dir, "media")})
	if err != nil {
		f.Fatal(err)
	}
	h := New(Config{URL: "http://example.com/", MaxBody: 64 << 10}, media.NewService(media.ServiceConfig{URL: "http://example.com/", MaxSize: 64 << 10}, store, db))
	tok := &indieauth.Token{Me: "http://example.com/", Scope: []string{"media", "delete"}}
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		req := httptest.NewRequest(http.MethodPost, "/media", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req = req.WithContext(indieauth.NewContext(req.Context(), tok))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusCreated:
			var v struct{ URL string }
			if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || v.URL != rec.Header().Get("Location") {
				t.Fatalf("201 with body %q and Location %q", rec.Body, rec.Header().Get("Location"))
			}
			path := strings.TrimPrefix(v.URL, "http://example.com/media/")
			b, err := os.ReadFile(filepath.Join(dir, "media", path))
			sum := sha256.Sum256(b)
			if err != nil || !strings.Contains(path, hex.EncodeToString(sum[:])) {
				t.Fatalf("stored file %s: %v, hash %x", path, err, sum)
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType,
			http.StatusConflict, http.StatusNoContent:
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if tmp, _ := os.ReadDir(filepath.Join(dir, "media", ".tmp")); len(tmp) != 0 {
			t.Fatalf("%d temp files left", len(tmp))
		}
	})
}
