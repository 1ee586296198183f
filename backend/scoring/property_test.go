package scoring

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/posture"
)

// Property tests that pin the model (issue 14): what must hold whatever the cluster looks like.

// cluster is n workloads in a few namespaces, each judged by three checks of 3.1.2.3 and one of
// 3.1.3.1, with about one in five failing something, drawn from seed.
func cluster(n int, seed uint64) []posture.Result {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]posture.Result, 0, 4*n)
	for i := range n {
		a := workload(fmt.Sprint("ns-", i%7), fmt.Sprint("w-", i), fmt.Sprint("team-", i%3))
		st := func() posture.ResultStatus {
			if rng.IntN(5) == 0 {
				return posture.Fail
			}
			return posture.Pass
		}
		out = append(out,
			result(a, "privileged", crit, st(), "3.1.2.3"),
			result(a, "non-root", high, st(), "3.1.2.3"),
			result(a, "capabilities", med, st(), "3.1.2.3", "3.1.2.5"),
			result(a, "tag", low, st(), "3.1.3.1"))
	}
	return out
}

func TestPropertyOneCriticalMovesRiskTheSameAtAnySize(t *testing.T) {
	for _, exposure := range []posture.Exposure{0, posture.ExposurePrivileged | posture.ExposureProduction} {
		for _, n := range []int{10, 1_000, 100_000} {
			opts := baseOpts()
			opts.Exposure = func(a *posture.Asset) posture.Exposure {
				if a.Name == "new" {
					return exposure
				}
				return 0
			}
			results := cluster(n, uint64(n))
			before := Compute(results, opts)
			bad := workload("ns-0", "new", "team-0")
			results = append(results,
				result(bad, "privileged", crit, posture.Fail, "3.1.2.3"),
				result(bad, "non-root", high, posture.Pass, "3.1.2.3"))
			after := Compute(results, opts)
			want := 10 * exposure.Factor()
			if d := after.Overall.Risk - before.Overall.Risk; !near(d, want) {
				t.Errorf("%d workloads, exposure ×%v: risk moved %v, want %v", n, exposure.Factor(), d, want)
			}
			if _, ok := Regressed(before.Overall, after.Overall, nil); !ok {
				t.Errorf("%d workloads: one new critical finding raised no regression (risk %.1f → %.1f)", n, before.Overall.Risk, after.Overall.Risk)
			}
		}
	}
}

func TestPropertyRegressionNeedsSameModelAndARealChange(t *testing.T) {
	prev := Compute(cluster(100, 7), baseOpts()).Overall
	same := prev
	if _, ok := Regressed(prev, same, nil); ok {
		t.Error("no change raised a regression")
	}
	worse := prev
	worse.Risk += 10
	older := prev
	older.Model = 2
	if _, ok := Regressed(older, worse, nil); ok {
		t.Error("a model upgrade raised a regression")
	}
	fewer := prev
	fewer.Risk += 9.5 // one high finding on a production workload: below one critical's weight
	if _, ok := Regressed(prev, fewer, nil); ok {
		t.Error("a rise under one critical's weight raised a regression")
	}
	c := *prev.Compliance - 5
	dropped := prev
	dropped.Compliance = &c
	if r, ok := Regressed(prev, dropped, nil); !ok || r.Severity != posture.SeverityMedium {
		t.Errorf("a 5-point compliance fall: %v %+v", ok, r)
	}
}

// randomTenant is a tenant's results over the real catalog: for every recommendation with
// checks (automated or partial), a few workloads judged by one check, passing at random; some
// recommendations left without evidence when sparse.
func randomTenant(rng *rand.Rand, sparse bool) []posture.Result {
	var out []posture.Result
	ws := make([]*posture.Asset, 1+rng.IntN(30))
	for i := range ws {
		ws[i] = workload(fmt.Sprint("ns-", rng.IntN(4)), fmt.Sprint("w-", i), "")
	}
	for _, rec := range csa.All() {
		if rec.Mode == csa.ModeAttest || (sparse && rng.IntN(3) == 0) {
			continue
		}
		for _, w := range ws {
			if rng.IntN(2) == 0 {
				continue
			}
			st := posture.Pass
			if rng.IntN(3) == 0 {
				st = posture.Fail
			}
			out = append(out, result(w, "check-"+rec.ID, posture.Severity(rng.IntN(5)), st, rec.ID))
		}
		out = append(out, result(ws[0], "always-"+rec.ID, med, posture.Pass, rec.ID)) // evidence for every one
	}
	return out
}

