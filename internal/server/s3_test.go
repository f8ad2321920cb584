package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/indiepub/indiepub/internal/media/mediatest"
	"github.com/indiepub/indiepub/internal/media/s3blob"
	"github.com/indiepub/indiepub/internal/media/s3blob/s3test"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// newS3Server starts the real handler tree with its files in a bucket of its own on the
// test S3 server, under a prefix; modify adjusts the config further.
func newS3Server(t testing.TB, modify ...func(*server.Config)) (*servertest.Server, s3blob.Config) {
	t.Helper()
	cfg := s3test.Bucket(t)
	cfg.Prefix = "indiepub/"
	blobs, err := s3blob.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := servertest.New(t, append([]func(*server.Config){func(c *server.Config) {
		c.Blobs = blobs
		c.MaxUpload = 64 << 20
	}}, modify...)...)
	return s, cfg
}

// bucketHolds lists the objects in the test bucket, unfinished uploads included.
func bucketHolds(t *testing.T, cfg s3blob.Config) []string {
	t.Helper()
	names, err := s3test.List(context.Background(), s3test.Client(t, cfg), cfg)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}

// mp4Of is an MP4 file of n bytes.
func mp4Of(n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{1}).Read(b)
	copy(b, mediatest.Ftyp("isom", "isom", "mp41"))
	return b
}

// TestS3Media runs the media endpoint and Micropub's files on an S3 bucket: uploads
// through /media and /micropub, the files served with ranges and validators, the same
// bytes once, deletes that remove the object.
func TestS3Media(t *testing.T) {
	s, cfg := newS3Server(t)
	tok := s.IssueToken(t, "create media delete")

	// A small file through /media, then the same bytes again: one URL, one object.
	photo := mediatest.Image(t, "png", 7)
	ct, body := multipartFile(t, "file", photo)
	resp, _ := s.Do(t, "POST", "/media", tok, ct, bytes.NewReader(body))
	photoURL := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(photoURL, s.URL+"/media/") {
		t.Fatalf("upload to /media: %d, Location %q", resp.StatusCode, photoURL)
	}
	resp, _ = s.Do(t, "POST", "/media", tok, ct, bytes.NewReader(body))
	if again := resp.Header.Get("Location"); resp.StatusCode != http.StatusCreated || again != photoURL {
		t.Errorf("the same bytes again: %d %q, want 201 %q", resp.StatusCode, again, photoURL)
	}

	// A video of several parts: a multipart upload to S3, copied to its address.
	video := mp4Of(19 << 20)
	ct, body = multipartFile(t, "file", video)
	resp, _ = s.Do(t, "POST", "/media", tok, ct, bytes.NewReader(body))
	videoURL := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated || !strings.HasSuffix(videoURL, ".mp4") {
		t.Fatalf("upload of %d bytes: %d, Location %q", len(video), resp.StatusCode, videoURL)
	}

	// A photo part sent to /micropub with a create.
	pic := mediatest.Image(t, "jpeg", 8)
	ct, body = multipartFile(t, "photo", pic, "h", "entry", "content", "a photo kept on S3")
	resp, _ = s.Do(t, "POST", "/micropub", tok, ct, bytes.NewReader(body))
	postURL := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create with a photo part: %d", resp.StatusCode)
	}
	_, src := s.Get(t, "/micropub?q=source&url="+url.QueryEscape(postURL), tok)
	var source struct {
		Properties struct {
			Photo []string `json:"photo"`
		} `json:"properties"`
	}
	json.Unmarshal(src, &source)
	if len(source.Properties.Photo) != 1 || !strings.HasPrefix(source.Properties.Photo[0], s.URL+"/media/") {
		t.Fatalf("q=source of the post: %s, want a photo under /media/", src)
	}
	picURL := source.Properties.Photo[0]

	for _, f := range []struct {
		url  string
		data []byte
		typ  string
	}{{photoURL, photo, "image/png"}, {videoURL, video, "video/mp4"}, {picURL, pic, "image/jpeg"}} {
		resp, got := s.Get(t, f.url, "")
		if resp.StatusCode != http.StatusOK || !bytes.Equal(got, f.data) || resp.Header.Get("Content-Type") != f.typ {
			t.Errorf("GET %s: %d %s, %d bytes (same %v), want 200 %s", f.url, resp.StatusCode,
				resp.Header.Get("Content-Type"), len(got), bytes.Equal(got, f.data), f.typ)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff",
			"Cache-Control":           "public, max-age=31536000, immutable",
			"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox"} {
			if resp.Header.Get(k) != v {
				t.Errorf("GET %s: %s %q, want %q", f.url, k, resp.Header.Get(k), v)
			}
		}
		etag := resp.Header.Get("ETag")
		req, _ := http.NewRequest("GET", f.url, nil)
		req.Header.Set("If-None-Match", etag)
		if r, err := s.Client().Do(req); err != nil || r.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with If-None-Match %s: %v %v, want 304", f.url, etag, r.StatusCode, err)
		} else {
			r.Body.Close()
		}
	}

	// Ranges, within the video's first part, across parts and at its end.
	for _, rg := range [][2]int{{10, 19}, {8<<20 - 5, 8<<20 + 5}, {len(video) - 7, len(video) - 1}} {
		req, _ := http.NewRequest("GET", videoURL, nil)
		req.Header.Set("Range", "bytes="+itoa(rg[0])+"-"+itoa(rg[1]))
		r, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		got.ReadFrom(r.Body)
		r.Body.Close()
		if r.StatusCode != http.StatusPartialContent || !bytes.Equal(got.Bytes(), video[rg[0]:rg[1]+1]) {
			t.Errorf("Range %v: %d, %d bytes, want 206 and bytes %d-%d", rg, r.StatusCode, got.Len(), rg[0], rg[1])
		}
	}

	// Three files, three objects under the prefix, nothing temporary left.
	held := bucketHolds(t, cfg)
	if len(held) != 3 {
		t.Errorf("the bucket holds %q, want the three files", held)
	}
	for _, name := range held {
		if !strings.HasPrefix(name, "indiepub/") || strings.Contains(name, ".tmp") {
			t.Errorf("object %s: want it under the prefix indiepub/, at its content address", name)
		}
	}

	// Deletes remove the objects.
	for _, u := range []string{photoURL, videoURL} {
		resp, b := s.PostForm(t, "/media", tok, "action=delete&url="+url.QueryEscape(u))
		if resp.StatusCode != http.StatusNoContent {
			t.Errorf("delete %s: %d %s, want 204", u, resp.StatusCode, b)
		}
		if resp, _ := s.Get(t, u, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s after delete: %d, want 404", u, resp.StatusCode)
		}
	}
	if held := bucketHolds(t, cfg); len(held) != 1 {
		t.Errorf("after two deletes the bucket holds %q, want the post's photo only", held)
	}
}

