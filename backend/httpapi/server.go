// Package httpapi serves Palisade's HTTP API with gin. It is the only package that imports
// gin. Handlers parse input, call one service method and map the result or error.
package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Checker reports whether a dependency is ready; /readyz runs every checker.
type Checker interface {
	Ready(ctx context.Context) error
}

// CheckerFunc adapts a function to Checker.
type CheckerFunc func(ctx context.Context) error

// Ready calls f.
func (f CheckerFunc) Ready(ctx context.Context) error { return f(ctx) }

// Config is what the server needs; cmd builds it from the configuration file.
type Config struct {
	Listen          string
	ReadTimeout     time.Duration
	WriteTimeout    time.Duration
	IdleTimeout     time.Duration
	RequestTimeout  time.Duration
	ShutdownTimeout time.Duration
	MaxBodyBytes    int64
	// MaxUploadBytes bounds an uploaded document (an image's SBOM or scanner report).
	MaxUploadBytes int64
	TLSCertFile    string
	TLSKeyFile     string
	// HSTS is sent when served over TLS, or when a TLS-terminating proxy fronts the server
	// (public URL https).
	HSTS    bool
	Version string
	// MetricsToken, when not empty, is the bearer token /metrics requires.
	MetricsToken string
}

// Server is Palisade's HTTP server.
type Server struct {
	cfg      Config
	log      *slog.Logger
	engine   *gin.Engine
	registry *prometheus.Registry
	checks   map[string]Checker
	http     *http.Server
	api      *api
}

// New builds the router. readiness names each dependency /readyz must see healthy.
func New(cfg Config, log *slog.Logger, readiness map[string]Checker) *Server {
	gin.SetMode(gin.ReleaseMode)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	build := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "palisade", Name: "build_info", Help: "Build information.",
		ConstLabels: prometheus.Labels{"version": cfg.Version}})
	build.Set(1)
	reg.MustRegister(build)

	e := gin.New()
	e.HandleMethodNotAllowed = true
	_ = e.SetTrustedProxies(nil) // the remote address is the client unless configured otherwise
	s := &Server{cfg: cfg, log: log, engine: e, registry: reg, checks: readiness}
	e.Use(withRequestID(), recoverPanics(log), accessLog(log, newMetrics(reg)), securityHeaders(cfg.TLSCertFile != "" || cfg.HSTS),
		limitBody(cfg.MaxBodyBytes, cfg.MaxUploadBytes, log), timeout(cfg.RequestTimeout))
	e.NoRoute(func(c *gin.Context) { writeError(c, log, errNotFound) })
	e.NoMethod(func(c *gin.Context) { writeError(c, log, errMethod) })

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", requireBearer(cfg.MetricsToken, log), gin.WrapH(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})))
	return s
}

// requireBearer answers 401 unless the request carries "Authorization: Bearer token"
// (compared in constant time); an empty token lets every request through.
func requireBearer(token string, log *slog.Logger) gin.HandlerFunc {
	want := sha256.Sum256([]byte(token))
	return func(c *gin.Context) {
		if token == "" {
			return
		}
		got, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			c.Header("WWW-Authenticate", `Bearer realm="metrics"`)
			writeError(c, log, errMetrics)
			return
		}
	}
}

// MountUI serves the web UI for every GET that no route answers, except under /api/ and
// /auth/, which keep their JSON 404.
func (s *Server) MountUI(ui http.Handler) {
	s.engine.NoRoute(func(c *gin.Context) {
		p := c.Request.URL.Path
		if (c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead) &&
			!strings.HasPrefix(p, "/api/") && !strings.HasPrefix(p, "/auth/") {
			ui.ServeHTTP(c.Writer, c.Request)
			return
		}
		writeError(c, s.log, errNotFound)
	})
}

// Handler exposes the router, for tests.
func (s *Server) Handler() http.Handler { return s.engine }

// Registry lets other components register their Prometheus metrics.
func (s *Server) Registry() prometheus.Registerer { return s.registry }

// Serve listens until ctx ends, then shuts down gracefully: it stops accepting, lets
// in-flight requests finish within the shutdown timeout, and returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.http = &http.Server{
		Handler:           s.engine,
		ReadTimeout:       s.cfg.ReadTimeout,
		ReadHeaderTimeout: min(s.cfg.ReadTimeout, 10*time.Second),
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() {
		var err error
		if s.cfg.TLSCertFile != "" {
			err = s.http.ServeTLS(ln, s.cfg.TLSCertFile, s.cfg.TLSKeyFile)
		} else {
			err = s.http.Serve(ln)
		}
		errc <- err
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down: draining in-flight requests", "timeout", s.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := s.http.Shutdown(sctx); err != nil {
		return err
	}
	if s.api != nil {
		s.api.touches.flush(sctx) // the last uses of sessions and tokens are kept
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz answers 200 only when every dependency answers, naming each one's state.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	status, results := http.StatusOK, gin.H{}
	for name, chk := range s.checks {
		if err := chk.Ready(ctx); err != nil {
			status = http.StatusServiceUnavailable
			results[name] = "unavailable"
			s.log.Warn("readiness check failed", "check", name, "error", err.Error())
			continue
		}
		results[name] = "ok"
	}
	word := "ok"
	if status != http.StatusOK {
		word = "unavailable"
	}
	c.JSON(status, gin.H{"status": word, "checks": results})
}
