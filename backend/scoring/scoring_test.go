package scoring

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/posture"
)

// Default weights throughout: critical 10, high 7, medium 4, low 1, info 0.

const (
	crit = posture.SeverityCritical
	high = posture.SeverityHigh
	med  = posture.SeverityMedium
	low  = posture.SeverityLow
	info = posture.SeverityInfo
)

// testCatalog is a small catalog so that the arithmetic stays readable: two areas with checks
// (3.1.2, 3.1.3) and one organisational area (3.1.7) with an attest and a partial recommendation.
var testCatalog = []csa.Recommendation{
	{ID: "3.1.2.3", Mode: csa.ModeAuto},
	{ID: "3.1.2.5", Mode: csa.ModeAuto},
	{ID: "3.1.3.1", Mode: csa.ModeAuto},
	{ID: "3.1.7.1", Mode: csa.ModeAttest},
	{ID: "3.1.7.4", Mode: csa.ModePartial},
}

var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func workload(ns, name, owner string) *posture.Asset {
	labels := map[string]string{}
	if owner != "" {
		labels["owner"] = owner
	}
	return &posture.Asset{Kind: posture.AssetWorkload, Key: "apps/Deployment/" + ns + "/" + name, Name: name, Namespace: ns, Labels: labels}
}

func result(a *posture.Asset, check string, sev posture.Severity, st posture.ResultStatus, ids ...string) posture.Result {
	return posture.Result{CheckID: check, Severity: sev, CSA: ids, Status: st, Asset: a}
}

