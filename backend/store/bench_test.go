package store_test

// BenchmarkPersist200kFindings: the "persist 200,000 findings (upsert, both dialects)"
// budget of ARCHITECTURE.md (under 20 s on PostgreSQL). scripts/bench.sh runs it with a
// throwaway PostgreSQL; without PALISADE_TEST_POSTGRES_DSN only SQLite runs.

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
	"github.com/palisade-dev/palisade/internal/synth"
)

const benchFindings = 200_000

// benchResults returns n failed results shaped like the engine's: 20,000 workloads in 500
// namespaces, ten failing checks each, per-container results with a SubKey, evidence on
// some, an owner label on most.
func benchResults(n int) []posture.Result {
	checkIDs := []string{"k8s.run-as-non-root", "k8s.readonly-root-filesystem", "k8s.capabilities-drop-all", "k8s.seccomp-profile",
		"k8s.resource-limits", "k8s.image-digest", "k8s.workload-network-policy", "k8s.pod-disruption-budget",
		"k8s.service-account-token-automount", "k8s.priority-class"}
	csa := []string{"3.1.2.3"}
	perAsset := len(checkIDs)
	out := make([]posture.Result, 0, n)
	for i := 0; len(out) < n; i++ {
		ns := fmt.Sprintf("team-%03d", i%500)
		name := fmt.Sprintf("app-%05d", i)
		labels := map[string]string{"app.kubernetes.io/name": name}
		if i%5 != 0 {
			labels["palisade.dev/owner"] = fmt.Sprintf("team-%03d", i%500)
		}
		a := posture.Asset{Kind: posture.AssetWorkload, Key: "apps/Deployment/" + ns + "/" + name, ParentKey: "core/Namespace/" + ns,
			Name: name, Namespace: ns, Labels: labels}
		for c := 0; c < perAsset && len(out) < n; c++ {
			r := posture.Result{CheckID: checkIDs[c], Severity: posture.Severity(1 + c%4), CSA: csa, Asset: &a, Status: posture.Fail,
				SubKey: "container:app", Message: checkIDs[c] + " fails for container app"}
			if c%3 == 0 {
				r.Evidence = map[string]string{"container": "app", "field": "securityContext"}
			}
			if c >= 6 {
				r.SubKey = ""
			}
			out = append(out, r)
		}
	}
	return out
}

func benchTarget(b *testing.B, db *store.DB) (tenantID, targetID int64) {
	b.Helper()
	ctx := context.Background()
	ten := &posture.Tenant{Slug: "bench", Name: "bench"}
	if err := db.CreateTenant(ctx, ten); err != nil {
		b.Fatal(err)
	}
	tgt := &posture.Target{TenantID: ten.ID, Name: "prod", Kind: posture.TargetCluster, Schedule: "15m", Enabled: true,
		Settings: map[string]string{"context": "prod"}}
	if err := db.CreateTarget(ctx, tgt); err != nil {
		b.Fatal(err)
	}
	return ten.ID, tgt.ID
}

func benchFinish(b *testing.B, db *store.DB, tenantID, targetID int64, at time.Time, results []posture.Result) *posture.Run {
	b.Helper()
	ctx := context.Background()
	run, err := db.StartRun(ctx, tenantID, targetID, "bench", at)
	if err != nil {
		b.Fatal(err)
	}
	done, err := db.FinishRun(ctx, tenantID, run.ID, posture.RunOutcome{Status: posture.RunComplete, FinishedAt: at.Add(time.Minute),
		Results: results, OwnerLabelKey: "palisade.dev/owner"})
	if err != nil {
		b.Fatal(err)
	}
	return done
}

// BenchmarkPersist200kFindings persists one complete run with 200,000 failed results:
//
//   - first: on a fresh database (200,000 findings and 200,000 "opened" events inserted);
//   - steady: the same results again after a first run (every finding touched, none new).
//
// Each iteration opens a fresh database (untimed).
func BenchmarkPersist200kFindings(b *testing.B) {
	results := benchResults(benchFindings)
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		b.Run(dialect, func(b *testing.B) {
			if dialect == store.Postgres && os.Getenv(storetest.DSNEnv) == "" {
				b.Skipf("%s not set: PostgreSQL persist benchmark not run (scripts/bench.sh starts a throwaway PostgreSQL)", storetest.DSNEnv)
			}
			for _, phase := range []string{"first", "steady"} {
				b.Run(phase, func(b *testing.B) {
					b.ReportAllocs()
					b.StopTimer()
					b.ResetTimer()
					at := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
					var run *posture.Run
					for i := 0; i < b.N; i++ {
						db := storetest.Open(b, dialect)
						ten, tgt := benchTarget(b, db)
						if phase == "steady" {
							benchFinish(b, db, ten, tgt, at, results)
						}
						b.StartTimer()
						run = benchFinish(b, db, ten, tgt, at.Add(time.Hour), results)
						b.StopTimer()
						db.Close()
					}
					if run.Failed != benchFindings {
						b.Fatalf("run recorded %d failed results, want %d", run.Failed, benchFindings)
					}
					if phase == "first" && run.Opened != benchFindings || phase == "steady" && run.Opened != 0 {
						b.Fatalf("%s run opened %d findings", phase, run.Opened)
					}
					perOp := b.Elapsed().Seconds() / float64(b.N)
					b.ReportMetric(benchFindings/perOp, "findings/s")
					b.ReportMetric(perOp, "s/op")
					if mb, ok := synth.PeakRSSMB(); ok {
						b.ReportMetric(mb, "peak-MB")
					}
				})
			}
		})
	}
}
