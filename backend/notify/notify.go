// Package notify delivers notifications to channels (signed webhooks, Slack-compatible
// incoming webhooks, SMTP email, and Jira-shaped ticket sync). It does not queue or retry: the outbox worker calls
// Channel.Send and, on error, asks the *DeliveryError whether trying again later can help.
//
// Message content comes partly from cluster data (names, labels, annotations), so every
// channel treats it as hostile: sizes are capped, one-line fields lose control characters,
// Slack text is escaped and email headers cannot be injected. Secrets (webhook secret, SMTP
// password, the path of a Slack webhook URL) never appear in errors.
//
// Destinations obey an egress.Policy, when configured and again when connecting. Errors
// name a failure's class and status code, never the receiver's answer or the address a name
// resolved to: people who configure a channel must not be able to read internal services
// through it.
package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/posture"
)

// Message is one notification: an event or a digest of several.
type Message struct {
	ID        string            // stable de-duplication key (the outbox key); receivers can drop repeats
	Kind      string            // e.g. "drift.privileged", "finding.opened", "exception.expired", "digest"
	Severity  string            // info|low|medium|high|critical
	Title     string            // one line
	Text      string            // plain text body, may be multi-line
	URL       string            // link into Palisade (optional)
	Tenant    string            // tenant slug
	Fields    map[string]string // extra key/values (target, namespace, check, ...)
	Events    []Message         // digest: the batched events (only for Kind "digest")
	CreatedAt time.Time
}

// Channel delivers messages to one destination.
type Channel interface {
	Kind() string                              // "webhook", "slack", "email", "ticket-sync"
	Send(ctx context.Context, m Message) error // returns *DeliveryError on failure
}

var (
	_ Channel = (*Webhook)(nil)
	_ Channel = (*Slack)(nil)
	_ Channel = (*Email)(nil)
)

// Bounds. Cluster data is not trusted to be small.
const (
	UserAgent      = "palisade-notify/1"
	DefaultTimeout = 10 * time.Second

	MaxTitle       = 256      // bytes
	MaxText        = 8 << 10  // bytes, top-level text in webhook and email
	MaxEventText   = 1 << 10  // bytes, text of each event inside a digest
	MaxEvents      = 100      // events per digest in a payload
	MaxFields      = 50       // fields per message
	MaxFieldKey    = 64       // bytes
	MaxFieldValue  = 1 << 10  // bytes
	maxRespBody    = 64 << 10 // response bytes read (then discarded)
	maxRetryAfter  = time.Hour
	minSecretBytes = 16
)

// DeliveryError says whether trying again later can help (5xx, timeouts, connection refused,
// 408, 429) or not (other 4xx, redirects, TLS verification failure, malformed config).
type DeliveryError struct {
	Retryable  bool
	RetryAfter time.Duration // from Retry-After when the receiver sent one; 0 = use backoff
	Status     int           // HTTP status or SMTP reply code; 0 when there was no response
	Reason     string        // the failure's class, safe to show: "HTTP status 503", "timed out", ...
	Err        error
}

