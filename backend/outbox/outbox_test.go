package outbox_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/alerting"
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

// TestDriftAlertSurvivesACrashBetweenEnqueueAndSend: a run that turns a workload privileged
// queues an alert in its own transaction; a worker claims it and dies before sending; after
// its lease a new worker (as after a restart, on a new connection) delivers it, signed.
func TestDriftAlertSurvivesACrashBetweenEnqueueAndSend(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			clk := storetest.NewClock(time.Now().UTC().Truncate(time.Second))
			db := storetest.OpenWith(t, dialect, storetest.Options{Now: clk.Now, Migrate: true})
			ten, tgt := storetest.Seed(t, db, "acme", posture.TargetCluster)
			key, _ := seal.GenerateKey()
			k, _ := seal.ParseKey(key)
			sealer := seal.New(k)
			rcv := &receiver{secret: []byte("a-webhook-signing-secret-of-32-bytes!"), fail: 1}
			srv := httptest.NewServer(rcv)
			defer srv.Close()

			ch := &alerting.Channel{TenantID: ten.ID, Name: "soc", Kind: "webhook", Settings: map[string]string{"url": srv.URL}}
			must(t, db.CreateChannel(ctx, ch))
			sealed, err := sealer.Seal(rcv.secret, store.ChannelSecretContext(ch.ID))
			must(t, err)
			must(t, db.Exec(ctx, "UPDATE notification_channels SET secret = ? WHERE id = ?", sealed, ch.ID))
			must(t, db.CreateRule(ctx, &alerting.Rule{TenantID: ten.ID, Name: "critical drift", MinSeverity: posture.SeverityHigh,
				Kinds: []string{alerting.KindNewFinding, alerting.KindRegression}, ChannelID: ch.ID}))

			run := func(status posture.ResultStatus) *posture.Run {
				r, err := db.StartRun(ctx, ten.ID, tgt.ID, "test", clk.Now())
				must(t, err)
				clk.Add(time.Second)
				done, err := db.FinishRun(ctx, ten.ID, r.ID, posture.RunOutcome{Status: posture.RunComplete, FinishedAt: clk.Now(),
					Results: []posture.Result{privileged(status)}})
				must(t, err)
				return done
			}
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
			log := slog.New(slog.DiscardHandler)
			restarted := &outbox.Worker{Store: db, Sealer: sealer, Context: store.ChannelSecretContext, Log: log, Now: clk.Now}
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
