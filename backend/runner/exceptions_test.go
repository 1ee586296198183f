package runner_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/runner"
	"github.com/palisade-dev/palisade/backend/sources"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// TestExceptionsSuppressAndExpire: an approved exception suppresses the findings it covers
// at the next run (they leave the score, stay listed), and its expiry (a controllable clock)
// brings them back and raises the alert a rule selects.
func TestExceptionsSuppressAndExpire(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			clk := storetest.NewClock(time.Now().UTC().Truncate(time.Second))
			db := storetest.OpenWith(t, dialect, storetest.Options{Now: clk.Now, Migrate: true})
			ten, tgt := storetest.Seed(t, db, "acme", posture.TargetManifests)
			tgt.Settings = map[string]string{"path": "../../e2e/demo/manifests/analytics.yaml"}
			must(t, db.UpdateTarget(ctx, tgt))
			r := &runner.Runner{Runs: db, Catalog: checks.Builtin(), CheckConfig: checks.DefaultConfig(), Weights: posture.DefaultWeights(),
				Log: slog.New(slog.DiscardHandler), Now: clk.Now, Exceptions: db.ActiveExceptions,
				Sources: map[posture.TargetKind]runner.Source{posture.TargetManifests: sources.Manifests()}}
			run := func() {
				clk.Add(time.Minute)
				done, err := r.Run(ctx, *tgt, "test")
				if err != nil || done.Status != posture.RunComplete {
					t.Fatalf("run: %+v %v", done, err)
				}
			}
			count := func(st posture.FindingStatus, check string) int {
				page, err := db.ListFindings(ctx, ten.ID, posture.FindingFilter{Statuses: []posture.FindingStatus{st}, CheckIDs: []string{check}, Limit: 500})
				must(t, err)
				return len(page.Findings)
			}
			// overall is the target's risk with and without exceptions.
			overall := func() (float64, float64) {
				snaps, err := db.LatestScores(ctx, ten.ID, tgt.ID)
				must(t, err)
				for _, s := range snaps {
					if s.ScopeKind == posture.ScopeOverall {
						return s.Risk, s.RiskWithoutExceptions
					}
				}
				t.Fatal("no overall score")
				return 0, 0
			}
			run()
			const check = "k8s.resource-limits"
			open := count(posture.FindingOpen, check)
			if open == 0 {
				t.Fatalf("the demo has no %s findings to except", check)
			}
			before, _ := overall()
			if s, w := overall(); s != w {
				t.Fatalf("no exception yet, yet risks differ: %.2f vs %.2f", s, w)
			}
			ch := &alerting.Channel{TenantID: ten.ID, Name: "soc", Kind: "webhook", Settings: map[string]string{"url": "http://127.0.0.1:9/x"}}
			must(t, db.CreateChannel(ctx, ch))
			must(t, db.CreateRule(ctx, &alerting.Rule{TenantID: ten.ID, Name: "governance", Kinds: []string{alerting.KindExceptionExpired}, ChannelID: ch.ID}))
			exc := &posture.Exception{TenantID: ten.ID, CheckID: check, Reason: "limits set by the platform's LimitRange",
				RequestedBy: "omar@acme.example", ExpiresAt: clk.Now().Add(7 * 24 * time.Hour)}
			must(t, db.CreateException(ctx, exc))
			_, err := db.DecideException(ctx, ten.ID, exc.ID, posture.ExceptionApproved, "sam@acme.example")
			must(t, err)

			run()
			if got := count(posture.FindingSuppressed, check); got != open || count(posture.FindingOpen, check) != 0 {
				t.Fatalf("after approval: %d suppressed, %d open (want %d suppressed)", got, count(posture.FindingOpen, check), open)
			}
			if s, w := overall(); s >= w || w != before {
				t.Fatalf("after approval: risk %.2f with exceptions, %.2f without (before %.2f); want only the first to fall", s, w, before)
			}

			clk.Add(8 * 24 * time.Hour)
			expired, err := db.ExpireExceptions(ctx)
			must(t, err)
			if len(expired) != 1 || expired[0].ID != exc.ID {
				t.Fatalf("expired: %+v", expired)
			}
			deliveries, err := db.ListDeliveries(ctx, ten.ID, 10)
			must(t, err)
			if len(deliveries) != 1 || deliveries[0].Status != "pending" {
				t.Fatalf("expiry alert: %+v", deliveries)
			}
			if again, _ := db.ExpireExceptions(ctx); len(again) != 0 {
				t.Fatal("an exception expired twice")
			}
			run()
			if got := count(posture.FindingOpen, check); got != open {
				t.Fatalf("after expiry: %d open, want %d", got, open)
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
