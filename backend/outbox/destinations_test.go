package outbox_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

// TestDeliveryErrorsDoNotQuoteTheReceiver: a receiver that fails with a page of its own
// leaves the status code in the delivery's last_error, which every role can list, and none
// of the page.
func TestDeliveryErrorsDoNotQuoteTheReceiver(t *testing.T) {
	const page = "SECRET-INTERNAL-PAGE"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, page)
	}))
	defer srv.Close()
	last := deliverOnce(t, srv.URL, loopbackAllowed)
	if !strings.Contains(last.LastError, "HTTP status 500") || strings.Contains(last.LastError, page) || last.Status != "pending" {
		t.Fatalf("delivery after a 500: %+v", last)
	}
}

// TestWorkerRefusesDestinationsThePolicyRefuses: a channel stored while its address was
// allowed (or before destinations were checked) is not sent to once the policy refuses it:
// the delivery fails for good without a connection.
func TestWorkerRefusesDestinationsThePolicyRefuses(t *testing.T) {
	var hit atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hit.Store(true) }))
	defer srv.Close()
	last := deliverOnce(t, srv.URL, egress.Policy{})
	if hit.Load() || last.Status != "dead" || !strings.Contains(last.LastError, "loopback") {
		t.Fatalf("delivery to 127.0.0.1 without an allowlist: %+v (receiver hit: %v)", last, hit.Load())
	}
}

// deliverOnce queues one alert for a webhook channel to url, lets a worker with policy try
// it once and returns the delivery.
func deliverOnce(t *testing.T, url string, policy egress.Policy) alerting.DeliveryStatus {
	t.Helper()
	ctx := context.Background()
	e := newEnv(t, store.SQLite)
	secret := []byte("a-webhook-signing-secret-of-32-bytes!")
	ch := &alerting.Channel{Name: "soc", Kind: "webhook", Settings: map[string]string{"url": url}}
	e.channel(t, ch, secret)
	must(t, e.db.CreateRule(ctx, &alerting.Rule{TenantID: e.ten.ID, Name: "drift", MinSeverity: posture.SeverityHigh, ChannelID: ch.ID}))
	e.run(t, posture.Pass)
	e.run(t, posture.Fail)
	w := e.worker()
	w.Outbound = policy
	if n := w.Once(ctx); n != 0 {
		t.Fatalf("sent %d", n)
	}
	list, err := e.db.ListDeliveries(ctx, e.ten.ID, 10)
	must(t, err)
	if len(list) != 1 {
		t.Fatalf("deliveries: %+v", list)
	}
	return list[0]
}
