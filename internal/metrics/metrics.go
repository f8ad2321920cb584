// Package metrics is indiepub's Prometheus metrics: one registry per server, never the
// client library's global one, written in the Prometheus text exposition format by
// Handler, which cmd/indiepub serves only on the separate --metrics-addr listener.
//
// The server counts requests, post changes, uploads, token verifications and storage
// errors through the methods below; other parts report their state at scrape time
// through the small interfaces Jobs and Mentions, so that this package imports none of
// them.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Build describes the running binary, for indiepub_build_info.
type Build struct {
	Version, Commit, Date string
}

// Metrics holds indiepub's collectors and their registry. The zero value is not usable;
// a nil *Metrics counts nothing, so callers need not check.
type Metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	posts        *prometheus.CounterVec
	uploads      prometheus.Counter
	uploadBytes  prometheus.Counter
	verification *prometheus.CounterVec
	storeErrors  *prometheus.CounterVec
}

// New returns the metrics of one server, registered with a registry of their own along
// with the Go runtime's and the process's collectors.
func New(b Build) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "indiepub_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "indiepub_http_request_duration_seconds",
			Help: "Time from a request's headers to the end of its answer, by route pattern.",
			// From a cached page (well under a millisecond) to a large upload.
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		posts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "indiepub_posts_changed_total",
			Help: "Posts created, updated, deleted and undeleted through Micropub, by action.",
		}, []string{"action"}),
		uploads: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "indiepub_media_uploads_total",
			Help: "Files stored by the media endpoint and by Micropub requests.",
		}),
		uploadBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "indiepub_media_upload_bytes_total",
			Help: "Bytes of the files stored.",
		}),
		verification: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "indiepub_token_verifications_total",
			Help: "Access token verifications, by outcome: valid, invalid or unavailable.",
		}, []string{"outcome"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "indiepub_store_errors_total",
			Help: "Failed calls to storage, by store: database or media.",
		}, []string{"store"}),
	}
	for _, outcome := range []string{OutcomeValid, OutcomeInvalid, OutcomeUnavailable} {
		m.verification.WithLabelValues(outcome) // shown as 0 before the first one
	}
	for _, store := range []string{StoreDatabase, StoreMedia} {
		m.storeErrors.WithLabelValues(store)
	}
	for _, action := range []string{"create", "update", "delete", "undelete"} {
		m.posts.WithLabelValues(action)
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "indiepub_build_info",
		Help:        "Always 1; the labels say which build of indiepub is running.",
		ConstLabels: prometheus.Labels{"version": b.Version, "commit": b.Commit, "date": b.Date},
	})
	build.Set(1)
	m.reg.MustRegister(m.requests, m.duration, m.posts, m.uploads, m.uploadBytes, m.verification,
		m.storeErrors, build,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Outcomes of a token verification.
const (
	OutcomeValid       = "valid"
	OutcomeInvalid     = "invalid"     // unknown, expired, revoked or someone else's: 403
	OutcomeUnavailable = "unavailable" // the token endpoint or the store could not answer: 503
)

// Stores whose errors are counted.
const (
	StoreDatabase = "database"
	StoreMedia    = "media"
)

// Handler answers scrapes in the Prometheus text format (or OpenMetrics, when asked).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Request counts one answered request. route is the route table's pattern ("POST
// /micropub"), never the raw path, so that the number of series stays bounded; requests
// that matched no route are counted under "none".
func (m *Metrics) Request(route, method string, code int, d time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = "none"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// PostChanged counts a post created, updated, deleted or undeleted.
func (m *Metrics) PostChanged(action string) {
	if m != nil {
		m.posts.WithLabelValues(action).Inc()
	}
}

// Uploaded counts a stored file of size bytes.
func (m *Metrics) Uploaded(size int64) {
	if m != nil {
		m.uploads.Inc()
		m.uploadBytes.Add(float64(size))
	}
}

// Verified counts a token verification by its outcome.
func (m *Metrics) Verified(outcome string) {
	if m != nil {
		m.verification.WithLabelValues(outcome).Inc()
	}
}

// StoreError counts a failed call to the database or the media store.
func (m *Metrics) StoreError(store string) {
	if m != nil {
		m.storeErrors.WithLabelValues(store).Inc()
	}
}

// CacheHits exports hits, the count of token verifications answered from memory
// (indieauth.Cache.Hits), as indiepub_token_cache_hits_total.
func (m *Metrics) CacheHits(hits func() uint64) {
	if m == nil {
		return
	}
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "indiepub_token_cache_hits_total",
		Help: "Token verifications answered from memory: an external token endpoint's answers, or the SQLite store's own tokens.",
	}, func() float64 { return float64(hits()) }))
}

// A collector's scrape-time reads get this long before the scrape goes on without them.
const reportTimeout = 5 * time.Second
