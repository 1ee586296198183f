package outbox_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/notify"
	"github.com/palisade-dev/palisade/backend/outbox"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/seal"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// receiver is a webhook endpoint that verifies signatures like a real consumer would.
type receiver struct {
	mu       sync.Mutex
	secret   []byte
	fail     int // answer 503 to this many requests first
	got      []notify.Message
	verified []bool
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	body, _ := io.ReadAll(req.Body)
	err := notify.Verify(r.secret, body, req.Header.Get(notify.HeaderTimestamp), req.Header.Get(notify.HeaderSignature), time.Now(), notify.DefaultTolerance)
	var m notify.Message
	_ = json.Unmarshal(body, &m)
	r.got = append(r.got, m)
	r.verified = append(r.verified, err == nil)
}

func privileged(status posture.ResultStatus) posture.Result {
	return posture.Result{CheckID: "k8s.privileged-container", Severity: posture.SeverityCritical, CSA: []string{"3.1.2.4"},
		Status: status, SubKey: "container:web", Message: "container web runs privileged",
		Asset: &posture.Asset{Kind: posture.AssetWorkload, Key: "apps/Deployment/shop/web", Name: "web", Namespace: "shop"}}
}

// env is one test's database on a test clock, with a tenant, a cluster target and a sealing key.
type env struct {
	db     *store.DB
	clk    *storetest.Clock
	ten    *posture.Tenant
	tgt    *posture.Target
	sealer *seal.Sealer
}

func newEnv(t *testing.T, dialect string) *env {
	clk := storetest.NewClock(time.Now().UTC().Truncate(time.Second))
	db := storetest.OpenWith(t, dialect, storetest.Options{Now: clk.Now, Migrate: true})
	ten, tgt := storetest.Seed(t, db, "acme", posture.TargetCluster)
	key, _ := seal.GenerateKey()
	k, _ := seal.ParseKey(key)
	return &env{db: db, clk: clk, ten: ten, tgt: tgt, sealer: seal.New(k)}
}

// channel adds a channel of the tenant with its secret sealed to its row.
func (e *env) channel(t *testing.T, ch *alerting.Channel, secret []byte) {
	ctx := context.Background()
	ch.TenantID = e.ten.ID
	must(t, e.db.CreateSealedChannel(ctx, ch, func(id int64) ([]byte, error) {
		return e.sealer.Seal(secret, store.ChannelSecretContext(id))
	}))
}

// run records a complete run of the target whose one result is privileged(status).
func (e *env) run(t *testing.T, status posture.ResultStatus) *posture.Run {
	ctx := context.Background()
	r, err := e.db.StartRun(ctx, e.ten.ID, e.tgt.ID, "test", e.clk.Now())
	must(t, err)
	e.clk.Add(time.Second)
	done, err := e.db.FinishRun(ctx, e.ten.ID, r.ID, posture.RunOutcome{Status: posture.RunComplete, FinishedAt: e.clk.Now(),
		Results: []posture.Result{privileged(status)}})
	must(t, err)
	return done
}

// loopbackAllowed admits the test receivers, which listen on 127.0.0.1.
var loopbackAllowed = egress.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}

func (e *env) worker() *outbox.Worker {
	return &outbox.Worker{Store: e.db, Sealer: e.sealer, Context: store.ChannelSecretContext, Log: slog.New(slog.DiscardHandler), Now: e.clk.Now,
		Outbound: loopbackAllowed}
}

