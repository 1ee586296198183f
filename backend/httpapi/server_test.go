package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

func testConfig() Config {
	return Config{Listen: "127.0.0.1:0", ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second,
		RequestTimeout: 5 * time.Second, ShutdownTimeout: 5 * time.Second, MaxBodyBytes: 1024, Version: "test"}
}

func do(t *testing.T, h http.Handler, method, path string, body io.Reader) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, body)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestHealthAndReadiness(t *testing.T) {
	var dbErr error
	s := New(testConfig(), slog.New(slog.DiscardHandler), map[string]Checker{
		"database": CheckerFunc(func(context.Context) error { return dbErr }),
	})
	if w := do(t, s.Handler(), "GET", "/healthz", nil); w.Code != 200 {
		t.Fatalf("healthz = %d", w.Code)
	}
	w := do(t, s.Handler(), "GET", "/readyz", nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"database":"ok"`) {
		t.Fatalf("readyz = %d %s", w.Code, w.Body)
	}
	dbErr = errors.New("connection refused to secret-host")
	w = do(t, s.Handler(), "GET", "/readyz", nil)
	if w.Code != 503 || !strings.Contains(w.Body.String(), `"database":"unavailable"`) {
		t.Fatalf("readyz with db down = %d %s", w.Code, w.Body)
	}
	if strings.Contains(w.Body.String(), "secret-host") {
		t.Fatal("readyz leaked the error detail")
	}
}

func TestMetricsCountRequestsByRoute(t *testing.T) {
	s := New(testConfig(), slog.New(slog.DiscardHandler), nil)
	do(t, s.Handler(), "GET", "/healthz", nil)
	do(t, s.Handler(), "GET", "/no/such/thing/abc123", nil)
	w := do(t, s.Handler(), "GET", "/metrics", nil)
	body := w.Body.String()
	for _, want := range []string{
		`palisade_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
		`palisade_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`palisade_build_info{version="test"} 1`,
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(body, "abc123") {
		t.Error("raw path leaked into metric labels")
	}
}

// With server.metrics_token set, /metrics answers only the right bearer token.
func TestMetricsTokenIsRequiredWhenSet(t *testing.T) {
	cfg := testConfig()
	cfg.MetricsToken = "scrape-token-0123456789"
	s := New(cfg, slog.New(slog.DiscardHandler), nil)
	for header, want := range map[string]int{
		"":                               401,
		"Bearer wrong-token":             401,
		"Basic c2NyYXBlLXRva2Vu":         401,
		"Bearer scrape-token-0123456789": 200,
	} {
		req := httptest.NewRequest("GET", "/metrics", nil)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, req)
		if w.Code != want {
			t.Errorf("Authorization %q: %d, want %d", header, w.Code, want)
		}
		if want == 401 && (strings.Contains(w.Body.String(), "go_goroutines") || w.Header().Get("WWW-Authenticate") == "") {
			t.Errorf("Authorization %q: metrics shown or no challenge: %v %.100s", header, w.Header(), w.Body.String())
		}
	}
	if w := do(t, s.Handler(), "GET", "/healthz", nil); w.Code != 200 {
		t.Errorf("healthz needs no token: %d", w.Code)
	}
}

func TestSecurityHeadersRequestIDAndErrors(t *testing.T) {
	s := New(testConfig(), slog.New(slog.DiscardHandler), nil)
	w := do(t, s.Handler(), "GET", "/nope", nil)
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
	} {
		if got := w.Header().Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	csp := w.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
	if w.Header().Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent without TLS")
	}
	var body ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != 404 || body.Error.Code != "not_found" {
		t.Fatalf("404 body = %s (%v)", w.Body, err)
	}
	if body.Error.RequestID == "" || body.Error.RequestID != w.Header().Get("X-Request-ID") {
		t.Errorf("request id in body %q, header %q", body.Error.RequestID, w.Header().Get("X-Request-ID"))
	}
	// A sane caller-supplied id is kept; a hostile one is replaced.
	req := httptest.NewRequest("GET", "/healthz", nil)
	req.Header.Set("X-Request-ID", "abcdef123456")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Header().Get("X-Request-ID") != "abcdef123456" {
		t.Errorf("caller request id not kept")
	}
	req.Header.Set("X-Request-ID", "<script>alert(1)</script>")
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if strings.Contains(rec.Header().Get("X-Request-ID"), "<") {
		t.Errorf("hostile request id echoed")
	}
}

func TestBodyLimit(t *testing.T) {
	s := New(testConfig(), slog.New(slog.DiscardHandler), nil)
	var readErr error
	s.engine.POST("/echo", func(c *gin.Context) {
		_, readErr = io.ReadAll(c.Request.Body)
		c.Status(200)
	})
	w := do(t, s.Handler(), "POST", "/echo", strings.NewReader(strings.Repeat("x", 2048)))
	if w.Code != http.StatusRequestEntityTooLarge && w.Code != http.StatusBadRequest {
		t.Fatalf("oversized body = %d", w.Code)
	}
	// A body without Content-Length is still capped while reading.
	req := httptest.NewRequest("POST", "/echo", io.NopCloser(strings.NewReader(strings.Repeat("x", 2048))))
	req.ContentLength = -1
	s.Handler().ServeHTTP(httptest.NewRecorder(), req)
	if readErr == nil {
		t.Fatal("reading past the limit did not fail")
	}
}

func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	s := New(testConfig(), slog.New(slog.DiscardHandler), nil)
	started := make(chan struct{})
	s.engine.GET("/slow", func(c *gin.Context) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		c.String(200, "done")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	<-started
	cancel() // SIGTERM arrives while /slow is in flight
	if body := <-got; body != "done" {
		t.Fatalf("in-flight request got %q", body)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve returned %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Fatal("server still accepting after shutdown")
	}
}
