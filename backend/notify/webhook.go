package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/posture"
)

// Webhook request headers.
const (
	HeaderID        = "X-Palisade-Id"
	HeaderTimestamp = "X-Palisade-Timestamp"
	HeaderSignature = "X-Palisade-Signature"
)

// DefaultTolerance is the replay window receivers should use with Verify.
const DefaultTolerance = 5 * time.Minute

// Errors returned by Verify.
var (
	ErrMalformedSignature = errors.New("webhook signature headers are malformed")
	ErrBadSignature       = errors.New("webhook signature does not match")
	ErrStaleTimestamp     = errors.New("webhook timestamp is outside the tolerance")
)

// WebhookConfig configures a signed JSON webhook.
type WebhookConfig struct {
	URL     string            // https (http only for loopback hosts)
	Secret  []byte            // HMAC key, at least 16 bytes; 32 random bytes recommended
	Timeout time.Duration     // per request; default 10s
	Policy  egress.Policy     // where it may connect; redirects are never followed
	Headers map[string]string // extra request headers, e.g. Authorization; cannot override ours
}

// Webhook posts messages as signed JSON.
type Webhook struct {
	secret  []byte
	headers http.Header
	poster  *poster
	now     func() time.Time
}

// reservedHeaders are set by Webhook itself; letting configuration override them would
// break signing or framing.
var reservedHeaders = map[string]bool{
	"Content-Type": true, "Content-Length": true, "Host": true, "User-Agent": true,
	"Transfer-Encoding": true, "Connection": true,
	HeaderID: true, HeaderTimestamp: true, HeaderSignature: true,
}

// NewWebhook validates cfg. Errors have code EINVALID and never contain the secret,
// header values or the URL's path.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) { return newWebhook("webhook", cfg) }

// newWebhook is NewWebhook for a channel kind that posts signed JSON (webhook,
// ticket-sync); kind names it in errors.
func newWebhook(kind string, cfg WebhookConfig) (*Webhook, error) {
	u, err := parseEndpoint(kind, cfg.URL, cfg.Policy)
	if err != nil {
		return nil, err
	}
	if len(cfg.Secret) < minSecretBytes {
		return nil, posture.Errorf(posture.EINVALID, "%s: secret must be at least %d bytes (32 random bytes recommended)", kind, minSecretBytes)
	}
	hdr := http.Header{}
	for k, v := range cfg.Headers {
		name := http.CanonicalHeaderKey(k)
		if !validHeaderName(name) {
			return nil, posture.Errorf(posture.EINVALID, "%s: header name %q is not valid", kind, oneLine(k, 64))
		}
		if reservedHeaders[name] {
			return nil, posture.Errorf(posture.EINVALID, "%s: header %s is set by Palisade and cannot be configured", kind, name)
		}
		if strings.ContainsAny(v, "\r\n\x00") {
			return nil, posture.Errorf(posture.EINVALID, "%s: value of header %s contains a line break", kind, name)
		}
		hdr.Set(name, v)
	}
	return &Webhook{
		secret:  bytes.Clone(cfg.Secret),
		headers: hdr,
		poster:  newPoster(kind, u, cfg.Policy, cfg.Timeout),
		now:     time.Now,
	}, nil
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r > 0x7e || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}

// Kind implements Channel.
func (w *Webhook) Kind() string { return "webhook" }

// Send posts m. Every attempt is signed afresh with the current time, so a retry is not a
// replay; receivers de-duplicate on X-Palisade-Id.
func (w *Webhook) Send(ctx context.Context, m Message) error {
	now := w.now()
	body, err := webhookBody(m, now)
	if err != nil {
		return permanent(0, "webhook: encode message: %w", err)
	}
	return w.postSigned(ctx, m.ID, body, now)
}

// postSigned posts body with the delivery id and a signature over the timestamp and the
// exact bytes sent. Shared by the webhook and ticket-sync channels.
func (w *Webhook) postSigned(ctx context.Context, id string, body []byte, now time.Time) error {
	ts := strconv.FormatInt(now.Unix(), 10)
	hdr := w.headers.Clone()
	hdr.Set(HeaderID, oneLine(id, MaxTitle))
	hdr.Set(HeaderTimestamp, ts)
	hdr.Set(HeaderSignature, Sign(w.secret, ts, body))
	return w.poster.post(ctx, body, hdr)
}

// webhookPayload is the documented, stable JSON shape. Every key is always present
// (empty string, {} or []) so receivers need no optional handling.
type webhookPayload struct {
	ID          string            `json:"id"`
	Kind        string            `json:"kind"`
	Severity    string            `json:"severity"`
	Title       string            `json:"title"`
	Text        string            `json:"text"`
	URL         string            `json:"url"`
	Tenant      string            `json:"tenant"`
	Fields      map[string]string `json:"fields"`
	Events      []webhookPayload  `json:"events"`
	EventsTotal int               `json:"events_total"` // len(Message.Events) before the cap
	CreatedAt   string            `json:"created_at"`   // RFC 3339, UTC, seconds
}

func toPayload(m Message, textMax int, now time.Time) webhookPayload {
	return webhookPayload{
		ID:        m.ID,
		Kind:      m.Kind,
		Severity:  m.Severity,
		Title:     oneLine(m.Title, MaxTitle),
		Text:      truncate(m.Text, textMax),
		URL:       m.URL,
		Tenant:    m.Tenant,
		Fields:    limitFields(m.Fields),
		Events:    []webhookPayload{},
		CreatedAt: createdAt(m.CreatedAt, now),
	}
}

func webhookBody(m Message, now time.Time) ([]byte, error) {
	p := toPayload(m, MaxText, now)
	p.EventsTotal = len(m.Events)
	for _, e := range m.Events[:min(len(m.Events), MaxEvents)] {
		p.Events = append(p.Events, toPayload(e, MaxEventText, now)) // digests are one level deep
	}
	return encodeJSON(p)
}

// encodeJSON writes v compactly, without a trailing newline and without escaping <, > and &:
// readable for receivers, and the signature covers the exact bytes anyway.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Sign returns the X-Palisade-Signature value for body sent at timestamp (decimal Unix
// seconds): "v1=" + hex(HMAC-SHA256(secret, timestamp + "." + body)).
func Sign(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify is what a receiver does: it checks the signature over the raw request body in
// constant time, then that the timestamp is within tolerance of now in either direction
// (tolerance <= 0 means DefaultTolerance). The signature header may list several
// comma-separated "v1=" values (room for sending with two secrets during a rotation);
// one match suffices and unknown schemes are ignored.
func Verify(secret []byte, body []byte, timestampHeader, signatureHeader string, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	ts, err := strconv.ParseInt(timestampHeader, 10, 64)
	if err != nil || ts <= 0 || len(timestampHeader) > 12 {
		return ErrMalformedSignature
	}
	want := Sign(secret, timestampHeader, body)
	found, ok := false, false
	for i, part := range strings.Split(signatureHeader, ",") {
		if i == 8 { // bound the work an attacker can cause
			break
		}
		part = strings.TrimSpace(part)
		if !strings.HasPrefix(part, "v1=") {
			continue
		}
		if _, err := hex.DecodeString(part[3:]); err != nil || len(part) != len(want) {
			continue
		}
		found = true
		if hmac.Equal([]byte(part), []byte(want)) {
			ok = true
		}
	}
	if !found {
		return ErrMalformedSignature
	}
	if !ok {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrStaleTimestamp
	}
	return nil
}
