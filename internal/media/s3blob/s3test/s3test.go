// Package s3test gives tests a bucket of their own on the S3 server named by
// INDIEPUB_TEST_S3 (.ci/run starts versitygw and sets it), and skips them without one,
// except under CI=true, where a missing server fails them.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/indiepub/indiepub/internal/media/s3blob"
)

// Env names the environment variable with the test server's URL:
// http://ACCESS_KEY:SECRET_KEY@HOST:PORT/ (https:// for TLS).
const Env = "INDIEPUB_TEST_S3"

// FullEnv names the environment variable with a second test server's URL, in the same
// form as Env: one whose disk holds a few MiB only (.ci/run starts versitygw on a 12 MiB
// tmpfs), for the tests of a server that has no room left.
const FullEnv = "INDIEPUB_TEST_S3_FULL"

// Server returns the configuration of the test server, without a bucket, or skips the
// test (fails it under CI=true) when there is none.
func Server(t testing.TB) s3blob.Config {
	t.Helper()
	return server(t, Env, "versitygw --port 127.0.0.1:PORT posix DIR")
}

// FullServer is Server for the server of FullEnv, whose disk is small.
func FullServer(t testing.TB) s3blob.Config {
	t.Helper()
	return server(t, FullEnv, "versitygw --port 127.0.0.1:PORT posix DIR with DIR on a tmpfs of 12 MiB")
}

func server(t testing.TB, env, how string) s3blob.Config {
	t.Helper()
	raw := os.Getenv(env)
	if raw == "" {
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatalf("%s is not set: under CI the S3 tests need their server (.ci/run starts versitygw)", env)
		}
		t.Skipf("no S3 server: set %s=http://ACCESS:SECRET@127.0.0.1:PORT/ (e.g. ROOT_ACCESS_KEY=ACCESS ROOT_SECRET_KEY=SECRET %s), or run .ci/run", env, how)
	}
	u, err := url.Parse(raw)
	if err != nil || u.User == nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		t.Fatalf("%s: want http://ACCESS:SECRET@HOST:PORT/", env)
	}
	secret, _ := u.User.Password()
	return s3blob.Config{Endpoint: u.Host, Insecure: u.Scheme == "http", Region: "us-east-1",
		AccessKey: u.User.Username(), SecretKey: secret}
}

// Bucket makes a new bucket on the test server, removed with what it holds when the test
// ends, and returns the configuration of a store in it.
func Bucket(t testing.TB) s3blob.Config {
	t.Helper()
	return BucketOn(t, Server(t))
}

// BucketOn is Bucket on the server of cfg (Server or FullServer).
func BucketOn(t testing.TB, cfg s3blob.Config) s3blob.Config {
	t.Helper()
	client := Client(t, cfg)
	var rnd [6]byte
	rand.Read(rnd[:])
	cfg.Bucket = "indiepub-test-" + hex.EncodeToString(rnd[:])
	ctx := context.Background()
	if err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region}); err != nil {
		t.Fatalf("make bucket %s: %v", cfg.Bucket, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		for up := range client.ListIncompleteUploads(ctx, cfg.Bucket, "", true) {
			if up.Err == nil {
				client.RemoveIncompleteUpload(ctx, cfg.Bucket, up.Key)
			}
		}
		for obj := range client.ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Recursive: true}) {
			if obj.Err == nil {
				client.RemoveObject(ctx, cfg.Bucket, obj.Key, minio.RemoveObjectOptions{})
			}
		}
		if err := client.RemoveBucket(ctx, cfg.Bucket); err != nil {
			t.Logf("remove bucket %s: %v", cfg.Bucket, err)
		}
	})
	return cfg
}

// Client returns a plain minio-go client of the test server, to look at a bucket from
// outside the store.
func Client(t testing.TB, cfg s3blob.Config) *minio.Client {
	t.Helper()
	c, err := minio.New(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: !cfg.Insecure, Region: cfg.Region})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// List returns every object in cfg's bucket under its prefix, and every unfinished
// multipart upload there as "upload:" and its key.
func List(ctx context.Context, c *minio.Client, cfg s3blob.Config) ([]string, error) {
	var names []string
	for obj := range c.ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Prefix: cfg.Prefix, Recursive: true}) {
		if obj.Err != nil {
			return nil, obj.Err
		}
		names = append(names, obj.Key)
	}
	for up := range c.ListIncompleteUploads(ctx, cfg.Bucket, cfg.Prefix, true) {
		if up.Err != nil {
			return nil, up.Err
		}
		names = append(names, "upload:"+up.Key)
	}
	return names, nil
}