// TestS3MediaURL: with --media-url, the URLs handed out point to the public bucket or
// CDN, whose objects carry the type and caching headers it serves them with, and the
// files are found and deleted by those URLs.
func TestS3MediaURL(t *testing.T) {
	const cdn = "https://cdn.example/files/"
	s, cfg := newS3Server(t, func(c *server.Config) { c.MediaURL = cdn })
	tok := s.IssueToken(t, "create media delete")
	pdf := []byte("%PDF-1.4\n% a document\n")
	ct, body := multipartFile(t, "file", pdf)
	resp, _ := s.Do(t, "POST", "/media", tok, ct, bytes.NewReader(body))
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(loc, cdn) || !strings.HasSuffix(loc, ".pdf") {
		t.Fatalf("upload: %d, Location %q, want a URL under %s", resp.StatusCode, loc, cdn)
	}
	key := strings.TrimPrefix(loc, cdn)
	st, err := s3test.Client(t, cfg).StatObject(context.Background(), cfg.Bucket, "indiepub/"+key, minio.StatObjectOptions{})
	if err != nil {
		t.Fatalf("the object behind %s: %v", loc, err)
	}
	if st.ContentType != "application/pdf" || st.Metadata.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		!strings.HasPrefix(st.Metadata.Get("Content-Disposition"), "attachment") {
		t.Errorf("object headers: type %q, metadata %v; want application/pdf, immutable caching, an attachment",
			st.ContentType, st.Metadata)
	}
	_, last := s.Get(t, "/media?q=last", tok)
	if !strings.Contains(string(last), loc) {
		t.Errorf("q=last: %s, want %s", last, loc)
	}
	if resp, b := s.PostForm(t, "/media", tok, "action=delete&url="+url.QueryEscape(loc)); resp.StatusCode != http.StatusNoContent {
		t.Errorf("delete %s: %d %s", loc, resp.StatusCode, b)
	}
	if held := bucketHolds(t, cfg); len(held) != 0 {
		t.Errorf("after the delete the bucket holds %q", held)
	}

	// A post's photo on the CDN is a file of the store: the feed knows its type and size.
	photo := mediatest.Image(t, "png", 9)
	ct, body = multipartFile(t, "file", photo)
	resp, _ = s.Do(t, "POST", "/media", tok, ct, bytes.NewReader(body))
	photoURL := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(photoURL, cdn) {
		t.Fatalf("upload of a photo: %d %q", resp.StatusCode, photoURL)
	}
	if resp, b := s.PostForm(t, "/micropub", tok, "h=entry&content=on+the+CDN&photo="+url.QueryEscape(photoURL)); resp.StatusCode != http.StatusCreated {
		t.Fatalf("create with the photo: %d %s", resp.StatusCode, b)
	}
	_, feed := s.Get(t, "/feed.rss", "")
	want := `<enclosure url="` + photoURL + `" length="` + strconv.Itoa(len(photo)) + `" type="image/png"`
	if !strings.Contains(string(feed), want) {
		t.Errorf("RSS feed: want %s in\n%s", want, feed)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
