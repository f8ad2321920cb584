package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/media/s3blob"
)

// openBlobs opens the blob store that --media-store names: nil for the disk store in the
// data directory (the server's default), or an S3 bucket, s3://bucket/prefix?endpoint=…,
// with the credentials of the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN), never of a flag, and never logged.
func openBlobs(ctx context.Context, spec string, logger *slog.Logger) (media.Blobs, error) {
	if spec == "" {
		return nil, nil
	}
	cfg, err := s3blob.ParseURL(spec)
	if err != nil {
		return nil, fmt.Errorf("--media-store: %w", err)
	}
	cfg.AccessKey = os.Getenv("AWS_ACCESS_KEY_ID")
	cfg.SecretKey = os.Getenv("AWS_SECRET_ACCESS_KEY")
	cfg.SessionToken = os.Getenv("AWS_SESSION_TOKEN")
	if cfg.AccessKey == "" || cfg.SecretKey == "" {
		return nil, errors.New("--media-store s3://…: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment")
	}
	cfg.Logger = logger
	blobs, err := s3blob.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	logger.Info("media store", "bucket", cfg.Bucket, "prefix", cfg.Prefix, "endpoint", cfg.Endpoint,
		"https", !cfg.Insecure)
	return blobs, nil
}

// checkMediaURL checks --media-url and gives it a trailing slash.
func checkMediaURL(u *string) error {
	if *u == "" {
		return nil
	}
	p, err := url.Parse(*u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" {
		return fmt.Errorf("--media-url %q: want the http:// or https:// URL the files are published under", *u)
	}
	if !strings.HasSuffix(*u, "/") {
		*u += "/"
	}
	return nil
}
