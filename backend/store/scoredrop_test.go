package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

// A score drop between two complete runs is drift, unless the earlier score was computed by
// another score model (as after the upgrade that made attestations count): then the change
// is the model's, not the cluster's, and nothing is raised.
func TestIntegrationScoreDropNeedsTheSameScoreModel(t *testing.T) {
	forEachDialectAt(t, t0, func(t *testing.T, db *store.DB, clock *testClock) {
		ctx := context.Background()
		ten, tgt := seedTenant(t, db, "alpha")
		at := t0
		run := func(score float64) *posture.Run {
			t.Helper()
			at = at.Add(time.Hour)
			r, err := db.StartRun(ctx, ten.ID, tgt.ID, "test", at)
			if err != nil {
				t.Fatal(err)
			}
			done, err := db.FinishRun(ctx, ten.ID, r.ID, posture.RunOutcome{Status: posture.RunComplete, FinishedAt: at,
				Scores: []posture.ScoreSnapshot{{ScopeKind: posture.ScopeOverall, Score: &score, Evaluated: 10, EvaluatedWeight: 10}}})
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
		run(90)
		if got := drops(run(80).ID); got != 1 {
			t.Fatalf("90 -> 80 raised %d score drops, want 1", got)
		}
		old := run(80)
		// The snapshot as a version before score models were numbered stored it.
		if err := db.Exec(ctx, "UPDATE score_snapshots SET details = '{\"evaluated_weight\":10,\"failed_weight\":0,\"contributors\":null}' WHERE run_id = ?", old.ID); err != nil {
			t.Fatal(err)
		}
		if got := drops(run(60).ID); got != 0 {
			t.Fatalf("a drop from another model's score raised %d events", got)
		}
		if got := drops(run(50).ID); got != 1 {
			t.Fatalf("60 -> 50 (same model) raised %d score drops, want 1", got)
		}
	})
}