func (e *DeliveryError) Error() string {
	if !e.Retryable {
		return fmt.Sprintf("%v (permanent)", e.Err)
	}
	if e.RetryAfter > 0 {
		return fmt.Sprintf("%v (retryable after %s)", e.Err, e.RetryAfter)
	}
	return fmt.Sprintf("%v (retryable)", e.Err)
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// IsRetryable reports whether err is worth retrying and after how long at the earliest.
// Errors that are not *DeliveryError are treated as retryable: dropping an alert because of
// an unclassified error is worse than a bounded number of extra attempts.
func IsRetryable(err error) (bool, time.Duration) {
	if err == nil {
		return false, 0
	}
	var de *DeliveryError
	if errors.As(err, &de) {
		return de.Retryable, de.RetryAfter
	}
	return true, 0
}

// Reason is what went wrong, as a class safe to show to whoever configured the channel
// (a channel test): never the receiver's answer, never an address a name resolved to.
func Reason(err error) string {
	var de *DeliveryError
	if errors.As(err, &de) && de.Reason != "" {
		return de.Reason
	}
	return "delivery failed"
}

// permanent is a failure of our own making (a message that cannot be encoded, a queued
// payload that is not what it should be); its text holds nothing from the receiver.
func permanent(status int, format string, args ...any) *DeliveryError {
	return &DeliveryError{Status: status, Reason: "the message could not be prepared", Err: fmt.Errorf(format, args...)}
}

// failed is a failure classified as reason: its text is where + ": " + reason, and cause
// stays in the chain (errors.Is) without being printed, as it may quote the receiver or
// name the address dialled.
func failed(retry bool, status int, after time.Duration, where, reason string, cause error) *DeliveryError {
	return &DeliveryError{Retryable: retry, RetryAfter: after, Status: status, Reason: reason,
		Err: &classified{msg: where + ": " + reason, cause: cause}}
}

// classified prints its own message and unwraps to its cause.
type classified struct {
	msg   string
	cause error
}

func (c *classified) Error() string { return c.msg }
func (c *classified) Unwrap() error { return c.cause }

// connectFailure classifies a failure before any answer arrived (connect, TLS, timeout).
func connectFailure(ctx context.Context, where string, err error) *DeliveryError {
	var dns *net.DNSError
	switch {
	case errors.Is(err, egress.ErrNotAllowed):
		// Checked on the address dialled: a name that now resolves to a refused address.
		return failed(false, 0, 0, where, "destination not allowed", err)
	case isTLSVerifyError(err):
		return failed(false, 0, 0, where, "TLS certificate verification failed", err)
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || isTimeout(err):
		// Our timeout: the receiver may be fine later.
		return failed(true, 0, 0, where, "timed out", errors.Join(ctx.Err(), err))
	case ctx.Err() != nil:
		return failed(true, 0, 0, where, "cancelled", ctx.Err())
	case errors.Is(err, syscall.ECONNREFUSED):
		return failed(true, 0, 0, where, "the destination refused the connection", err)
	case errors.As(err, &dns):
		return failed(true, 0, 0, where, "the destination's host name could not be resolved", err)
	}
	return failed(true, 0, 0, where, "the connection failed", err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isLoopback reports whether host (a name or an IP, without port) is this machine, the only
// place where plaintext HTTP or SMTP is acceptable (test relays, sidecars).
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// parseEndpoint validates a channel URL and its host against the policy. Errors never echo
// the URL: Slack-style webhook URLs carry their credential in the path and url.Parse errors
// quote the whole input.
func parseEndpoint(kind, raw string, policy egress.Policy) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil, posture.Errorf(posture.EINVALID, "%s: url is not an absolute http(s) URL", kind)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, posture.Errorf(posture.EINVALID, "%s: url must use https (plain http is allowed only for loopback hosts)", kind)
		}
	default:
		return nil, posture.Errorf(posture.EINVALID, "%s: url scheme must be https", kind)
	}
	if err := policy.CheckHost(u.Hostname()); err != nil {
		return nil, posture.WrapError(posture.EINVALID, egress.ErrNotAllowed, "%s: url: %s", kind, posture.ErrorMessage(err))
	}
	u.Fragment = ""
	return u, nil
}

// redactURL names an endpoint in errors: scheme and host only, since path, query and
// userinfo may be credentials.
func redactURL(u *url.URL) string { return u.Scheme + "://" + u.Host }

// oneLine turns s into a single line of printable text: control characters (CR, LF, TAB,
// NUL, ...) become spaces, invalid UTF-8 becomes U+FFFD, and the result is capped at max bytes.
func oneLine(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return truncate(strings.TrimSpace(s), max)
}

// truncate cuts s to at most max bytes on a rune boundary, marking the cut with "…".
func truncate(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= max {
		return s
	}
	const mark = "…"
	cut := max - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if cut <= 0 {
		return mark
	}
	return s[:cut] + mark
}

// limitFields returns at most MaxFields fields with bounded keys and values, keeping the
// first keys in sorted order so the selection is deterministic; never nil.
func limitFields(in map[string]string) map[string]string {
	keys := sortedKeys(in)
	out := make(map[string]string, min(len(keys), MaxFields))
	for _, k := range keys {
		if len(out) == MaxFields {
			break
		}
		key := oneLine(k, MaxFieldKey)
		if key == "" {
			continue
		}
		out[key] = truncate(in[k], MaxFieldValue)
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// createdAt is the event time, or the send time when the producer left it unset.
func createdAt(t time.Time, now time.Time) string {
	if t.IsZero() {
		t = now
	}
	return t.UTC().Format(time.RFC3339)
}

// withTimeout applies the channel's per-send bound on top of the caller's context.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		d = DefaultTimeout
	}
	return context.WithTimeout(ctx, d)
}
