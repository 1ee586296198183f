package runner_test

import (
	"context"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/runner"
	"github.com/palisade-dev/palisade/backend/sources"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// TestAttestationsRaiseScore: a valid attestation turns its recommendation from 0 to 100 at
// the next run, raising the target's compliance by exactly one recommendation's share; once it
// lapses (a controllable clock) or is revoked, the next run counts it missing again.
func TestAttestationsRaiseScore(t *testing.T) {
	var attestID, partialID string
	for _, rec := range csa.All() {
		switch {
		case rec.Mode == csa.ModeAttest && attestID == "":
			attestID = rec.ID
		case rec.Mode == csa.ModePartial && partialID == "":
			partialID = rec.ID
		}
	}
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			clk := storetest.NewClock(time.Now().UTC().Truncate(time.Second))
			db := storetest.OpenWith(t, dialect, storetest.Options{Now: clk.Now, Migrate: true})
			ten, tgt := storetest.Seed(t, db, "acme", posture.TargetManifests)
			tgt.Settings = map[string]string{"path": "../../e2e/demo/manifests/analytics.yaml"}
			must(t, db.UpdateTarget(ctx, tgt))
			r := &runner.Runner{Runs: db, Catalog: checks.Builtin(), CheckConfig: checks.DefaultConfig(), Weights: posture.DefaultWeights(),
				Log: slog.New(slog.DiscardHandler), Now: clk.Now, Attestations: db.ListAttestations,
				Sources: map[posture.TargetKind]runner.Source{posture.TargetManifests: sources.Manifests()}}
			// score runs the target and returns the overall score, and the given
			// recommendation's score and how many of its recommendations need an attestation.
			averaged := 0
			score := func(rec string) (overall, recScore float64, needs int) {
				clk.Add(time.Minute)
				done, err := r.Run(ctx, *tgt, "test")
				if err != nil || done.Status != posture.RunComplete {
					t.Fatalf("run: %+v %v", done, err)
				}
				snaps, err := db.LatestScores(ctx, ten.ID, tgt.ID)
				must(t, err)
				recScore = -1
				for _, s := range snaps {
					switch {
					case s.ScopeKind == posture.ScopeOverall:
						overall, needs, averaged = *s.Compliance, s.NeedsAttestation, s.Recommendations
					case s.ScopeKind == posture.ScopeRecommendation && s.ScopeKey == rec && s.Compliance != nil:
						recScore = *s.Compliance
					}
				}
				return overall, recScore, needs
			}
			base, rec, needs := score(attestID)
			if rec != 0 || needs == 0 {
				t.Fatalf("without attestations: %s scores %.1f, %d need one; want 0 and some", attestID, rec, needs)
			}
			a := &posture.Attestation{TenantID: ten.ID, CSAID: attestID, Statement: "quarterly training done", Owner: "sam@acme.example",
				CreatedBy: "sam@acme.example", ExpiresAt: clk.Now().Add(24 * time.Hour)}
			must(t, db.CreateAttestation(ctx, a))
			attested, rec, needsNow := score(attestID)
			if rec != 100 || attested <= base || needsNow != needs-1 {
				t.Fatalf("attested: %s scores %.1f, overall %.2f (before %.2f), %d need one (before %d)", attestID, rec, attested, base, needsNow, needs)
			}
			if share := 100 / float64(averaged); math.Abs(attested-base-share) > 1e-9 {
				t.Fatalf("one attestation moved compliance %.4f, want one recommendation's share 100/%d = %.4f", attested-base, averaged, share)
			}
			// A partial recommendation's unseen part counts the same way.
			p := &posture.Attestation{TenantID: ten.ID, CSAID: partialID, Statement: "runtime detection reviewed", Owner: "sam@acme.example",
				CreatedBy: "sam@acme.example", ExpiresAt: clk.Now().Add(48 * time.Hour)}
			must(t, db.CreateAttestation(ctx, p))
			if both, _, _ := score(partialID); both <= attested {
				t.Fatalf("attesting partial %s did not raise the score: %.2f, before %.2f", partialID, both, attested)
			}
			_, err := db.RevokeAttestation(ctx, ten.ID, p.ID)
			must(t, err)
			if got, _, _ := score(attestID); got != attested {
				t.Fatalf("after revoking %s: %.2f, want %.2f", partialID, got, attested)
			}
			clk.Add(25 * time.Hour)
			if got, rec, _ := score(attestID); got != base || rec != 0 {
				t.Fatalf("after expiry: overall %.2f (want %.2f), %s %.1f (want 0)", got, base, attestID, rec)
			}
		})
	}
}
