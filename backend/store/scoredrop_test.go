package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/scoring"
	"github.com/palisade-dev/palisade/backend/store"
)

// A regression between two complete runs (risk up by a critical finding's weight, or
// compliance down 5 points) is drift, unless the earlier numbers were computed by another
// score model (as after an upgrade): then the change is the model's, not the cluster's, and
// nothing is raised.
func TestIntegrationScoreDropNeedsTheSameScoreModel(t *testing.T) {
	forEachDialectAt(t, t0, func(t *testing.T, db *store.DB, clock *testClock) {
		ctx := context.Background()
		ten, tgt := seedTenant(t, db, "alpha")
		at := t0
		compliance := 70.0
		run := func(risk float64) *posture.Run {
			t.Helper()
			at = at.Add(time.Hour)
			r, err := db.StartRun(ctx, ten.ID, tgt.ID, "test", at)
			if err != nil {
				t.Fatal(err)
			}
			done, err := db.FinishRun(ctx, ten.ID, r.ID, posture.RunOutcome{Status: posture.RunComplete, FinishedAt: at,
				Scores: []posture.ScoreSnapshot{{ScopeKind: posture.ScopeOverall, Model: scoring.Model, Compliance: &compliance, Risk: risk, Evaluated: 10}}})
			if err != nil {
				t.Fatal(err)
			}
			return done
		}
		drops := func(runID int64) int {
			t.Helper()
			list, err := db.ListDriftEvents(ctx, ten.ID, alerting.DriftFilter{Kinds: []string{alerting.KindScoreDrop}, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range list {
				if e.RunID == runID {
					n++
				}
			}
			return n
		}
		run(10)
		if got := drops(run(20).ID); got != 1 {
			t.Fatalf("risk 10 -> 20 raised %d score drops, want 1", got)
		}
		if got := drops(run(29.5).ID); got != 0 {
			t.Fatalf("risk 20 -> 29.5 (under one critical's weight) raised %d score drops", got)
		}
		compliance = 60
		if got := drops(run(29.5).ID); got != 1 {
			t.Fatalf("compliance 70 -> 60 raised %d score drops, want 1", got)
		}
		old := run(29.5)
		// The snapshot as the previous model (2) stored it.
		if err := db.Exec(ctx, "UPDATE score_snapshots SET model = 2 WHERE run_id = ?", old.ID); err != nil {
			t.Fatal(err)
		}
		if got := drops(run(60).ID); got != 0 {
			t.Fatalf("a rise from another model's numbers raised %d events", got)
		}
		if got := drops(run(70).ID); got != 1 {
			t.Fatalf("risk 60 -> 70 (same model) raised %d score drops, want 1", got)
		}
	})
}