// TestDriftAlertSurvivesACrashBetweenEnqueueAndSend: a run that turns a workload privileged
// queues an alert in its own transaction; a worker claims it and dies before sending; after
// its lease a new worker (as after a restart, on a new connection) delivers it, signed.
func TestDriftAlertSurvivesACrashBetweenEnqueueAndSend(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, dialect)
			db, clk, ten := e.db, e.clk, e.ten
			rcv := &receiver{secret: []byte("a-webhook-signing-secret-of-32-bytes!"), fail: 1}
			srv := httptest.NewServer(rcv)
			defer srv.Close()

			ch := &alerting.Channel{Name: "soc", Kind: "webhook", Settings: map[string]string{"url": srv.URL}}
			e.channel(t, ch, rcv.secret)
			must(t, db.CreateRule(ctx, &alerting.Rule{TenantID: ten.ID, Name: "critical drift", MinSeverity: posture.SeverityHigh,
				Kinds: []string{alerting.KindNewFinding, alerting.KindRegression}, ChannelID: ch.ID}))

			run := func(status posture.ResultStatus) *posture.Run { return e.run(t, status) }
			run(posture.Pass) // the baseline
			second := run(posture.Fail)

			events, err := db.ListDriftEvents(ctx, ten.ID, alerting.DriftFilter{Limit: 10})
			must(t, err)
			if len(events) != 1 || events[0].Kind != alerting.KindNewFinding || events[0].RunID != second.ID {
				t.Fatalf("drift events: %+v", events)
			}
			// Worker one claims the delivery and dies before sending.
			claimed, err := db.ClaimDeliveries(ctx, 10, time.Minute)
			must(t, err)
			if len(claimed) != 1 {
				t.Fatalf("claimed %d deliveries", len(claimed))
			}
			restarted := e.worker()
			if n := restarted.Once(ctx); n != 0 {
				t.Fatal("a delivery still leased to a live worker was sent twice")
			}
			clk.Add(2 * time.Minute) // the dead worker's lease runs out
			if n := restarted.Once(ctx); n != 0 {
				t.Fatal("the receiver's 503 was counted as sent")
			}
			list, err := db.ListDeliveries(ctx, ten.ID, 10)
			must(t, err)
			if list[0].Status != "pending" || list[0].Attempts != 2 || !strings.Contains(list[0].LastError, "503") {
				t.Fatalf("after a 503: %+v", list[0])
			}
			clk.Add(time.Hour) // past the backoff
			if n := restarted.Once(ctx); n != 1 {
				t.Fatalf("sent %d after the backoff", n)
			}
			if len(rcv.got) != 1 || !rcv.verified[0] || rcv.got[0].Kind != "drift.new_finding" || rcv.got[0].Tenant != "acme" ||
				!strings.Contains(rcv.got[0].Title, "k8s.privileged-container") {
				t.Fatalf("received: %+v (verified %v)", rcv.got, rcv.verified)
			}
			if n := restarted.Once(ctx); n != 0 {
				t.Fatal("a sent delivery was sent again")
			}
			// The fix resolves the finding: a resolved event, but the rule does not select it.
			run(posture.Pass)
			events, _ = db.ListDriftEvents(ctx, ten.ID, alerting.DriftFilter{Limit: 10})
			if len(events) != 2 || events[0].Kind != alerting.KindResolved {
				t.Fatalf("after the fix: %+v", events)
			}
			clk.Add(time.Hour)
			if n := restarted.Once(ctx); n != 0 {
				t.Fatal("an unselected event was delivered")
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestDisabledRuleAndChannel: a disabled rule queues nothing for the events raised while it
// is off (enabling it later does not replay them); a disabled channel's delivery waits,
// pending with no attempt spent, however long, and is sent once the channel is enabled.
func TestDisabledRuleAndChannel(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, dialect)
			db := e.db
			rcv := &receiver{secret: []byte("a-webhook-signing-secret-of-32-bytes!")}
			srv := httptest.NewServer(rcv)
			defer srv.Close()
			ch := &alerting.Channel{Name: "soc", Kind: "webhook", Settings: map[string]string{"url": srv.URL}}
			e.channel(t, ch, rcv.secret)
			rule := &alerting.Rule{TenantID: e.ten.ID, Name: "drift", MinSeverity: posture.SeverityHigh,
				Kinds: []string{alerting.KindNewFinding, alerting.KindRegression}, ChannelID: ch.ID}
			must(t, db.CreateRule(ctx, rule))
			run := func(status posture.ResultStatus) { e.run(t, status) }
			deliveries := func() []alerting.DeliveryStatus {
				list, err := db.ListDeliveries(ctx, e.ten.ID, 10)
				must(t, err)
				return list
			}
			w := e.worker()

			run(posture.Pass) // the baseline
			rule.Enabled = false
			must(t, db.UpdateRule(ctx, rule))
			run(posture.Fail) // new_finding, while the rule is off
			if list := deliveries(); len(list) != 0 {
				t.Fatalf("a disabled rule queued %+v", list)
			}
			rule.Enabled = true
			must(t, db.UpdateRule(ctx, rule))
			ch.Enabled = false
			must(t, db.UpdateChannel(ctx, ch, nil))
			run(posture.Pass) // resolved: not selected
			run(posture.Fail) // regression: queued for the disabled channel
			for range 3 {
				if n := w.Once(ctx); n != 0 {
					t.Fatalf("sent %d to a disabled channel", n)
				}
				e.clk.Add(24 * time.Hour)
			}
			list := deliveries()
			if len(list) != 1 || list[0].Status != "pending" || list[0].Attempts != 0 || !strings.HasPrefix(list[0].DedupKey, alerting.KindRegression) {
				t.Fatalf("the disabled channel's delivery: %+v", list)
			}
			rcv.mu.Lock()
			got := len(rcv.got)
			rcv.mu.Unlock()
			if got != 0 {
				t.Fatalf("the receiver got %d messages from a disabled channel", got)
			}

			ch.Enabled = true
			must(t, db.UpdateChannel(ctx, ch, nil))
			if n := w.Once(ctx); n != 1 {
				t.Fatalf("sent %d after enabling the channel", n)
			}
			rcv.mu.Lock()
			defer rcv.mu.Unlock()
			if len(rcv.got) != 1 || !rcv.verified[0] || rcv.got[0].Kind != "drift.regression" {
				t.Fatalf("received: %+v (verified %v)", rcv.got, rcv.verified)
			}
		})
	}
}
