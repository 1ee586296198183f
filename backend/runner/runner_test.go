package runner_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/runner"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
	"github.com/palisade-dev/palisade/collectors/manifests"
)

const privilegedWeb = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {palisade.dev/owner: team-shop}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        securityContext: {privileged: %s}
`

// fixtureSource serves whatever manifests the test sets, like a cluster that changes.
type fixtureSource struct {
	yaml    string
	partial bool
	fail    error
}

func (f *fixtureSource) Collect(ctx context.Context, t posture.Target) (*runner.Collection, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	res := manifests.NewResult()
	manifests.DecodeBytes([]byte(f.yaml), "cluster", manifests.Options{}, res)
	status := posture.RunComplete
	if f.partial {
		status = posture.RunPartial
		res.Errors = append(res.Errors, posture.CollectionError{Source: "networking.k8s.io/v1 networkpolicies", Message: "forbidden"})
	}
	return &runner.Collection{Inventory: res.Inventory, Errors: res.Errors, Status: status}, nil
}

func privileged(on bool) string {
	if on {
		return strings.Replace(privilegedWeb, "%s", "true", 1)
	}
	return strings.Replace(privilegedWeb, "%s", "false", 1)
}

func countOpen(t *testing.T, db *store.DB, tenantID int64, check string) int {
	t.Helper()
	page, err := db.ListFindings(context.Background(), tenantID, posture.FindingFilter{
		Statuses: []posture.FindingStatus{posture.FindingOpen}, CheckIDs: []string{check}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Findings)
}

func TestIntegrationRunLifecycleAndScores(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, d)
			ten, tgt := storetest.Seed(t, db, "acme", posture.TargetCluster)
			src := &fixtureSource{yaml: privileged(true)}
			cc := checks.DefaultConfig()
			r := &runner.Runner{Runs: db, Sources: map[posture.TargetKind]runner.Source{posture.TargetCluster: src},
				Catalog: checks.Builtin(), CheckConfig: cc, Weights: posture.DefaultWeights(), Log: slog.New(slog.DiscardHandler)}

			run1, err := r.Run(ctx, *tgt, "test")
			if err != nil || run1.Status != posture.RunComplete || run1.Opened == 0 {
				t.Fatalf("run 1 = %+v, %v", run1, err)
			}
			if n := countOpen(t, db, ten.ID, "k8s.privileged-container"); n != 1 {
				t.Fatalf("open privileged findings = %d, want 1", n)
			}
			scores, err := db.LatestScores(ctx, ten.ID, tgt.ID)
			if err != nil || len(scores) == 0 {
				t.Fatalf("no scores stored: %v", err)
			}
			var overall1 *posture.ScoreSnapshot
			for i := range scores {
				if scores[i].ScopeKind == posture.ScopeOverall {
					overall1 = &scores[i]
				}
				if scores[i].ScopeKind == posture.ScopeOwner && scores[i].ScopeKey == "team-shop" && scores[i].Compliance == nil {
					t.Errorf("owner team-shop has no score")
				}
			}
			if overall1 == nil || overall1.Compliance == nil || *overall1.Compliance >= 100 || overall1.Risk < 10 || len(overall1.Contributors) == 0 {
				t.Fatalf("overall snapshot = %+v", overall1)
			}

			// A partial run that no longer sees the problem resolves nothing and stores no score.
			src.yaml, src.partial = privileged(false), true
			run2, err := r.Run(ctx, *tgt, "test")
			if err != nil || run2.Status != posture.RunPartial || run2.Resolved != 0 || len(run2.Errors) != 1 {
				t.Fatalf("partial run = %+v, %v", run2, err)
			}
			if n := countOpen(t, db, ten.ID, "k8s.privileged-container"); n != 1 {
				t.Fatalf("partial run resolved the finding (open = %d)", n)
			}
			if latest, _ := db.LatestScores(ctx, ten.ID, tgt.ID); latest[0].RunID != run1.ID {
				t.Fatalf("partial run stored a score")
			}
			// A failing collector is a recorded failed run, not an error, and resolves nothing.
			src.fail = errors.New("dial tcp 10.0.0.1:6443: i/o timeout")
			run3, err := r.Run(ctx, *tgt, "test")
			if err != nil || run3.Status != posture.RunFailed || len(run3.Errors) != 1 || run3.Resolved != 0 {
				t.Fatalf("failed run = %+v, %v", run3, err)
			}
			// The fix, seen by a complete run, resolves the finding and raises the score.
			src.fail, src.partial = nil, false
			run4, err := r.Run(ctx, *tgt, "test")
			if err != nil || run4.Status != posture.RunComplete || run4.Resolved == 0 {
				t.Fatalf("fixing run = %+v, %v", run4, err)
			}
			if n := countOpen(t, db, ten.ID, "k8s.privileged-container"); n != 0 {
				t.Fatalf("fixed finding still open")
			}
			hist, err := db.ScoreHistory(ctx, ten.ID, tgt.ID, posture.ScopeOverall, "", time.Time{})
			if err != nil || len(hist) != 2 {
				t.Fatalf("history = %d snapshots, %v; want 2 (complete runs only)", len(hist), err)
			}
			if hist[1].Risk > hist[0].Risk-10 || *hist[1].Compliance < *hist[0].Compliance {
				t.Errorf("the fix did not lower risk by a critical's weight, or lowered compliance: risk %.1f -> %.1f, compliance %.1f -> %.1f",
					hist[0].Risk, hist[1].Risk, *hist[0].Compliance, *hist[1].Compliance)
			}
		})
	}
}
