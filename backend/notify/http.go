package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/palisade-dev/palisade/backend/egress"
)

// poster sends one JSON POST and classifies the outcome. Shared by Webhook and Slack.
type poster struct {
	kind    string
	url     *url.URL
	client  *http.Client
	timeout time.Duration
}

// newPoster posts to u through a transport that checks every address it dials against
// policy.
func newPoster(kind string, u *url.URL, policy egress.Policy, timeout time.Duration) *poster {
	tr := policy.Transport()
	// Senders are built per delivery: idle connections would only pile up.
	tr.DisableKeepAlives = true
	c := &http.Client{Transport: tr}
	// Never follow redirects: the signed body would be replayed to wherever the redirect
	// points, and a redirect from a configured endpoint means the configuration is stale.
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &poster{kind: kind, url: u, client: c, timeout: timeout}
}

// post sends body with the given extra headers; nil means a 2xx response.
func (p *poster) post(ctx context.Context, body []byte, hdr http.Header) error {
	ctx, cancel := withTimeout(ctx, p.timeout)
	defer cancel()
	where := p.kind + ": POST " + redactURL(p.url)

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url.String(), bytes.NewReader(body))
	if err != nil {
		return permanent(0, "%s: build request failed", where)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)

	resp, err := p.client.Do(req)
	if err != nil {
		// *url.Error quotes the full URL, which may hold a credential: keep only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return connectFailure(ctx, where, err)
	}
	defer resp.Body.Close()
	// The answer is read (bounded) and dropped: it is never quoted, since the destination
	// may be an internal page its configurer could not otherwise read.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxRespBody))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	return statusError(where, resp)
}

// isTLSVerifyError reports certificate problems, which retries cannot fix.
func isTLSVerifyError(err error) bool {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci)
}

// statusError classifies a non-2xx response by its status code alone.
func statusError(where string, resp *http.Response) *DeliveryError {
	code := resp.StatusCode
	reason := fmt.Sprintf("HTTP status %d", code)
	switch {
	case code >= 300 && code < 400:
		return failed(false, code, 0, where, reason+" (redirects are not followed; fix the configured URL)", nil)
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests, code >= 500:
		return failed(true, code, retryAfter(resp.Header.Get("Retry-After"), time.Now()), where, reason, nil)
	default:
		return failed(false, code, 0, where, reason, nil)
	}
}

// retryAfter parses Retry-After (delta-seconds or HTTP-date), capped so that a receiver
// cannot park the outbox for days.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now).Round(time.Second)
	}
	return min(max(d, 0), maxRetryAfter)
}
