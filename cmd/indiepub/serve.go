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
	"time"

	"github.com/indiepub/indiepub/internal/metrics"
	"github.com/indiepub/indiepub/internal/secret"
	"github.com/indiepub/indiepub/internal/server"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return serveWith(ctx, args, stdout, stderr, nil)
}

// serveWith is runServe with a last change to the server's configuration, for tests that
// run indiepub as a process of its own with parts no flag sets (a fake publisher).
func serveWith(ctx context.Context, args []string, stdout, stderr io.Writer, modify func(*server.Config)) error {
	var o options
	var metricsAddr string
	var g gitOptions
	if _, err := parseFlags("serve [flags]", &o, args, stdout, stderr, g.bind, func(fs *flag.FlagSet) {
		fs.StringVar(&metricsAddr, "metrics-addr", env("INDIEPUB_METRICS_ADDR", ""), "serve Prometheus metrics at /metrics on this separate address, e.g. 127.0.0.1:9090; off when empty (INDIEPUB_METRICS_ADDR)")
		fs.BoolVar(&o.cfg.AccessLog, "access-log", envBool("INDIEPUB_ACCESS_LOG"), "log every request at INFO: request id, route, status, bytes, duration (INDIEPUB_ACCESS_LOG)")
	}); err != nil {
		return err
	}
	if err := o.buildTargets(); err != nil {
		return err
	}
	logger := newLogger(o.logJSON, o.debug, stderr)
	logDataDir(logger, o.cfg.DataDir)
	db, err := o.openDB(ctx, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	o.cfg.Logger = logger
	if o.cfg.Secrets, err = loadSecrets(o.cfg.DataDir); err != nil {
		return err
	}
	if o.cfg.Blobs, err = openBlobs(ctx, o.mediaStore, logger); err != nil {
		return err
	}
	if metricsAddr != "" {
		info, _ := debug.ReadBuildInfo()
		o.cfg.Metrics = metrics.New(build(info))
		mln, err := net.Listen("tcp", metricsAddr)
		if err != nil {
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		stopMetrics := serveMetrics(mln, o.cfg.Metrics, logger)
		defer stopMetrics()
	}
	if err := g.open(ctx, &o.cfg, logger); err != nil {
		return err
	}
	if modify != nil {
		modify(&o.cfg)
	}
	h, err := server.New(ctx, o.cfg, db)
	if err != nil {
		return err
	}
	// The job runner stops before the store closes, whichever way serve returns.
	defer h.StopJobs(context.Background())
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	return serve(ctx, ln, h, logger, o.cfg.URL)
}

// loadSecrets loads the key that seals secrets (INDIEPUB_SECRET_KEY, else secret.key in
// the data directory, created on first use) once, for every part of the server that seals
// or opens them: instances sharing a database share it, so that what one sealed the others
// open.
func loadSecrets(dataDir string) (*secret.Box, error) {
	if os.Getenv("INDIEPUB_SECRET_KEY") == "" {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("secret key: %w", err)
		}
	}
	key, err := secret.LoadKey(os.Getenv("INDIEPUB_SECRET_KEY"), dataDir)
	if err != nil {
		return nil, err
	}
	return secret.New(key)
}

// serveMetrics answers GET /metrics on ln, a listener of its own, so that the metrics are
// never public by accident: only what --metrics-addr names reaches them. The returned
// function stops it.
func serveMetrics(ln net.Listener, m *metrics.Metrics, logger *slog.Logger) func() {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go srv.Serve(ln)
	logger.Info("metrics listening", "addr", ln.Addr().String())
	return func() { srv.Close() }
}

// serve runs srv on ln until ctx is cancelled, then lets in-flight requests finish.
func serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger, url string) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("indiepub listening", "addr", ln.Addr().String(), "url", url)
	// Warming the page cache starts once the server listens, and ends (or is cancelled)
	// before serve returns and the database is closed.
	warmCtx, stopWarm := context.WithCancel(ctx)
	defer stopWarm()
	warmed := make(chan struct{})
	go func() {
		defer close(warmed)
		if w, ok := h.(interface{ Warm(context.Context) }); ok {
			w.Warm(warmCtx)
		}
	}()
	defer func() { stopWarm(); <-warmed }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	// Large uploads run on connections taken over from net/http, which Shutdown does
	// not wait for.
	if w, ok := h.(interface{ WaitUploads(context.Context) error }); ok {
		if err := w.WaitUploads(shutdownCtx); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
	}
	// Running jobs finish within the same grace; those cut short are pending for the
	// next start.
	if j, ok := h.(interface{ StopJobs(context.Context) error }); ok {
		if err := j.StopJobs(shutdownCtx); err != nil {
			logger.Warn("jobs cut short at shutdown", "err", err)
		}
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// logDataDir says where the data lives, as an absolute path: without --data it is ./data,
// created in whatever directory the server happened to start in.
func logDataDir(logger *slog.Logger, dir string) {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	logger.Info("data directory", "path", dir)
}

func newLogger(logJSON, debug bool, w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	hopts := &slog.HandlerOptions{Level: level}
	if logJSON {
		return slog.New(slog.NewJSONHandler(w, hopts))
	}
	return slog.New(slog.NewTextHandler(w, hopts))
}