func TestPropertyOneAttestationMovesComplianceAtMostOneShare(t *testing.T) {
	var needAtt []csa.Recommendation
	for _, r := range csa.All() {
		if r.Mode != csa.ModeAuto {
			needAtt = append(needAtt, r)
		}
	}
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 2))
		sparse := seed%2 == 1
		results := randomTenant(rng, sparse)
		opts := Options{Now: now, MaxContributors: -1}
		for _, r := range needAtt {
			if rng.IntN(2) == 0 {
				opts.Attestations = append(opts.Attestations, Attestation{CSAID: r.ID, ValidUntil: now.AddDate(0, 1, 0)})
			}
		}
		before := Compute(results, opts)
		var statuses []AttestationStatus
		for _, s := range before.Attestations {
			if !s.Valid {
				statuses = append(statuses, s)
			}
		}
		if len(statuses) == 0 {
			continue
		}
		pick := statuses[rng.IntN(len(statuses))]
		opts.Attestations = append(opts.Attestations, Attestation{CSAID: pick.CSAID, ValidUntil: now.AddDate(0, 1, 0)})
		after := Compute(results, opts)
		n := before.Overall.Recommendations
		d := *after.Overall.Compliance - *before.Overall.Compliance
		if d <= 0 || d > 100/float64(n)+1e-9 || after.Overall.Recommendations != n {
			t.Fatalf("seed %d: attesting %s (%s) moved compliance %.4f over %d recommendations; want (0, %.4f]", seed, pick.CSAID, pick.Mode, d, n, 100/float64(n))
		}
		if !sparse && (n != len(csa.All()) || d > 100.0/54+1e-9) {
			t.Fatalf("seed %d: with evidence for every recommendation, %d averaged and one attestation moved %.4f (> 100/54)", seed, n, d)
		}
		if !near(after.Overall.Risk, before.Overall.Risk) {
			t.Fatalf("seed %d: an attestation moved risk", seed)
		}
	}
}

func TestPropertyExceptionMovesOnlyTheWithExceptionNumbers(t *testing.T) {
	for seed := range uint64(100) {
		rng := rand.New(rand.NewPCG(seed, 3))
		results := randomTenant(rng, seed%2 == 1)
		opts := Options{Now: now, MaxContributors: -1, OwnerLabelKey: "owner"}
		base := Compute(results, opts)
		excepted := map[int]bool{}
		for i, r := range results {
			if r.Status == posture.Fail && rng.IntN(3) == 0 {
				excepted[i] = true
			}
		}
		if len(excepted) == 0 {
			continue
		}
		opts.Excepted = func(r posture.Result) bool {
			for i := range excepted {
				if results[i].Asset == r.Asset && results[i].CheckID == r.CheckID {
					return true
				}
			}
			return false
		}
		with := Compute(results, opts)
		baseSnaps, withSnaps := base.Snapshots(), with.Snapshots()
		moved := false
		for i := range baseSnaps {
			b, w := baseSnaps[i], withSnaps[i]
			if deref(b.ComplianceWithoutExceptions) != deref(w.ComplianceWithoutExceptions) || !near(b.RiskWithoutExceptions, w.RiskWithoutExceptions) {
				t.Fatalf("seed %d, %s %s: an exception moved a number without exceptions", seed, b.ScopeKind, b.ScopeKey)
			}
			if w.Risk > b.Risk+1e-9 || (b.Compliance != nil && *w.Compliance < *b.Compliance-1e-9) {
				t.Fatalf("seed %d, %s %s: an exception made things look worse", seed, b.ScopeKind, b.ScopeKey)
			}
			moved = moved || w.Risk < b.Risk
		}
		if !moved {
			t.Fatalf("seed %d: %d exceptions moved nothing", seed, len(excepted))
		}
	}
}