// baseOpts scores against testCatalog, ignoring attestations unless a test says otherwise.
func baseOpts() Options {
	return Options{Recommendations: testCatalog, IgnoreAttestations: true, Now: now, OwnerLabelKey: "owner", MaxContributors: -1}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestSubjectFailingSeveralChecksCountsOnce(t *testing.T) {
	a, b := workload("shop", "a", ""), workload("shop", "b", "")
	card := Compute([]posture.Result{
		result(a, "privileged", crit, posture.Fail, "3.1.2.3"),
		result(a, "non-root", high, posture.Fail, "3.1.2.3"),
		result(b, "privileged", crit, posture.Pass, "3.1.2.3"),
		result(b, "non-root", high, posture.Pass, "3.1.2.3"),
	}, baseOpts())
	r, _ := card.Recommendation("3.1.2.3")
	if got := r.Recs["3.1.2.3"]; got.Subjects != 2 || got.Passed != 1 {
		t.Errorf("tally = %+v, want 2 subjects, 1 passing", got)
	}
	expectValue(t, "3.1.2.3", r.Compliance, 50)
	// Results are still counted one by one, and each failure adds its risk.
	if r.Evaluated != 4 || r.Failed != 2 || !near(r.Risk, 17) {
		t.Errorf("evaluated %d failed %d risk %v, want 4, 2, 17", r.Evaluated, r.Failed, r.Risk)
	}
}

func TestNotApplicableIsNoEvidence(t *testing.T) {
	a := workload("shop", "a", "")
	card := Compute([]posture.Result{result(a, "privileged", crit, posture.NotApplicable, "3.1.2.3")}, baseOpts())
	r, _ := card.Recommendation("3.1.2.3")
	if r.Compliance != nil || r.NotApplicable != 1 || r.Evaluated != 0 {
		t.Errorf("not applicable only: %+v, want no compliance", r)
	}
	if card.Overall.Compliance != nil || card.Overall.Recommendations != 0 {
		t.Errorf("overall = %v over %d, want none", card.Overall.Compliance, card.Overall.Recommendations)
	}
	empty := Compute(nil, baseOpts())
	if empty.Overall.Compliance != nil || empty.Overall.Risk != 0 || len(empty.Areas) != 3 || len(empty.Recommendations) != 5 {
		t.Errorf("empty card: overall %v, %d areas, %d recommendations", empty.Overall.Compliance, len(empty.Areas), len(empty.Recommendations))
	}
}

func TestRecommendationModes(t *testing.T) {
	a, b := workload("shop", "a", ""), workload("shop", "b", "")
	results := []posture.Result{
		result(a, "log-agent", med, posture.Fail, "3.1.7.4"),
		result(b, "log-agent", med, posture.Pass, "3.1.7.4"),
		result(a, "privileged", crit, posture.Pass, "3.1.2.3"),
	}
	opts := baseOpts()
	opts.IgnoreAttestations = false
	card := Compute(results, opts)
	rec := func(c Scorecard, id string) *float64 { r, _ := c.Recommendation(id); return r.Compliance }
	expectValue(t, "attest, missing", rec(card, "3.1.7.1"), 0)
	expectValue(t, "partial, checks 50 and missing attestation", rec(card, "3.1.7.4"), 25)
	expectValue(t, "overall", card.Overall.Compliance, (0+25+100)/3.0)
	if card.Overall.NeedsAttestation != 2 || card.Overall.Recommendations != 3 {
		t.Errorf("needs attestation %d over %d recommendations, want 2 over 3", card.Overall.NeedsAttestation, card.Overall.Recommendations)
	}

	opts.Attestations = []Attestation{{CSAID: "3.1.7.1", ValidUntil: now.Add(time.Hour)}, {CSAID: "3.1.7.4", ValidUntil: now.Add(time.Hour)}}
	card = Compute(results, opts)
	expectValue(t, "attest, valid", rec(card, "3.1.7.1"), 100)
	expectValue(t, "partial, checks 50 and valid attestation", rec(card, "3.1.7.4"), 75)

	// A partial recommendation with no subjects is its attested half alone.
	card = Compute(results[2:], opts)
	expectValue(t, "partial, attestation only", rec(card, "3.1.7.4"), 100)

	// An expired attestation, or no clock, is a missing one.
	opts.Now = now.Add(2 * time.Hour)
	expectValue(t, "expired", rec(Compute(results, opts), "3.1.7.1"), 0)
	opts.Now = time.Time{}
	expectValue(t, "no clock", rec(Compute(results, opts), "3.1.7.1"), 0)

	// A scan has no attestations: attest-only recommendations have no evidence, partial ones
	// only their checked half; what needs an attestation is still counted.
	card = Compute(results, baseOpts())
	if rec(card, "3.1.7.1") != nil {
		t.Errorf("scan: attest-only recommendation has compliance %v", *rec(card, "3.1.7.1"))
	}
	expectValue(t, "scan: partial", rec(card, "3.1.7.4"), 50)
	if card.Overall.NeedsAttestation != 2 {
		t.Errorf("scan: needs attestation = %d, want 2", card.Overall.NeedsAttestation)
	}
}

func TestAttestationsNotInNamespaceScopes(t *testing.T) {
	a := workload("shop", "a", "team-a")
	opts := baseOpts()
	opts.IgnoreAttestations = false
	card := Compute([]posture.Result{result(a, "privileged", crit, posture.Pass, "3.1.2.3")}, opts)
	ns, _ := card.Namespace("shop")
	owner, _ := card.Owner("team-a")
	for name, s := range map[string]posture.ScoreSnapshot{"namespace": ns, "owner": owner} {
		expectValue(t, name, s.Compliance, 100)
		if s.Recommendations != 1 || s.NeedsAttestation != 0 {
			t.Errorf("%s: %d recommendations, %d need attestation, want 1 and 0", name, s.Recommendations, s.NeedsAttestation)
		}
	}
	// The target counts them: 100 for 3.1.2.3, 0 for each missing attestation.
	expectValue(t, "overall", card.Overall.Compliance, 100.0/3)
}

func TestMultipleCSAIDs(t *testing.T) {
	a := workload("shop", "a", "")
	card := Compute([]posture.Result{result(a, "caps", high, posture.Fail, "3.1.2.3", "3.1.2.5", "3.1.3.1", "3.1.2.3")}, baseOpts())
	area, _ := card.Area("3.1.2")
	if area.Evaluated != 1 || !near(area.Risk, 7) || len(area.Recs) != 2 {
		t.Errorf("area 3.1.2: %d results, risk %v, %d recommendations; want the result once, 7, two", area.Evaluated, area.Risk, len(area.Recs))
	}
	for _, id := range []string{"3.1.2.3", "3.1.2.5", "3.1.3.1"} {
		r, _ := card.Recommendation(id)
		expectValue(t, id, r.Compliance, 0)
		if r.Recs[id].Subjects != 1 || !near(r.Risk, 7) {
			t.Errorf("%s: %+v, risk %v", id, r.Recs[id], r.Risk)
		}
	}
	if card.Overall.Evaluated != 1 || !near(card.Overall.Risk, 7) || card.Overall.Recommendations != 3 {
		t.Errorf("overall: %d results, risk %v over %d recommendations", card.Overall.Evaluated, card.Overall.Risk, card.Overall.Recommendations)
	}
}

func TestExceptionsSideBySide(t *testing.T) {
	a, b := workload("shop", "a", ""), workload("shop", "b", "")
	results := []posture.Result{
		result(a, "privileged", crit, posture.Fail, "3.1.2.3"),
		result(b, "privileged", crit, posture.Fail, "3.1.2.3"),
		result(b, "non-root", high, posture.Fail, "3.1.2.3"),
	}
	opts := baseOpts()
	opts.Excepted = func(r posture.Result) bool { return r.Asset == a || r.CheckID == "privileged" }
	card := Compute(results, opts)
	o := card.Overall
	// a's only failure is excepted: it passes with exceptions; b still fails non-root.
	expectValue(t, "with exceptions", o.Compliance, 50)
	expectValue(t, "without exceptions", o.ComplianceWithoutExceptions, 0)
	if !near(o.Risk, 7) || !near(o.RiskWithoutExceptions, 27) {
		t.Errorf("risk %v / %v, want 7 with exceptions, 27 without", o.Risk, o.RiskWithoutExceptions)
	}
	if o.Failed != 3 || o.Excepted != 2 || o.OpenBySeverity.Total() != 1 || o.OpenBySeverity[high] != 1 {
		t.Errorf("failed %d excepted %d open %v", o.Failed, o.Excepted, o.OpenBySeverity)
	}
	if len(o.Contributors) != 1 || o.Contributors[0].CheckID != "non-root" {
		t.Errorf("contributors = %+v, want only the open finding's check", o.Contributors)
	}
}

func TestUnknownStatusFailsClosed(t *testing.T) {
	a := workload("shop", "a", "")
	card := Compute([]posture.Result{result(a, "x", high, "error", "3.1.2.3")}, baseOpts())
	if card.Overall.Failed != 1 || !near(card.Overall.Risk, 7) {
		t.Errorf("unknown status: failed %d risk %v, want a failure", card.Overall.Failed, card.Overall.Risk)
	}
}

func TestCustomWeightsAndExposure(t *testing.T) {
	a := workload("shop", "a", "")
	opts := baseOpts()
	opts.Weights = posture.Weights{crit: 40, high: 0}
	opts.Exposure = func(*posture.Asset) posture.Exposure { return posture.ExposureInternet | posture.ExposurePrivileged }
	card := Compute([]posture.Result{result(a, "x", crit, posture.Fail, "3.1.2.3"), result(a, "y", high, posture.Fail, "3.1.2.3")}, opts)
	if !near(card.Overall.Risk, 40*3) {
		t.Errorf("risk = %v, want 120 (critical 40 × 2 × 1.5; high weighs 0)", card.Overall.Risk)
	}
	if f := (posture.ExposureInternet | posture.ExposurePrivileged | posture.ExposureProduction).Factor(); !near(f, 4.5) {
		t.Errorf("every exposure = ×%v, want ×4.5", f)
	}
}

func TestContributorsOrderedCappedAndAddUp(t *testing.T) {
	var results []posture.Result
	for i, sev := range []posture.Severity{low, crit, med, high, high, info} {
		a := workload("shop", fmt.Sprint("w", i), "")
		results = append(results, result(a, fmt.Sprint("check-", sev), sev, posture.Fail, "3.1.2.3"))
	}
	card := Compute(results, baseOpts())
	sum := 0.0
	var order []string
	for _, c := range card.Overall.Contributors {
		sum += c.Risk
		order = append(order, c.CheckID)
	}
	if !near(sum, card.Overall.Risk) {
		t.Errorf("contributors add up to %v, risk is %v", sum, card.Overall.Risk)
	}
	if fmt.Sprint(order) != "[check-high check-critical check-medium check-low check-info]" {
		t.Errorf("order = %v (two high findings, 14 points, beat one critical)", order)
	}
	opts := baseOpts()
	opts.MaxContributors = 0
	if n := len(Compute(results, opts).Overall.Contributors); n != DefaultMaxContributors {
		t.Errorf("default cap: %d contributors", n)
	}
}

func TestRiskAddsUpOverNamespacesAndOwners(t *testing.T) {
	node := &posture.Asset{Kind: posture.AssetNode, Key: "Node/n1", Name: "n1"}
	results := []posture.Result{
		result(workload("shop", "a", "team-a"), "x", crit, posture.Fail, "3.1.2.3"),
		result(workload("dev", "b", ""), "y", med, posture.Fail, "3.1.3.1"),
		result(node, "z", high, posture.Fail, "3.1.2.5"),
	}
	card := Compute(results, baseOpts())
	sum := 0.0
	for _, ns := range card.Namespaces {
		sum += ns.Risk
	}
	if !near(sum+7, card.Overall.Risk) || len(card.Namespaces) != 2 {
		t.Errorf("namespaces add to %v + cluster-scoped 7, overall %v", sum, card.Overall.Risk)
	}
	sum = 0
	var keys []string
	for _, o := range card.Owners {
		sum += o.Risk
		keys = append(keys, fmt.Sprintf("%q", o.ScopeKey))
	}
	if !near(sum, card.Overall.Risk) || fmt.Sprint(keys) != `["" "team-a"]` {
		t.Errorf("owners %v add to %v, overall %v", keys, sum, card.Overall.Risk)
	}
	opts := baseOpts()
	opts.OwnerLabelKey = ""
	if n := len(Compute(results, opts).Owners); n != 0 {
		t.Errorf("no owner label key: %d owner scopes", n)
	}
}

// Combining targets' snapshots gives exactly what scoring all their results at once gives.
func TestCombineEqualsComputingTogether(t *testing.T) {
	t1 := []posture.Result{
		result(workload("shop", "a", ""), "privileged", crit, posture.Fail, "3.1.2.3"),
		result(workload("shop", "b", ""), "privileged", crit, posture.Pass, "3.1.2.3"),
		result(workload("shop", "b", ""), "log", med, posture.Pass, "3.1.7.4"),
	}
	t2 := []posture.Result{
		result(workload("shop", "c", ""), "privileged", crit, posture.Pass, "3.1.2.3"),
		result(workload("shop", "d", ""), "tag", med, posture.Fail, "3.1.3.1"),
	}
	opts := baseOpts()
	opts.IgnoreAttestations = false
	opts.Attestations = []Attestation{{CSAID: "3.1.7.1", ValidUntil: now.Add(time.Hour)}}
	together := Compute(append(append([]posture.Result{}, t1...), t2...), opts)
	c1, c2 := Compute(t1, opts), Compute(t2, opts)
	modes := ModesOf(testCatalog)
	pairs := map[string][2]posture.ScoreSnapshot{
		"overall":    {together.Overall, modes.Combine([]posture.ScoreSnapshot{c1.Overall, c2.Overall}, -1)},
		"area 3.1.2": {mustArea(together, "3.1.2"), modes.Combine([]posture.ScoreSnapshot{mustArea(c1, "3.1.2"), mustArea(c2, "3.1.2")}, -1)},
	}
	for name, p := range pairs {
		want, got := p[0], p[1]
		if fmt.Sprint(deref(want.Compliance), deref(want.ComplianceWithoutExceptions), want.Recommendations, want.Risk, want.Evaluated, want.Failed, want.NeedsAttestation, want.OpenBySeverity) !=
			fmt.Sprint(deref(got.Compliance), deref(got.ComplianceWithoutExceptions), got.Recommendations, got.Risk, got.Evaluated, got.Failed, got.NeedsAttestation, got.OpenBySeverity) {
			t.Errorf("%s: combined %+v\nwant %+v", name, got, want)
		}
	}
	// Averaging the two targets' compliance would be wrong: 3.1.2.3 is 2 of 3 subjects, not (50+100)/2.
	r := modes.Combine([]posture.ScoreSnapshot{mustRec(c1, "3.1.2.3"), mustRec(c2, "3.1.2.3")}, -1)
	expectValue(t, "3.1.2.3 combined", r.Compliance, 200.0/3)
}

func mustArea(c Scorecard, id string) posture.ScoreSnapshot { s, _ := c.Area(id); return s }
func mustRec(c Scorecard, id string) posture.ScoreSnapshot  { s, _ := c.Recommendation(id); return s }

func deref(v *float64) string {
	if v == nil {
		return "none"
	}
	return fmt.Sprintf("%.9f", *v)
}

func TestExtraAreasSortNumerically(t *testing.T) {
	opts := baseOpts()
	opts.Recommendations = []csa.Recommendation{}
	a := workload("shop", "a", "")
	card := Compute([]posture.Result{result(a, "a", high, posture.Pass, "3.1.10.1"), result(a, "b", high, posture.Pass, "3.1.9.1"),
		result(a, "c", high, posture.Pass, "3.1.2.3")}, opts)
	var keys []string
	for _, a := range card.Areas {
		keys = append(keys, a.ScopeKey)
	}
	if fmt.Sprint(keys) != "[3.1.2 3.1.9 3.1.10]" {
		t.Errorf("areas = %v", keys)
	}
	if card.Overall.Model != Model || card.Areas[0].Model != Model {
		t.Errorf("snapshots do not carry the model")
	}
}

func TestStale(t *testing.T) {
	last := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		last     time.Time
		interval time.Duration
		now      time.Time
		want     bool
	}{
		{"just collected", last, 15 * time.Minute, last.Add(time.Minute), false},
		{"one interval late is still in grace", last, 15 * time.Minute, last.Add(20 * time.Minute), false},
		// 15m × 1.5 = 22m30s: exactly at the deadline is not stale, one second after is.
		{"at the deadline", last, 15 * time.Minute, last.Add(22*time.Minute + 30*time.Second), false},
		{"past the deadline", last, 15 * time.Minute, last.Add(22*time.Minute + 31*time.Second), true},
		// 1m interval: half of it (30s) is below the 1m minimum grace, so the deadline is 2m.
		{"short interval min grace", last, time.Minute, last.Add(119 * time.Second), false},
		{"short interval stale", last, time.Minute, last.Add(121 * time.Second), true},
		{"daily", last, 24 * time.Hour, last.Add(35 * time.Hour), false},
		{"daily, missed", last, 24 * time.Hour, last.Add(37 * time.Hour), true},
		{"never completed", time.Time{}, time.Hour, last, true},
		{"unknown interval fails closed", last, 0, last, true},
		{"clock skew (future)", last, time.Hour, last.Add(-time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Stale(tt.last, tt.interval, tt.now); got != tt.want {
				t.Errorf("Stale = %v, want %v (deadline %s)", got, tt.want, StaleAfter(tt.last, tt.interval))
			}
		})
	}
}
