package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/indiepub/indiepub/internal/media/s3blob"
	"github.com/indiepub/indiepub/internal/media/s3blob/s3test"
)

// s3Flag is --media-store for cfg's bucket under prefix, its credentials put in the
// environment, where indiepub takes them from.
func s3Flag(t *testing.T, cfg s3blob.Config, prefix string) string {
	t.Setenv("AWS_ACCESS_KEY_ID", cfg.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", cfg.SecretKey)
	scheme := "https://"
	if cfg.Insecure {
		scheme = "http://"
	}
	return "s3://" + cfg.Bucket + "/" + prefix + "?endpoint=" + scheme + cfg.Endpoint + "&region=" + cfg.Region
}

// TestServeMediaStoreS3: `indiepub serve --media-store s3://…` keeps uploads in the
// bucket and serves them from there, and never logs the credentials.
func TestServeMediaStoreS3(t *testing.T) {
	cfg := s3test.Bucket(t)
	data := t.TempDir()
	logs := newSyncBuffer()
	addr := startServe(t, logs, "--data", data, "--media-store", s3Flag(t, cfg, "site/media"))
	var out bytes.Buffer
	if err := Main(context.Background(), []string{"token", "issue", "--data", data, "--addr", addr, "--scope", "media"}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	img := pngBytes(t, 5)
	resp, body := postFile(t, "http://"+addr+"/media", strings.TrimSpace(out.String()), img)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s, want 201", resp.StatusCode, body)
	}
	key := strings.TrimPrefix(loc, "http://"+addr+"/media/")
	if _, err := s3test.Client(t, cfg).StatObject(context.Background(), cfg.Bucket, "site/media/"+key, minio.StatObjectOptions{}); err != nil {
		t.Errorf("the upload in the bucket at site/media/%s: %v", key, err)
	}
	if matches, _ := filepath.Glob(filepath.Join(data, "media", "*", "*", "*")); len(matches) != 0 {
		t.Errorf("files in the data directory's media folder: %q, want none", matches)
	}
	got, err := http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	file, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if got.StatusCode != http.StatusOK || !bytes.Equal(file, img) {
		t.Errorf("GET %s: %d, same bytes %v", loc, got.StatusCode, bytes.Equal(file, img))
	}
	if strings.Contains(logs.String(), cfg.SecretKey) {
		t.Errorf("the log holds the secret key:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "bucket="+cfg.Bucket) {
		t.Errorf("the log does not say which bucket holds the media:\n%s", logs.String())
	}
}

// TestMediaStandaloneS3: `indiepub media` on S3 with --media-url hands out the public
// URLs of the bucket or CDN.
func TestMediaStandaloneS3(t *testing.T) {
	cfg := s3test.Bucket(t)
	const site, cdn = "https://blog.example/", "https://cdn.example/m/"
	te := tokenEndpoint(t, site, map[string]string{"good": "media"})
	base := startMedia(t, "--me", site, "--token-endpoint", te.URL, "--data", t.TempDir(),
		"--media-store", s3Flag(t, cfg, ""), "--media-url", cdn)
	resp, body := postFile(t, base+"media", "good", pngBytes(t, 6))
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(loc, cdn) {
		t.Fatalf("upload: %d %q %s, want 201 under %s", resp.StatusCode, loc, body, cdn)
	}
	if _, err := s3test.Client(t, cfg).StatObject(context.Background(), cfg.Bucket, strings.TrimPrefix(loc, cdn), minio.StatObjectOptions{}); err != nil {
		t.Errorf("the upload in the bucket: %v", err)
	}
}

// TestMediaStoreFlags: a media store URL is checked before anything starts, credentials
// come only from the environment, and no error repeats a secret.
func TestMediaStoreFlags(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--media-store", "s3://bucket/p?endpoint=127.0.0.1:1"}, "AWS_SECRET_ACCESS_KEY"},
		{[]string{"serve", "--media-store", "s3://AKIA:sekrit-key@bucket/p"}, "never the URL"},
		{[]string{"serve", "--media-store", "/var/lib/media"}, "s3://bucket/prefix"},
		{[]string{"serve", "--media-url", "cdn.example/media"}, "--media-url"},
		{[]string{"media", "--me", "https://blog.example/", "--media-store", "s3://b?region"}, "AWS_ACCESS_KEY_ID"},
		{[]string{"media", "--me", "https://blog.example/", "--media-url", "ftp://cdn.example/"}, "--media-url"},
	} {
		args := append(tt.args, "--data", t.TempDir(), "--addr", freeAddr(t))
		err := Main(context.Background(), args, nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("indiepub %q: %v, want an error saying %q", tt.args, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "sekrit") {
			t.Errorf("indiepub %q: %v, which repeats the secret", tt.args, err)
		}
	}
}
