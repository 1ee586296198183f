package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/palisade-dev/palisade/backend/posture"
)

const requestIDKey = "request_id"

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// withRequestID tags each request with an id: the caller's X-Request-ID if it is sane,
// otherwise a new one. It is echoed in the response and in every log line.
func withRequestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if !validRequestID.MatchString(id) {
			b := make([]byte, 12)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set(requestIDKey, id)
		c.Header("X-Request-ID", id)
		c.Next()
	}
}

func requestID(c *gin.Context) string { return c.GetString(requestIDKey) }

// accessLog writes one structured line per request. It logs the route pattern, not the raw
// path, so ids and tokens in URLs never reach the logs.
func accessLog(log *slog.Logger, m *metrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		status := c.Writer.Status()
		m.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(status)).Inc()
		m.duration.WithLabelValues(c.Request.Method, route).Observe(d.Seconds())
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		log.LogAttrs(c.Request.Context(), level, "http request",
			slog.String("request_id", requestID(c)), slog.String("method", c.Request.Method),
			slog.String("route", route), slog.Int("status", status), slog.Duration("duration", d),
			slog.String("remote_ip", c.ClientIP()), slog.Int("bytes", c.Writer.Size()))
	}
}

// securityHeaders applies the headers every response carries. CSP allows no inline script.
func securityHeaders(tls bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'")
		if tls {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		c.Next()
	}
}

// isDocumentUpload reports an upload of a large document (an image's SBOM): it has its own
// size limit, and its body is read by its parser alone, streaming, never decoded whole by
// the generic request checks.
func isDocumentUpload(r *http.Request) bool {
	return r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/api/v1/tenants/") && strings.HasSuffix(r.URL.Path, "/sbom")
}

// limitBody caps request bodies (uploads at uploadMax); handlers that read past the cap get
// an error and the client a 413.
func limitBody(bodyMax, uploadMax int64, log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		max := bodyMax
		if isDocumentUpload(c.Request) && uploadMax > 0 {
			max = uploadMax
		}
		if c.Request.ContentLength > max {
			writeError(c, log, tooLarge(max))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
		c.Next()
	}
}

func tooLarge(max int64) error {
	return posture.Errorf(ETOOLARGE, "request body larger than %d bytes (server.max_body_bytes)", max)
}

// bodyTooLarge is the 413 for a read that hit the body limit, wherever it happened, and nil
// for any other error.
func bodyTooLarge(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(mbe.Limit)
	}
	return nil
}

// timeout bounds the work behind one request through its context; database calls and
// collectors honour it.
func timeout(d time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), d)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// recoverPanics turns a panic into a logged 500 with the request id, never a stack trace
// for the client.
func recoverPanics(log *slog.Logger) gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, rec any) {
		writeError(c, log, posture.WrapError(posture.EINTERNAL, errors.New("panic"), "internal error"))
		// The stack goes to the log (for us), never to the client.
		log.Error("panic in handler", "request_id", requestID(c), "panic", rec, "stack", string(debug.Stack()))
	})
}

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "palisade", Subsystem: "http", Name: "requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "palisade", Subsystem: "http", Name: "request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}
