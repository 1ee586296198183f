package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/posture"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// loopbackAllowed admits the test receivers, which listen on 127.0.0.1.
var loopbackAllowed = egress.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}

func sampleMessage() Message {
	return Message{
		ID:        "evt-42",
		Kind:      "drift.privileged",
		Severity:  "high",
		Title:     "Privileged container in payments/api",
		Text:      "Container \"api\" runs privileged.\nSeen by <scanner> & admission.",
		URL:       "https://palisade.example.com/t/acme/findings/42",
		Tenant:    "acme",
		Fields:    map[string]string{"target": "prod-eu", "namespace": "payments"},
		CreatedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
	}
}

// The documented wire format, written by hand: a change here is a breaking change for receivers.
const goldenWebhookJSON = `{
  "id": "evt-42",
  "kind": "drift.privileged",
  "severity": "high",
  "title": "Privileged container in payments/api",
  "text": "Container \"api\" runs privileged.\nSeen by <scanner> & admission.",
  "url": "https://palisade.example.com/t/acme/findings/42",
  "tenant": "acme",
  "fields": {"namespace": "payments", "target": "prod-eu"},
  "events": [],
  "events_total": 0,
  "created_at": "2026-03-01T12:00:00Z"
}`

type captured struct {
	header http.Header
	body   []byte
}

