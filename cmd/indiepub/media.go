package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/metrics"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/store/sqlite"
)

// mediaOptions are the settings of the standalone media endpoint, each from a flag or an
// INDIEPUB_MEDIA_* environment variable.
type mediaOptions struct {
	addr, url, me, tokenEndpoint, dataDir, types string
	mediaStore, mediaURL, metricsAddr            string
	maxUpload                                    int64
	tokenCacheTTL                                time.Duration
	allowPrivateFetch, logJSON, debug            bool
	// metrics counts the requests, uploads and verifications when metricsAddr is set.
	metrics *metrics.Metrics
}

func (o *mediaOptions) bind(fs *flag.FlagSet) {
	fs.StringVar(&o.addr, "addr", env("INDIEPUB_MEDIA_ADDR", "127.0.0.1:8081"), "listen address (INDIEPUB_MEDIA_ADDR)")
	fs.StringVar(&o.url, "url", env("INDIEPUB_MEDIA_URL", ""), "public URL of the media service; the endpoint is <url>media (INDIEPUB_MEDIA_URL; default http://<addr>/)")
	fs.StringVar(&o.me, "me", env("INDIEPUB_MEDIA_ME", ""), "the site whose tokens are accepted: its token endpoint is discovered there unless --token-endpoint is given (INDIEPUB_MEDIA_ME; required)")
	fs.StringVar(&o.tokenEndpoint, "token-endpoint", env("INDIEPUB_MEDIA_TOKEN_ENDPOINT", ""), "token endpoint to verify tokens with (INDIEPUB_MEDIA_TOKEN_ENDPOINT)")
	fs.StringVar(&o.dataDir, "data", env("INDIEPUB_MEDIA_DATA", "media-data"), "data directory: its own SQLite file and the media folder (INDIEPUB_MEDIA_DATA)")
	fs.StringVar(&o.mediaStore, "media-store", env("INDIEPUB_MEDIA_STORE", ""), "where uploaded files are kept: empty for the media folder in the data directory, or s3://bucket/prefix?endpoint=host:port&region=name&insecure=1 with credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (INDIEPUB_MEDIA_STORE)")
	fs.StringVar(&o.mediaURL, "media-url", env("INDIEPUB_MEDIA_FILES_URL", ""), "URL the uploaded files are published under, a public bucket or CDN that serves the media store; default <url>media/ (INDIEPUB_MEDIA_FILES_URL)")
	fs.Int64Var(&o.maxUpload, "max-upload", envInt("INDIEPUB_MEDIA_MAX_UPLOAD", media.DefaultMaxSize), "largest uploaded file in bytes (INDIEPUB_MEDIA_MAX_UPLOAD)")
	fs.StringVar(&o.types, "media-types", env("INDIEPUB_MEDIA_TYPES", strings.Join(media.DefaultTypes, ",")), "accepted media types, comma-separated, e.g. image/*,application/pdf (INDIEPUB_MEDIA_TYPES)")
	fs.DurationVar(&o.tokenCacheTTL, "token-cache-ttl", envDuration("INDIEPUB_MEDIA_TOKEN_CACHE_TTL", indieauth.DefaultCacheTTL), "how long a verified token is remembered; 0 turns the cache off (INDIEPUB_MEDIA_TOKEN_CACHE_TTL)")
	fs.BoolVar(&o.allowPrivateFetch, "allow-private-fetch", envBool("INDIEPUB_ALLOW_PRIVATE_FETCH"), "let token verification reach loopback and private addresses: tests and local setups only (INDIEPUB_ALLOW_PRIVATE_FETCH)")
	fs.StringVar(&o.metricsAddr, "metrics-addr", env("INDIEPUB_MEDIA_METRICS_ADDR", ""), "serve Prometheus metrics at /metrics on this separate address, e.g. 127.0.0.1:9465; off when empty (INDIEPUB_MEDIA_METRICS_ADDR)")
	fs.BoolVar(&o.logJSON, "log-json", envBool("INDIEPUB_LOG_JSON"), "log as JSON (INDIEPUB_LOG_JSON)")
	fs.BoolVar(&o.debug, "debug", envBool("INDIEPUB_DEBUG"), "log every request (INDIEPUB_DEBUG)")
}

// finish checks the options after parsing.
func (o *mediaOptions) finish() error {
	if o.url == "" {
		o.url = "http://" + o.addr + "/"
	}
	if !strings.HasSuffix(o.url, "/") {
		o.url += "/"
	}
	if !strings.HasPrefix(o.url, "http://") && !strings.HasPrefix(o.url, "https://") {
		return fmt.Errorf("--url %q: must start with http:// or https://", o.url)
	}
	if o.me == "" {
		return errors.New("--me is required: the site whose tokens the media endpoint accepts")
	}
	if !strings.HasPrefix(o.me, "http://") && !strings.HasPrefix(o.me, "https://") {
		return fmt.Errorf("--me %q: must start with http:// or https://", o.me)
	}
	if o.maxUpload <= 0 {
		return fmt.Errorf("--max-upload %d: must be positive", o.maxUpload)
	}
	return checkMediaURL(&o.mediaURL)
}

// runMedia runs only the media endpoint and the files, for a site served by another
// Micropub server: tokens are verified by the site's own token endpoint.
func runMedia(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o mediaOptions
	if _, err := parseFlags("media --me URL [flags]", &o, args, stdout, stderr); err != nil {
		return err
	}
	logger := newLogger(o.logJSON, o.debug, stderr)
	logDataDir(logger, o.dataDir)
	if o.metricsAddr != "" {
		info, _ := debug.ReadBuildInfo()
		o.metrics = metrics.New(build(info))
		mln, err := net.Listen("tcp", o.metricsAddr)
		if err != nil {
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		stopMetrics := serveMetrics(mln, o.metrics, logger)
		defer stopMetrics()
	}
	h, closeDB, err := newMediaHandler(ctx, &o, logger)
	if err != nil {
		return err
	}
	defer closeDB()
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	return serve(ctx, ln, h, logger, o.url+"media")
}

// newMediaHandler opens the data directory and returns the standalone media service's
// handler tree: the endpoint, the files and /healthz.
func newMediaHandler(ctx context.Context, o *mediaOptions, logger *slog.Logger) (http.Handler, func() error, error) {
	if err := os.MkdirAll(o.dataDir, 0o755); err != nil {
		return nil, nil, err
	}
	blobs, err := openBlobs(ctx, o.mediaStore, logger)
	if err != nil {
		return nil, nil, err
	}
	db, err := sqlite.OpenWith(ctx, filepath.Join(o.dataDir, "media.db"), sqlite.Options{Logger: logger})
	if err != nil {
		return nil, nil, err
	}
	ttl := o.tokenCacheTTL
	if ttl == 0 {
		ttl = -1 // off
	}
	verifier := indieauth.NewCache(&indieauth.External{
		Me:            o.me,
		TokenEndpoint: o.tokenEndpoint,
		Client:        indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: o.allowPrivateFetch}),
	}, indieauth.CacheOptions{TTL: ttl})
	h, err := server.NewMedia(server.MediaConfig{URL: o.url, DataDir: o.dataDir, Blobs: blobs, MediaURL: o.mediaURL,
		Types:     splitList(o.types),
		MaxUpload: o.maxUpload, Verifier: verifier, Logger: logger, Metrics: o.metrics}, db)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return h, db.Close, nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var list []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			list = append(list, v)
		}
	}
	return list
}
