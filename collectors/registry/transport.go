package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// ErrTooLarge is returned when a response body exceeds its limit.
var ErrTooLarge = errors.New("response too large")

// boundedTransport is the only way the collector reaches a registry. It holds every limit
// that does not depend on what the registry says: the scheme the target asked for, the
// request rate, a deadline per request that covers the whole body (a slow drip ends), a
// size limit per kind of response, and a bound on redirects.
type boundedTransport struct {
	base      http.RoundTripper
	host      string // the registry's host[:port]
	https     bool   // the target is HTTPS: nothing goes over plain HTTP
	guessed   string // the scheme go-containerregistry guesses for host
	limits    Limits
	limiter   *rate.Limiter
	requests  atomic.Int64
	bytesRead atomic.Int64
}

func newBoundedTransport(base http.RoundTripper, host string, https bool, l Limits) *boundedTransport {
	return &boundedTransport{base: base, host: host, https: https, limits: l,
		limiter: rate.NewLimiter(rate.Limit(l.RequestsPerSecond), max(1, int(l.RequestsPerSecond)))}
}

// layerRead marks the context of requests that read image layers, whose bodies are bounded
// by the layer limits rather than the blob limits.
type layerRead struct{}

// withLayerLimits marks ctx's requests as layer reads.
func withLayerLimits(ctx context.Context) context.Context {
	return context.WithValue(ctx, layerRead{}, true)
}

// sbomRead marks the context of requests that read attestations, which may be SBOMs.
type sbomRead struct{}

func isLayerRead(req *http.Request) bool {
	v, _ := req.Context().Value(layerRead{}).(bool)
	return v
}

// timeout is the deadline of a request, body included.
func (t *boundedTransport) timeout(req *http.Request) time.Duration {
	if isLayerRead(req) && strings.Contains(req.URL.Path, "/blobs/") {
		return t.limits.LayerTimeout
	}
	return t.limits.RequestTimeout
}

// bodyLimit is the size limit for a response to req, by what the URL asks for.
func (t *boundedTransport) bodyLimit(req *http.Request) (int64, string) {
	p := req.URL.Path
	switch {
	case isLayerRead(req) && strings.Contains(p, "/blobs/"):
		return t.limits.LayerBytes, "layer"
	case strings.Contains(p, "/blobs/") && req.Context().Value(sbomRead{}) != nil:
		return t.limits.SBOMBytes, "SBOM"
	case strings.Contains(p, "/manifests/"), strings.Contains(p, "/referrers/"):
		return t.limits.ManifestBytes, "manifest"
	case strings.Contains(p, "/blobs/"):
		return t.limits.BlobBytes, "blob"
	case strings.HasSuffix(p, "/_catalog"), strings.HasSuffix(p, "/tags/list"):
		return t.limits.ListBytes, "listing"
	default:
		return t.limits.ListBytes, "response" // token endpoints, /v2/
	}
}

func (t *boundedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	asked := req
	if n := redirectDepth(req); n > t.limits.Redirects {
		return nil, fmt.Errorf("GET %s: more than %d redirects", redactURL(req), t.limits.Redirects)
	}
	if t.https && req.URL.Scheme == "http" {
		if req.URL.Host != t.host {
			return nil, fmt.Errorf("refusing plain-HTTP request to %s for an HTTPS registry", req.URL.Host)
		}
		// go-containerregistry guesses plain HTTP for loopback and private addresses;
		// the target said HTTPS, so HTTPS it is.
		req = req.Clone(req.Context())
		req.URL.Scheme = "https"
	}
	if !t.https && req.URL.Scheme == "https" && req.URL.Host == t.host {
		req = req.Clone(req.Context())
		req.URL.Scheme = "http"
	}
	if err := t.limiter.Wait(req.Context()); err != nil {
		return nil, err
	}
	t.requests.Add(1)
	timeout := t.timeout(req)
	ctx, cancel := context.WithTimeout(req.Context(), timeout)
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		if errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded {
			return nil, fmt.Errorf("%s %s: no answer within %s", req.Method, redactURL(req), timeout)
		}
		// Name the URL actually used: the client's error names the one it asked for, which
		// may be the plain-HTTP guess upgraded above.
		return nil, fmt.Errorf("%s %s: %w", req.Method, redactURL(req), err)
	}
	resp.Request = asked
	if link := resp.Header.Get("Link"); link != "" && t.guessed != "" && t.guessed != req.URL.Scheme {
		// go-containerregistry checks that pagination links keep the scheme it guessed
		// from the host name (HTTP for loopback and private addresses), not the one used.
		link = strings.ReplaceAll(link, "<"+req.URL.Scheme+"://"+t.host+"/", "</")
		resp.Header.Set("Link", strings.ReplaceAll(link, "</", "<"+t.guessed+"://"+t.host+"/"))
	}
	limit, what := t.bodyLimit(req)
	if resp.ContentLength > limit {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("%s %s: %s of %d bytes exceeds the limit of %d: %w", req.Method, redactURL(req), what, resp.ContentLength, limit, ErrTooLarge)
	}
	resp.Body = &boundedBody{rc: resp.Body, left: limit, limit: limit, what: what, req: req, ctx: ctx, cancel: cancel,
		timeout: timeout, counter: &t.bytesRead}
	return resp, nil
}

// redirectDepth counts the redirects that led to req.
func redirectDepth(req *http.Request) int {
	n := 0
	for r := req.Response; r != nil && r.Request != nil; r = r.Request.Response {
		n++
	}
	return n
}

// redactURL is the request's URL without its query (which may carry a token).
func redactURL(req *http.Request) string {
	u := *req.URL
	u.RawQuery, u.User = "", nil
	return u.String()
}

// boundedBody stops reading at the limit (an error, never a silent truncation) and turns
// the request's deadline into a clear error.
type boundedBody struct {
	rc          io.ReadCloser
	left, limit int64
	what        string
	req         *http.Request
	ctx         context.Context
	cancel      context.CancelFunc
	timeout     time.Duration
	counter     *atomic.Int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.counter.Add(int64(n))
	if int64(n) > b.left {
		return 0, fmt.Errorf("%s %s: %s exceeds the limit of %d bytes: %w", b.req.Method, redactURL(b.req), b.what, b.limit, ErrTooLarge)
	}
	b.left -= int64(n)
	if err != nil && err != io.EOF && b.ctx.Err() == context.DeadlineExceeded {
		return n, fmt.Errorf("%s %s: body not received within %s", b.req.Method, redactURL(b.req), b.timeout)
	}
	return n, err
}

func (b *boundedBody) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}