// recorder is an httptest receiver that keeps what it got and answers with handle.
func recorder(t *testing.T, handle http.HandlerFunc) (*httptest.Server, func() []captured) {
	t.Helper()
	var mu sync.Mutex
	var got []captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, captured{r.Header.Clone(), body})
		mu.Unlock()
		if handle != nil {
			handle(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() []captured { mu.Lock(); defer mu.Unlock(); return append([]captured(nil), got...) }
}

// mustWebhook builds a webhook with the test secret, allowed to reach the test receivers.
func mustWebhook(t *testing.T, cfg WebhookConfig) *Webhook {
	t.Helper()
	if cfg.Secret == nil {
		cfg.Secret = testSecret
	}
	cfg.Policy = loopbackAllowed
	w, err := NewWebhook(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestWebhookBodyHeadersAndSignature(t *testing.T) {
	srv, got := recorder(t, nil)
	w := mustWebhook(t, WebhookConfig{URL: srv.URL + "/hook", Headers: map[string]string{"Authorization": "Bearer abc"}})
	before := time.Now()
	if err := w.Send(context.Background(), sampleMessage()); err != nil {
		t.Fatal(err)
	}
	reqs := got()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	var golden bytes.Buffer
	if err := json.Compact(&golden, []byte(goldenWebhookJSON)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.body, golden.Bytes()) {
		t.Errorf("body\n got %s\nwant %s", r.body, golden.Bytes())
	}
	for name, want := range map[string]string{
		"Content-Type": "application/json", "User-Agent": "palisade-notify/1",
		"X-Palisade-Id": "evt-42", "Authorization": "Bearer abc",
	} {
		if g := r.header.Get(name); g != want {
			t.Errorf("%s = %q, want %q", name, g, want)
		}
	}
	ts := r.header.Get(HeaderTimestamp)
	if sec, err := strconv.ParseInt(ts, 10, 64); err != nil || sec < before.Unix() || sec > time.Now().Unix() {
		t.Errorf("timestamp %q is not the send time", ts)
	}
	sig := r.header.Get(HeaderSignature)
	if !strings.HasPrefix(sig, "v1=") || len(sig) != 3+64 {
		t.Errorf("signature %q is not v1=<64 hex>", sig)
	}
	if err := Verify(testSecret, r.body, ts, sig, time.Now(), time.Minute); err != nil {
		t.Errorf("Verify of a genuine delivery: %v", err)
	}
}

func TestVerifyRejects(t *testing.T) {
	body := []byte(`{"id":"evt-42"}`)
	now := time.Unix(1_772_366_400, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	sig := Sign(testSecret, ts, body)
	old := strconv.FormatInt(now.Add(-10*time.Minute).Unix(), 10)
	future := strconv.FormatInt(now.Add(10*time.Minute).Unix(), 10)
	cases := []struct {
		name          string
		secret, body  []byte
		ts, signature string
		want          error
	}{
		{"genuine", testSecret, body, ts, sig, nil},
		{"genuine among several", testSecret, body, ts, "v1=" + strings.Repeat("0", 64) + ", " + sig, nil},
		{"tampered body", testSecret, []byte(`{"id":"evt-43"}`), ts, sig, ErrBadSignature},
		{"wrong secret", []byte("another-secret-of-enough-length!"), body, ts, sig, ErrBadSignature},
		{"timestamp swapped", testSecret, body, strconv.FormatInt(now.Unix()-1, 10), sig, ErrBadSignature},
		{"replay of old delivery", testSecret, body, old, Sign(testSecret, old, body), ErrStaleTimestamp},
		{"future timestamp", testSecret, body, future, Sign(testSecret, future, body), ErrStaleTimestamp},
		{"empty signature", testSecret, body, ts, "", ErrMalformedSignature},
		{"unknown scheme only", testSecret, body, ts, "v0=" + sig[3:], ErrMalformedSignature},
		{"not hex", testSecret, body, ts, "v1=" + strings.Repeat("z", 64), ErrMalformedSignature},
		{"short", testSecret, body, ts, sig[:20], ErrMalformedSignature},
		{"timestamp not a number", testSecret, body, "yesterday", sig, ErrMalformedSignature},
		{"timestamp empty", testSecret, body, "", sig, ErrMalformedSignature},
		{"timestamp negative", testSecret, body, "-5", sig, ErrMalformedSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.secret, tc.body, tc.ts, tc.signature, now, 5*time.Minute)
			if !errors.Is(err, tc.want) {
				t.Errorf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestWebhookRetryClassification(t *testing.T) {
	cases := []struct {
		name      string
		status    int
		header    map[string]string
		retryable bool
		after     time.Duration
	}{
		{"ok", 200, nil, false, 0},
		{"accepted", 202, nil, false, 0},
		{"server error", 500, nil, true, 0},
		{"unavailable with Retry-After", 503, map[string]string{"Retry-After": "7"}, true, 7 * time.Second},
		{"rate limited", 429, map[string]string{"Retry-After": "3"}, true, 3 * time.Second},
		{"rate limited, absurd Retry-After", 429, map[string]string{"Retry-After": "99999999"}, true, time.Hour},
		{"request timeout", 408, nil, true, 0},
		{"bad request", 400, nil, false, 0},
		{"not found", 404, nil, false, 0},
		{"moved permanently", 301, map[string]string{"Location": "/elsewhere"}, false, 0},
		{"temporary redirect", 307, map[string]string{"Location": "/elsewhere"}, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, got := recorder(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				fmt.Fprint(w, strings.Repeat("x", 100<<10)) // bigger than we read
			})
			err := mustWebhook(t, WebhookConfig{URL: srv.URL}).Send(context.Background(), sampleMessage())
			if tc.status < 300 {
				if err != nil {
					t.Fatalf("Send = %v, want nil", err)
				}
				return
			}
			var de *DeliveryError
			if !errors.As(err, &de) {
				t.Fatalf("Send = %v, want *DeliveryError", err)
			}
			if de.Retryable != tc.retryable || de.RetryAfter != tc.after || de.Status != tc.status {
				t.Errorf("got retryable=%v after=%v status=%d, want %v %v %d", de.Retryable, de.RetryAfter, de.Status, tc.retryable, tc.after, tc.status)
			}
			if n := len(got()); n != 1 {
				t.Errorf("receiver saw %d requests, want 1 (redirects must not be followed)", n)
			}
		})
	}
}

func TestWebhookNetworkFailures(t *testing.T) {
	t.Run("connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		w := mustWebhook(t, WebhookConfig{URL: "http://" + addr + "/hooks/T000/B000/sekrit-token?key=sekrit-query"})
		err = w.Send(context.Background(), sampleMessage())
		if ok, _ := IsRetryable(err); !ok || err == nil {
			t.Fatalf("Send = %v, want a retryable error", err)
		}
		if msg := err.Error(); strings.Contains(msg, "sekrit") || strings.Contains(msg, string(testSecret)) {
			t.Errorf("error leaks a credential: %s", msg)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		srv, _ := recorder(t, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		})
		w := mustWebhook(t, WebhookConfig{URL: srv.URL, Timeout: 100 * time.Millisecond})
		start := time.Now()
		err := w.Send(context.Background(), sampleMessage())
		if ok, _ := IsRetryable(err); !ok || err == nil || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Send = %v, want a retryable deadline error", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Send took %v, timeout not applied", d)
		}
	})
}

func TestWebhookDigestIsCapped(t *testing.T) {
	srv, got := recorder(t, nil)
	m := sampleMessage()
	m.Kind = "digest"
	for i := range 150 {
		m.Events = append(m.Events, Message{ID: fmt.Sprint("e", i), Title: fmt.Sprint("event ", i), Text: strings.Repeat("y", 5000)})
	}
	m.Text = strings.Repeat("é", 10000)
	if err := mustWebhook(t, WebhookConfig{URL: srv.URL}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	var p webhookPayload
	if err := json.Unmarshal(got()[0].body, &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Events) != MaxEvents || p.EventsTotal != 150 || p.Events[0].Title != "event 0" {
		t.Errorf("events = %d (total %d), want %d of 150 in order", len(p.Events), p.EventsTotal, MaxEvents)
	}
	if len(p.Text) > MaxText || !strings.HasSuffix(p.Text, "…") || len(p.Events[0].Text) > MaxEventText {
		t.Errorf("text not capped: %d bytes, event text %d bytes", len(p.Text), len(p.Events[0].Text))
	}
}

func TestNewWebhookValidates(t *testing.T) {
	cases := []struct {
		name string
		cfg  WebhookConfig
	}{
		{"plain http to a remote host", WebhookConfig{URL: "http://hooks.example.com/x", Secret: testSecret}},
		{"other scheme", WebhookConfig{URL: "ftp://hooks.example.com/x", Secret: testSecret}},
		{"relative", WebhookConfig{URL: "/x", Secret: testSecret}},
		{"unparsable", WebhookConfig{URL: "https://exa mple.com/sekrit", Secret: testSecret}},
		{"no secret", WebhookConfig{URL: "https://hooks.example.com/x"}},
		{"short secret", WebhookConfig{URL: "https://hooks.example.com/x", Secret: []byte("sekrit-15-bytes")}},
		{"reserved header", WebhookConfig{URL: "https://hooks.example.com/x", Secret: testSecret, Headers: map[string]string{"x-palisade-signature": "v1=00"}}},
		{"header injection", WebhookConfig{URL: "https://hooks.example.com/x", Secret: testSecret, Headers: map[string]string{"X-Token": "sekrit\r\nEvil: 1"}}},
		{"bad header name", WebhookConfig{URL: "https://hooks.example.com/x", Secret: testSecret, Headers: map[string]string{"X Token": "a"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewWebhook(tc.cfg)
			if posture.ErrorCode(err) != posture.EINVALID {
				t.Fatalf("NewWebhook = %v, want an EINVALID error", err)
			}
			if strings.Contains(err.Error(), "sekrit") {
				t.Errorf("error leaks configuration: %v", err)
			}
		})
	}
	for _, ok := range []string{"https://hooks.example.com/x", "http://127.0.0.1:8080/x", "http://localhost/x", "http://[::1]/x"} {
		if _, err := NewWebhook(WebhookConfig{URL: ok, Secret: testSecret, Policy: egress.Policy{}.WithLoopback()}); err != nil {
			t.Errorf("NewWebhook(%s) = %v, want ok", ok, err)
		}
	}
}
