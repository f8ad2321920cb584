package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/indiepub/indiepub/internal/metrics"
)

// requestIDs hands out request IDs: a random prefix chosen at start, so that IDs differ
// between restarts, and a counter, which costs nothing per request.
type requestIDs struct {
	prefix string
	n      atomic.Uint64
}

func newRequestIDs() *requestIDs {
	var b [6]byte
	rand.Read(b[:])
	return &requestIDs{prefix: hex.EncodeToString(b[:]) + "-"}
}

func (ids *requestIDs) next() string {
	return ids.prefix + strconv.FormatUint(ids.n.Add(1), 36)
}

// validRequestID reports whether a client's or a proxy's X-Request-Id may be kept: up to
// 128 characters of letters, digits and "-_.:", so that the ID can be neither a log
// injection nor a way to fill the logs.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// requestIDKey is the context key of the request's ID.
type requestIDKey struct{}

// requestIDs adds the ID of the request being served, request_id, to every record logged
// with its context (the handlers' ErrorContext, WarnContext...), so that a failure can be
// matched with its access log line and with the proxy's log.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id, ok := ctx.Value(requestIDKey{}).(string); ok {
		rec.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// withRequestIDs returns logger, logging the request ID of the context it is given.
func withRequestIDs(logger *slog.Logger) *slog.Logger {
	if _, ok := logger.Handler().(requestIDHandler); ok {
		return logger
	}
	return slog.New(requestIDHandler{logger.Handler()})
}

// observe wraps the handler tree: every answer carries an X-Request-Id (the one the
// request came with, when a proxy set a sane one, or a new one), which the request's
// context carries to every line logged with it (logger must come from withRequestIDs);
// each request is counted
// in m (by route pattern and status, with its duration) and, with accessLog or a logger
// at debug level, logged: request id, method, route pattern, status, bytes and duration.
// The raw path and query are never logged, since a query may carry an access_token or a
// code. Without metrics or logging, requests go straight through after the ID.
func observe(logger *slog.Logger, accessLog bool, m *metrics.Metrics, next http.Handler) http.Handler {
	ids := newRequestIDs()
	level := slog.LevelDebug
	if accessLog {
		level = slog.LevelInfo
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = ids.next()
		}
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		logging := logger.Enabled(r.Context(), level)
		if m == nil && !logging {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		d := time.Since(start)
		// The mux sets r.Pattern on the request it was handed, this one (the body
		// limits pass it on as it is): the route table's pattern, or "" when nothing
		// matched.
		m.Request(r.Pattern, r.Method, rec.status, d)
		if logging {
			route := r.Pattern
			if route == "" {
				route = "none"
			}
			logger.Log(r.Context(), level, "request", "method", r.Method, "route", route,
				"status", rec.status, "bytes", rec.bytes, "duration", d)
		}
	})
}

// statusRecorder remembers the status and counts the bytes of an answer.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	bytes       int64
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wroteHeader && code >= 200 {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wroteHeader = true
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// ReadFrom keeps the underlying writer's sendfile path (media files, through
// http.ServeContent's io.Copy) while counting the bytes.
func (s *statusRecorder) ReadFrom(r io.Reader) (int64, error) {
	s.wroteHeader = true
	var n int64
	var err error
	if rf, ok := s.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(s.ResponseWriter, r)
	}
	s.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
