package server

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/media/fsblob"
	"github.com/indiepub/indiepub/internal/mediaendpoint"
	"github.com/indiepub/indiepub/internal/metrics"
	"github.com/indiepub/indiepub/internal/reqbody"
)

// MediaConfig configures the standalone media server (`indiepub media`), which serves a
// site run by another Micropub server.
type MediaConfig struct {
	// URL is the media server's absolute URL; the endpoint is URL + "media".
	URL string
	// DataDir holds the media folder.
	DataDir string
	// Blobs is where uploaded files are kept; nil means the disk store in DataDir/media.
	Blobs media.Blobs
	// MediaURL is the absolute URL the files are published under, with a trailing slash
	// (a public bucket or CDN); empty means URL + "media/", served from the store.
	MediaURL string
	// Types lists the accepted media types; nil means media.DefaultTypes.
	Types []string
	// MaxUpload caps one uploaded file, in bytes.
	MaxUpload int64
	// Verifier checks access tokens, usually at the site's own token endpoint.
	Verifier indieauth.Verifier
	// Logger receives the media service's warnings and failed requests; required.
	Logger *slog.Logger
	// Metrics, when set, counts requests, uploads and their bytes, token verifications
	// (and the cache's hits) and storage errors, as the full server's do; nil counts
	// nothing.
	Metrics *metrics.Metrics
}

// MediaStore is what the standalone media server needs from storage: the media records,
// and Ping and Migrated for /readyz.
type MediaStore interface {
	media.Records
	// Ping reports whether the store can be reached.
	Ping(ctx context.Context) error
	// Migrated reports whether the store's schema is current.
	Migrated(ctx context.Context) error
}

// MediaHandler is the standalone media server's handler tree: the media endpoint, the
// files and /healthz.
type MediaHandler struct {
	http.Handler
	media *mediaendpoint.Handler
}

// WaitUploads waits for the uploads that http.Server.Shutdown does not wait for (see
// mediaendpoint.Handler.WaitUploads).
func (h *MediaHandler) WaitUploads(ctx context.Context) error { return h.media.WaitUploads(ctx) }

// NewMedia returns the standalone media server's handler tree on db, mounted through the
// same route table as the full server's. Request bodies get the default limits.
func NewMedia(cfg MediaConfig, db MediaStore) (*MediaHandler, error) {
	blobs, err := diskBlobs(cfg.Blobs, cfg.DataDir, cfg.Logger)
	if err != nil {
		return nil, err
	}
	if cfg.Metrics != nil {
		db = countedMediaStore{MediaStore: db, m: cfg.Metrics}
		blobs = countBlobs(blobs, cfg.Metrics)
		if hits, ok := cfg.Verifier.(interface{ Hits() uint64 }); ok {
			cfg.Metrics.CacheHits(hits.Hits)
		}
		cfg.Verifier = countedVerifier{Verifier: cfg.Verifier, m: cfg.Metrics}
	}
	svc := media.NewService(media.ServiceConfig{URL: cfg.URL, FilesURL: cfg.MediaURL, Types: cfg.Types,
		MaxSize: cfg.MaxUpload, Logger: cfg.Logger}, blobs, db)
	endpoint := mediaendpoint.New(mediaendpoint.Config{URL: cfg.URL,
		BodyTimeout: reqbody.DefaultIdle, BodyMinRate: reqbody.DefaultMinRate, Logger: cfg.Logger}, svc)
	mux := http.NewServeMux()
	Routes{Media: endpoint, Auth: &indieauth.Authenticator{Verifier: cfg.Verifier, MaxBody: 1 << 20, Logger: cfg.Logger},
		Health: alive(), Ready: ready(db, blobs, cfg.Logger)}.Mount(mux)
	bodies := reqbody.Limits{Idle: reqbody.DefaultIdle, MinRate: reqbody.DefaultMinRate}
	return &MediaHandler{Handler: observe(cfg.Logger, false, cfg.Metrics, bodies.Handler(mux)), media: endpoint}, nil
}

// diskBlobs returns blobs, or when it is nil the disk store in dataDir/media, the default.
func diskBlobs(blobs media.Blobs, dataDir string, logger *slog.Logger) (media.Blobs, error) {
	if blobs != nil {
		return blobs, nil
	}
	return fsblob.New(fsblob.Config{Dir: filepath.Join(dataDir, "media"), Logger: logger})
}
