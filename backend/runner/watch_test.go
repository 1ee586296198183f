package runner_test

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/runner"
)

// outcomes records what the runner hands to the store.
type outcomes struct {
	posture.RunStore
	got []posture.RunOutcome
}

func (o *outcomes) StartRun(_ context.Context, tenantID, targetID int64, _ string, at time.Time) (*posture.Run, error) {
	return &posture.Run{ID: int64(len(o.got) + 1), TenantID: tenantID, TargetID: targetID, StartedAt: at}, nil
}

func (o *outcomes) FinishRun(_ context.Context, _, runID int64, out posture.RunOutcome) (*posture.Run, error) {
	o.got = append(o.got, out)
	return &posture.Run{ID: runID, Status: out.Status}, nil
}

// A complete run carries the watched configuration (for config drift) with the check
// configuration's label keys unless others are set; a partial run carries none.
func TestRunnerTakesWatchedStateOfCompleteRuns(t *testing.T) {
	src := &fixtureSource{yaml: privileged(true)}
	store := &outcomes{}
	cfg := checks.DefaultConfig()
	cfg.OwnerLabel = "acme.io/team"
	r := &runner.Runner{Runs: store, Catalog: checks.Builtin(), CheckConfig: cfg, Weights: posture.DefaultWeights(),
		Log: slog.New(slog.DiscardHandler), Sources: map[posture.TargetKind]runner.Source{posture.TargetManifests: src}}
	tgt := posture.Target{ID: 1, TenantID: 1, Name: "m", Kind: posture.TargetManifests}
	if _, err := r.Run(t.Context(), tgt, "test"); err != nil {
		t.Fatal(err)
	}
	src.partial = true
	if _, err := r.Run(t.Context(), tgt, "test"); err != nil {
		t.Fatal(err)
	}
	src.partial = false
	r.WatchLabels = []string{}
	if _, err := r.Run(t.Context(), tgt, "test"); err != nil {
		t.Fatal(err)
	}
	w := store.got[0].Watched
	if w == nil || w.Objects["apps/Deployment/shop/web"].Security["containers[web].securityContext.privileged"] != "true" {
		t.Fatalf("complete run's watched state = %+v", w)
	}
	if want := []string{"acme.io/team", "palisade.dev/classification", "palisade.dev/tenant"}; !slices.Equal(w.LabelKeys, want) {
		t.Errorf("watched labels = %q, want %q", w.LabelKeys, want)
	}
	if store.got[1].Status != posture.RunPartial || store.got[1].Watched != nil {
		t.Errorf("partial run: %s, watched %+v", store.got[1].Status, store.got[1].Watched)
	}
	if w := store.got[2].Watched; w == nil || len(w.LabelKeys) != 0 {
		t.Errorf("WatchLabels [] should watch no label: %+v", w)
	}
}
