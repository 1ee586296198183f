package scoring

import (
	"fmt"
	"math"
	"strconv"
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

// res builds a result; ns may be ""; owner "" means no owner label.
func res(check string, sev posture.Severity, st posture.ResultStatus, ns, owner string, ids ...string) posture.Result {
	labels := map[string]string{}
	if owner != "" {
		labels["owner"] = owner
	}
	return posture.Result{
		CheckID:  check,
		Severity: sev,
		CSA:      ids,
		Status:   st,
		Asset:    &posture.Asset{Kind: posture.AssetWorkload, Key: "apps/Deployment/" + ns + "/" + check, Name: check, Namespace: ns, Labels: labels},
	}
}

func pass(check string, sev posture.Severity, ids ...string) posture.Result {
	return res(check, sev, posture.Pass, "shop", "", ids...)
}

func fail(check string, sev posture.Severity, ids ...string) posture.Result {
	return res(check, sev, posture.Fail, "shop", "", ids...)
}

// baseOpts scores against testCatalog, ignoring attestations unless a test says otherwise.
func baseOpts() Options {
	return Options{Recommendations: testCatalog, IgnoreAttestations: true, Now: now, OwnerLabelKey: "owner", MaxContributors: -1}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func val(s Score) string {
	if s.Value == nil {
		return "none"
	}
	return strconv.FormatFloat(*s.Value, 'f', 6, 64)
}

// want describes the expected numbers of one Score; value < 0 means "no score".
type want struct {
	value                              float64
	evaluated, passed, failed, na, exc int
	needsAtt                           int
	evalW, failW                       float64
}

func check(t *testing.T, name string, got Score, w want) {
	t.Helper()
	if w.value < 0 {
		if got.Value != nil {
			t.Errorf("%s: value = %s, want no score", name, val(got))
		}
	} else if got.Value == nil || !near(*got.Value, w.value) {
		t.Errorf("%s: value = %s, want %.6f", name, val(got), w.value)
	}
	if got.Evaluated != w.evaluated || got.Passed != w.passed || got.Failed != w.failed || got.NotApplicable != w.na || got.Excepted != w.exc || got.NeedsAttestation != w.needsAtt {
		t.Errorf("%s: counts eval/pass/fail/na/exc/att = %d/%d/%d/%d/%d/%d, want %d/%d/%d/%d/%d/%d", name,
			got.Evaluated, got.Passed, got.Failed, got.NotApplicable, got.Excepted, got.NeedsAttestation,
			w.evaluated, w.passed, w.failed, w.na, w.exc, w.needsAtt)
	}
	if !near(got.EvaluatedWeight, w.evalW) || !near(got.FailedWeight, w.failW) {
		t.Errorf("%s: weights eval/fail = %v/%v, want %v/%v", name, got.EvaluatedWeight, got.FailedWeight, w.evalW, w.failW)
	}
}

func scopeOf(t *testing.T, lookup func(string) (ScopeScore, bool), key string) ScopeScore {
	t.Helper()
	s, ok := lookup(key)
	if !ok {
		t.Fatalf("scope %q missing", key)
	}
	return s
}

func TestComputeScopes(t *testing.T) {
	results := []posture.Result{
		res("run-as-root", high, posture.Pass, "shop", "team-a", "3.1.2.3"),      // r1
		res("privileged", high, posture.Fail, "shop", "team-a", "3.1.2.3"),       // r2
		res("caps-drop-all", med, posture.Pass, "shop", "", "3.1.2.5"),           // r3
		res("seccomp", low, posture.Fail, "web", "team-b", "3.1.2.5"),            // r4
		res("host-pid", crit, posture.NotApplicable, "web", "team-b", "3.1.2.3"), // r5
		res("cluster-admin", crit, posture.Pass, "", "", "3.1.2.3"),              // r6 cluster-scoped
		{CheckID: "ns-labels", Severity: med, Status: posture.Fail, CSA: []string{"3.1.2.3"}, // r7 Namespace asset
			Asset: &posture.Asset{Kind: posture.AssetNamespace, Name: "web"}},
	}
	card := Compute(results, baseOpts())

	// Area 3.1.2 holds every result. Evaluated r1,r2,r3,r4,r6,r7 (r5 is N/A):
	//   weight 7+7+4+1+10+4 = 33, failed r2+r4+r7 = 7+1+4 = 12 -> 100*(1-12/33) = 63.6363...
	area := scopeOf(t, card.Area, "3.1.2")
	check(t, "area 3.1.2", area.Score, want{value: 100 * (1 - 12.0/33), evaluated: 6, passed: 3, failed: 3, na: 1, evalW: 33, failW: 12})
	// No exceptions: both views agree.
	check(t, "area 3.1.2 without exceptions", area.ScoreWithoutExceptions, want{value: 100 * (1 - 12.0/33), evaluated: 6, passed: 3, failed: 3, na: 1, evalW: 33, failW: 12})

	// Recommendation 3.1.2.3: r1 pass 7, r2 fail 7, r5 N/A, r6 pass 10, r7 fail 4:
	//   weight 7+7+10+4 = 28, failed 7+4 = 11 -> 100*17/28 = 60.714...
	check(t, "rec 3.1.2.3", scopeOf(t, card.Recommendation, "3.1.2.3").Score,
		want{value: 100 * 17.0 / 28, evaluated: 4, passed: 2, failed: 2, na: 1, evalW: 28, failW: 11})
	// Recommendation 3.1.2.5: r3 pass 4, r4 fail 1 -> 100*(1-1/5) = 80.
	check(t, "rec 3.1.2.5", scopeOf(t, card.Recommendation, "3.1.2.5").Score,
		want{value: 80, evaluated: 2, passed: 1, failed: 1, evalW: 5, failW: 1})
	// 3.1.3 and 3.1.3.1 have no evidence: no score, not 100.
	check(t, "area 3.1.3", scopeOf(t, card.Area, "3.1.3").Score, want{value: -1})
	check(t, "rec 3.1.3.1", scopeOf(t, card.Recommendation, "3.1.3.1").Score, want{value: -1})
	// 3.1.7 has only attest/partial recommendations, attestations ignored here: no score, but
	// both need an attestation.
	check(t, "area 3.1.7", scopeOf(t, card.Area, "3.1.7").Score, want{value: -1, needsAtt: 2})

	// Overall = mean of areas with a score = 3.1.2 alone = 63.63...; counts are the distinct results.
	check(t, "overall", card.Overall.Score, want{value: 100 * (1 - 12.0/33), evaluated: 6, passed: 3, failed: 3, na: 1, needsAtt: 2, evalW: 33, failW: 12})
	if card.Overall.Score.AreasAveraged != 1 {
		t.Errorf("overall averaged %d areas, want 1", card.Overall.Score.AreasAveraged)
	}

	// Namespace shop: r1 pass 7, r2 fail 7, r3 pass 4 -> 100*(1-7/18) = 61.11...
	check(t, "ns shop", scopeOf(t, card.Namespace, "shop").Score, want{value: 100 * 11.0 / 18, evaluated: 3, passed: 2, failed: 1, evalW: 18, failW: 7})
	// Namespace web: r4 fail 1, r5 N/A, r7 (the Namespace asset "web") fail 4 -> 100*(1-5/5) = 0.
	check(t, "ns web", scopeOf(t, card.Namespace, "web").Score, want{value: 0, evaluated: 2, failed: 2, na: 1, evalW: 5, failW: 5})
	// r6 is cluster-scoped: in no namespace.
	if len(card.Namespaces) != 2 {
		t.Errorf("namespaces = %d, want 2 (shop, web)", len(card.Namespaces))
	}

	// Owners: team-a r1 pass 7 + r2 fail 7 -> 50; team-b r4 fail 1 + r5 N/A -> 0;
	// "" (no label) r3 pass 4, r6 pass 10, r7 fail 4 -> 100*(1-4/18) = 77.77...
	check(t, "owner team-a", scopeOf(t, card.Owner, "team-a").Score, want{value: 50, evaluated: 2, passed: 1, failed: 1, evalW: 14, failW: 7})
	check(t, "owner team-b", scopeOf(t, card.Owner, "team-b").Score, want{value: 0, evaluated: 1, failed: 1, na: 1, evalW: 1, failW: 1})
	check(t, "owner none", scopeOf(t, card.Owner, "").Score, want{value: 100 * 14.0 / 18, evaluated: 3, passed: 2, failed: 1, evalW: 18, failW: 4})
	var ownerKeys []string
	for _, o := range card.Owners {
		ownerKeys = append(ownerKeys, o.Key)
	}
	if fmt.Sprintf("%q", ownerKeys) != `["" "team-a" "team-b"]` {
		t.Errorf("owner order = %q", ownerKeys)
	}

	// Contributors of area 3.1.2 ("why is this 63.6?"): privileged 7/33 = 21.21 points,
	// ns-labels 4/33 = 12.12, seccomp 1/33 = 3.03; together 36.36 = 100 - 63.64.
	cs := area.Score.Contributors
	wantC := []Contributor{
		{CheckID: "privileged", Severity: high, Failed: 1, WeightLost: 7, PointsLost: 700.0 / 33},
		{CheckID: "ns-labels", Severity: med, Failed: 1, WeightLost: 4, PointsLost: 400.0 / 33},
		{CheckID: "seccomp", Severity: low, Failed: 1, WeightLost: 1, PointsLost: 100.0 / 33},
	}
	if len(cs) != len(wantC) {
		t.Fatalf("contributors = %+v", cs)
	}
	for i := range wantC {
		g, w := cs[i], wantC[i]
		if g.CheckID != w.CheckID || g.Severity != w.Severity || g.Failed != w.Failed || !near(g.WeightLost, w.WeightLost) || !near(g.PointsLost, w.PointsLost) {
			t.Errorf("contributor %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestComputeOwnerScopesNeedKey(t *testing.T) {
	opts := baseOpts()
	opts.OwnerLabelKey = ""
	card := Compute([]posture.Result{res("a", high, posture.Fail, "shop", "team-a", "3.1.2.3")}, opts)
	if len(card.Owners) != 0 {
		t.Errorf("owners = %+v, want none without OwnerLabelKey", card.Owners)
	}
}

func TestComputeMultipleCSAIDs(t *testing.T) {
	results := []posture.Result{
		fail("privileged", high, "3.1.2.3", "3.1.2.5", "3.1.2.3"), // two recs of one area (and a duplicate ID)
		pass("non-root", high, "3.1.2.3"),
		fail("latest-tag", med, "3.1.2.5", "3.1.3.1"), // two areas
	}
	card := Compute(results, baseOpts())
	// Area 3.1.2 counts each result once: privileged fail 7, non-root pass 7, latest-tag fail 4
	//   -> weight 18, failed 11 -> 100*7/18 = 38.88... (counting privileged twice would give
	//   weight 25, failed 18 -> 28).
	check(t, "area 3.1.2", scopeOf(t, card.Area, "3.1.2").Score, want{value: 100 * 7.0 / 18, evaluated: 3, passed: 1, failed: 2, evalW: 18, failW: 11})
	// Rec 3.1.2.3: privileged fail 7 (once, despite the duplicate), non-root pass 7 -> 50.
	check(t, "rec 3.1.2.3", scopeOf(t, card.Recommendation, "3.1.2.3").Score, want{value: 50, evaluated: 2, passed: 1, failed: 1, evalW: 14, failW: 7})
	// Rec 3.1.2.5: privileged fail 7, latest-tag fail 4 -> 0.
	check(t, "rec 3.1.2.5", scopeOf(t, card.Recommendation, "3.1.2.5").Score, want{value: 0, evaluated: 2, failed: 2, evalW: 11, failW: 11})
	// Area 3.1.3: latest-tag fail 4 -> 0.
	check(t, "area 3.1.3", scopeOf(t, card.Area, "3.1.3").Score, want{value: 0, evaluated: 1, failed: 1, evalW: 4, failW: 4})
	// Overall = (38.88... + 0) / 2 = 19.44...; distinct results: 3 evaluated, weight 18, failed 11.
	check(t, "overall", card.Overall.Score, want{value: 100 * 7.0 / 18 / 2, evaluated: 3, passed: 1, failed: 2, needsAtt: 2, evalW: 18, failW: 11})
}

func TestOverallIsMeanOfAreasNotGlobalRatio(t *testing.T) {
	var results []posture.Result
	for i := 0; i < 9; i++ {
		results = append(results, pass(fmt.Sprintf("ok-%d", i), high, "3.1.2.3"))
	}
	results = append(results, fail("privileged", high, "3.1.2.3"), fail("latest-tag", high, "3.1.3.1"))
	card := Compute(results, baseOpts())
	// Area 3.1.2: 10 results of weight 7 = 70, one failed = 7 -> 90.
	// Area 3.1.3: one failed result -> 0.
	// Overall = (90 + 0) / 2 = 45 (a global ratio would say 100*(1-14/77) = 81.8).
	check(t, "overall", card.Overall.Score, want{value: 45, evaluated: 11, passed: 9, failed: 2, needsAtt: 2, evalW: 77, failW: 14})
	if n := card.Overall.Score.AreasAveraged; n != 2 {
		t.Errorf("AreasAveraged = %d, want 2", n)
	}
	// Overall contributors: latest-tag costs 100 points in 3.1.3 -> 100/2 = 50 overall;
	// privileged costs 7/70*100 = 10 points in 3.1.2 -> 10/2 = 5 overall. 50 + 5 = 55 = 100 - 45.
	cs := card.Overall.Score.Contributors
	if len(cs) != 2 || cs[0].CheckID != "latest-tag" || !near(cs[0].PointsLost, 50) || cs[1].CheckID != "privileged" || !near(cs[1].PointsLost, 5) {
		t.Errorf("overall contributors = %+v", cs)
	}
}

func TestExceptionsSideBySide(t *testing.T) {
	accepted := res("privileged", high, posture.Fail, "shop", "", "3.1.2.3")
	accepted.SubKey = "accepted"
	passing := pass("non-root", high, "3.1.2.3")
	passing.SubKey = "accepted" // matches the exception, but passes: must not be touched
	results := []posture.Result{
		passing,
		pass("caps", high, "3.1.2.3"),
		accepted,
		fail("seccomp", med, "3.1.2.3"),
	}
	opts := baseOpts()
	var asked []string
	opts.Excepted = func(r posture.Result) bool {
		asked = append(asked, r.CheckID)
		return r.SubKey == "accepted"
	}
	card := Compute(results, opts)
	area := scopeOf(t, card.Area, "3.1.2")
	// Without exceptions: pass 7 + pass 7 + fail 7 + fail 4 -> weight 25, failed 11 -> 100*14/25 = 56.
	check(t, "without exceptions", area.ScoreWithoutExceptions, want{value: 56, evaluated: 4, passed: 2, failed: 2, evalW: 25, failW: 11})
	// With exceptions the accepted failure leaves the score (numerator and denominator):
	// weight 18, failed 4 -> 100*14/18 = 77.77...
	check(t, "with exceptions", area.Score, want{value: 100 * 14.0 / 18, evaluated: 3, passed: 2, failed: 1, exc: 1, evalW: 18, failW: 4})
	// Same for overall (one area) and the namespace.
	check(t, "overall with", card.Overall.Score, want{value: 100 * 14.0 / 18, evaluated: 3, passed: 2, failed: 1, exc: 1, needsAtt: 2, evalW: 18, failW: 4})
	check(t, "overall without", card.Overall.ScoreWithoutExceptions, want{value: 56, evaluated: 4, passed: 2, failed: 2, needsAtt: 2, evalW: 25, failW: 11})
	check(t, "ns with", scopeOf(t, card.Namespace, "shop").Score, want{value: 100 * 14.0 / 18, evaluated: 3, passed: 2, failed: 1, exc: 1, evalW: 18, failW: 4})
	// Excepted is asked about failures only.
	if fmt.Sprint(asked) != "[privileged seccomp]" {
		t.Errorf("Excepted asked about %v, want only the failures", asked)
	}
	// The accepted check is no contributor with exceptions, but is without.
	if cs := area.Score.Contributors; len(cs) != 1 || cs[0].CheckID != "seccomp" {
		t.Errorf("contributors with exceptions = %+v", cs)
	}
	if cs := area.ScoreWithoutExceptions.Contributors; len(cs) != 2 || cs[0].CheckID != "privileged" {
		t.Errorf("contributors without exceptions = %+v", cs)
	}
}

func TestExceptionsCanLeaveNoScore(t *testing.T) {
	opts := baseOpts()
	opts.Excepted = func(posture.Result) bool { return true }
	card := Compute([]posture.Result{fail("privileged", high, "3.1.2.3")}, opts)
	// With the only result excepted nothing is evaluated: no score (not 100); without: 0.
	check(t, "with", card.Overall.Score, want{value: -1, exc: 1, needsAtt: 2})
	check(t, "without", card.Overall.ScoreWithoutExceptions, want{value: 0, evaluated: 1, failed: 1, needsAtt: 2, evalW: 7, failW: 7})
}

func TestAttestations(t *testing.T) {
	valid := Attestation{CSAID: "3.1.7.1", ValidUntil: now.Add(30 * 24 * time.Hour), Ref: "att-1"}
	expired := Attestation{CSAID: "3.1.7.1", ValidUntil: now.Add(-time.Hour), Ref: "att-0"}
	partialCheck := pass("falco-present", high, "3.1.7.4")
	tests := []struct {
		name    string
		opts    func(*Options)
		results []posture.Result
		area    want // area 3.1.7
		valid   bool // 3.1.7.1 attestation status
	}{
		{
			// Two synthetic fails (attest 3.1.7.1, the unseen part of partial 3.1.7.4), medium
			// weight 4 each -> 0. Both need an attestation.
			name: "missing attestation fails",
			area: want{value: 0, evaluated: 2, failed: 2, needsAtt: 2, evalW: 8, failW: 8},
		},
		{
			// 3.1.7.1 passes; the partial rec's part still fails: 100*(1-4/8).
			name:  "valid attestation passes",
			opts:  func(o *Options) { o.Attestations = []Attestation{valid} },
			area:  want{value: 50, evaluated: 2, passed: 1, failed: 1, needsAtt: 1, evalW: 8, failW: 4},
			valid: true,
		},
		{
			name: "expired attestation fails",
			opts: func(o *Options) { o.Attestations = []Attestation{expired} },
			area: want{value: 0, evaluated: 2, failed: 2, needsAtt: 2, evalW: 8, failW: 8},
		},
		{
			name: "expiring exactly now counts as expired",
			opts: func(o *Options) { o.Attestations = []Attestation{{CSAID: "3.1.7.1", ValidUntil: now}} },
			area: want{value: 0, evaluated: 2, failed: 2, needsAtt: 2, evalW: 8, failW: 8},
		},
		{
			name:  "latest of several wins",
			opts:  func(o *Options) { o.Attestations = []Attestation{expired, valid, expired} },
			area:  want{value: 50, evaluated: 2, passed: 1, failed: 1, needsAtt: 1, evalW: 8, failW: 4},
			valid: true,
		},
		{
			name: "zero Now fails closed",
			opts: func(o *Options) { o.Attestations = []Attestation{valid}; o.Now = time.Time{} },
			area: want{value: 0, evaluated: 2, failed: 2, needsAtt: 2, evalW: 8, failW: 8},
		},
		{
			// Partial rec: its check results count, and the two synthetic fails of 4 join them:
			// pass 7 + fail 4 + fail 4 -> 100*(1-8/15).
			name:    "partial check results plus missing attestation",
			results: []posture.Result{partialCheck},
			area:    want{value: 100 * 7.0 / 15, evaluated: 3, passed: 1, failed: 2, needsAtt: 2, evalW: 15, failW: 8},
		},
		{
			// Both attested: the check's pass and two synthetic passes -> 100.
			name: "partial recommendation attested too",
			opts: func(o *Options) {
				o.Attestations = []Attestation{valid, {CSAID: "3.1.7.4", ValidUntil: now.Add(time.Hour), Ref: "att-2"}}
			},
			results: []posture.Result{partialCheck},
			area:    want{value: 100, evaluated: 3, passed: 3, evalW: 15},
			valid:   true,
		},
		{
			// AttestationSeverity high: synthetic fail weight 7; pass 7 + fail 7 + fail 7 -> 33.3.
			name:    "attestation severity configurable",
			opts:    func(o *Options) { o.AttestationSeverity = high },
			results: []posture.Result{partialCheck},
			area:    want{value: 100.0 / 3, evaluated: 3, passed: 1, failed: 2, needsAtt: 2, evalW: 21, failW: 14},
		},
		{
			// Ignored: the attest rec leaves the score; only the partial check's pass counts -> 100.
			name:    "ignored attestations",
			opts:    func(o *Options) { o.IgnoreAttestations = true },
			results: []posture.Result{partialCheck},
			area:    want{value: 100, evaluated: 1, passed: 1, needsAtt: 2, evalW: 7},
		},
		{
			name: "ignored attestations and no checks: no score",
			opts: func(o *Options) { o.IgnoreAttestations = true },
			area: want{value: -1, needsAtt: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := baseOpts()
			opts.IgnoreAttestations = false
			if tt.opts != nil {
				tt.opts(&opts)
			}
			card := Compute(tt.results, opts)
			check(t, "area 3.1.7", scopeOf(t, card.Area, "3.1.7").Score, tt.area)
			var st AttestationStatus
			for _, s := range card.Attestations {
				if s.CSAID == "3.1.7.1" {
					st = s
				}
			}
			if st.Valid != tt.valid || st.Mode != csa.ModeAttest {
				t.Errorf("attestation status = %+v, want valid %v", st, tt.valid)
			}
			if tt.valid && st.Ref != "att-1" {
				t.Errorf("attestation ref = %q, want att-1", st.Ref)
			}
			// The attest recommendation is never in a namespace scope.
			for _, ns := range card.Namespaces {
				if ns.Score.NeedsAttestation != 0 {
					t.Errorf("namespace %s has NeedsAttestation %d", ns.Key, ns.Score.NeedsAttestation)
				}
			}
			// A missing attestation explains itself as a contributor.
			if tt.area.failW > 0 && !tt.valid && !opts.IgnoreAttestations {
				cs := scopeOf(t, card.Recommendation, "3.1.7.1").Score.Contributors
				if len(cs) != 1 || cs[0].CheckID != AttestationCheckID("3.1.7.1") {
					t.Errorf("rec 3.1.7.1 contributors = %+v", cs)
				}
			}
		})
	}
}

func TestAttestationsWithRealCatalog(t *testing.T) {
	// Default options: the real catalog, attestations scored, none on record.
	card := Compute(nil, Options{Now: now})
	var attest, partial int
	for _, r := range csa.All() {
		switch r.Mode {
		case csa.ModeAttest:
			attest++
		case csa.ModePartial:
			partial++
		}
	}
	// Every attest and partial rec fails, so every area holding one scores 0 and overall = 0 (not 100).
	n := attest + partial
	check(t, "overall", card.Overall.Score, want{value: 0, evaluated: n, failed: n, needsAtt: n, evalW: 4 * float64(n), failW: 4 * float64(n)})
	if len(card.Areas) != 17 || len(card.Recommendations) != 54 || len(card.Attestations) != attest+partial {
		t.Errorf("areas %d recs %d attestations %d", len(card.Areas), len(card.Recommendations), len(card.Attestations))
	}
	if card.Areas[9].Key != "3.1.10" {
		t.Errorf("areas not in numeric order: %s", card.Areas[9].Key)
	}
	// 3.1.2 has no attest rec and no results: no score.
	check(t, "area 3.1.2", scopeOf(t, card.Area, "3.1.2").Score, want{value: -1})
}

func TestNoEvidenceIsNoScore(t *testing.T) {
	tests := []struct {
		name    string
		results []posture.Result
		overall want
	}{
		{name: "no results", overall: want{value: -1, needsAtt: 2}},
		{name: "only not applicable", results: []posture.Result{res("a", high, posture.NotApplicable, "shop", "", "3.1.2.3")},
			overall: want{value: -1, na: 1, needsAtt: 2}},
		// Info weighs 0: evaluated, but nothing with weight, so no score either.
		{name: "only zero weight", results: []posture.Result{fail("a", info, "3.1.2.3"), pass("b", info, "3.1.2.3")},
			overall: want{value: -1, evaluated: 2, passed: 1, failed: 1, needsAtt: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card := Compute(tt.results, baseOpts())
			check(t, "overall", card.Overall.Score, tt.overall)
			for _, a := range card.Areas {
				if a.Score.HasScore() {
					t.Errorf("area %s has a score %s", a.Key, val(a.Score))
				}
			}
		})
	}
}

func TestUnknownStatusFailsClosed(t *testing.T) {
	r := pass("a", high, "3.1.2.3")
	r.Status = "error"
	card := Compute([]posture.Result{r, pass("b", high, "3.1.2.3")}, baseOpts())
	// error counts as fail: pass 7 + fail 7 -> 50.
	check(t, "area", scopeOf(t, card.Area, "3.1.2").Score, want{value: 50, evaluated: 2, passed: 1, failed: 1, evalW: 14, failW: 7})
}

func TestCustomWeights(t *testing.T) {
	opts := baseOpts()
	opts.Weights = posture.Weights{high: 3, low: 1} // medium missing: weighs 0
	card := Compute([]posture.Result{fail("a", high, "3.1.2.3"), pass("b", low, "3.1.2.3"), fail("c", med, "3.1.2.3")}, opts)
	// weight 3 + 1 + 0 = 4, failed 3 + 0 = 3 -> 25. The medium failure is counted but weighs nothing.
	check(t, "area", scopeOf(t, card.Area, "3.1.2").Score, want{value: 25, evaluated: 3, passed: 1, failed: 2, evalW: 4, failW: 3})
}

func TestContributorsCappedAndOrdered(t *testing.T) {
	results := []posture.Result{
		fail("b-check", med, "3.1.2.3"), fail("b-check", high, "3.1.2.3"), // b: 4 + 7 = 11, severity high
		fail("a-check", med, "3.1.2.3"), fail("a-check", med, "3.1.2.3"), fail("a-check", med, "3.1.2.3"), // a: 12
		fail("c-check", low, "3.1.2.3"), // c: 1
		fail("d-check", low, "3.1.2.3"), // d: 1, ties with c -> by ID
		pass("ok", crit, "3.1.2.3"),
	}
	opts := baseOpts()
	opts.MaxContributors = 3
	card := Compute(results, opts)
	cs := scopeOf(t, card.Area, "3.1.2").Score.Contributors
	// evaluated weight 11 + 12 + 1 + 1 + 10 = 35.
	got := ""
	for _, c := range cs {
		got += fmt.Sprintf("%s/%s/%d/%.0f/%.4f ", c.CheckID, c.Severity, c.Failed, c.WeightLost, c.PointsLost)
	}
	wantS := fmt.Sprintf("a-check/medium/3/12/%.4f b-check/high/2/11/%.4f c-check/low/1/1/%.4f ", 1200.0/35, 1100.0/35, 100.0/35)
	if got != wantS {
		t.Errorf("contributors = %s\nwant           %s", got, wantS)
	}
	// Default cap is 5.
	opts.MaxContributors = 0
	many := []posture.Result{}
	for i := 0; i < 8; i++ {
		many = append(many, fail(fmt.Sprintf("c%d", i), high, "3.1.2.3"))
	}
	if n := len(scopeOf(t, Compute(many, opts).Area, "3.1.2").Score.Contributors); n != DefaultMaxContributors {
		t.Errorf("default cap gave %d contributors", n)
	}
}

// TestPointsLostAddUp checks the explanation property on a mixed data set: for every scope the
// uncapped contributors' points lost add up to 100 − score.
func TestPointsLostAddUp(t *testing.T) {
	ids := []string{"3.1.2.3", "3.1.2.5", "3.1.3.1", "3.1.7.4", "3.1.9.1"}
	sevs := []posture.Severity{crit, high, med, low}
	stats := []posture.ResultStatus{posture.Pass, posture.Fail, posture.Pass, posture.NotApplicable, posture.Fail}
	var results []posture.Result
	for i := 0; i < 60; i++ {
		r := res(fmt.Sprintf("check-%d", i%7), sevs[i%4], stats[i%5], []string{"a", "b", ""}[i%3], []string{"x", "y"}[i%2], ids[i%5], ids[(i*3)%5])
		results = append(results, r)
	}
	opts := baseOpts()
	opts.IgnoreAttestations = false
	opts.Excepted = func(r posture.Result) bool { return r.CheckID == "check-3" }
	card := Compute(results, opts)
	all := append([]ScopeScore{card.Overall}, card.Areas...)
	all = append(all, card.Recommendations...)
	all = append(all, card.Namespaces...)
	all = append(all, card.Owners...)
	for _, s := range all {
		for view, sc := range map[string]Score{"with": s.Score, "without": s.ScoreWithoutExceptions} {
			if sc.Value == nil {
				continue
			}
			sum := 0.0
			for _, c := range sc.Contributors {
				sum += c.PointsLost
			}
			if !near(sum, 100-*sc.Value) {
				t.Errorf("%s %s (%s): points lost %.6f, 100 - score = %.6f", s.Kind, s.Key, view, sum, 100-*sc.Value)
			}
			if sc.Evaluated != sc.Passed+sc.Failed {
				t.Errorf("%s %s: evaluated %d != passed %d + failed %d", s.Kind, s.Key, sc.Evaluated, sc.Passed, sc.Failed)
			}
		}
	}
	// Unknown area 3.1.9 (not in testCatalog) is appended after the catalog areas.
	if last := card.Areas[len(card.Areas)-1].Key; last != "3.1.9" {
		t.Errorf("last area = %s, want 3.1.9", last)
	}
}

func TestExtraAreasSortNumerically(t *testing.T) {
	opts := baseOpts()
	opts.Recommendations = []csa.Recommendation{}
	card := Compute([]posture.Result{pass("a", high, "3.1.10.1"), pass("b", high, "3.1.9.1"), pass("c", high, "3.1.2.3")}, opts)
	var keys []string
	for _, a := range card.Areas {
		keys = append(keys, a.Key)
	}
	if fmt.Sprint(keys) != "[3.1.2 3.1.9 3.1.10]" {
		t.Errorf("areas = %v", keys)
	}
}

func TestComputeByTarget(t *testing.T) {
	a1 := fail("privileged", high, "3.1.2.3")
	a1.Asset.TargetID = 1
	a2 := pass("non-root", high, "3.1.2.3")
	a2.Asset.TargetID = 1
	b1 := pass("non-root", high, "3.1.3.1")
	b1.Asset.TargetID = 2
	cards := ComputeByTarget([]posture.Result{a1, a2, b1}, func(r posture.Result) string {
		return strconv.FormatInt(r.Asset.TargetID, 10)
	}, baseOpts())
	// Target 1: area 3.1.2 pass 7 fail 7 -> 50; overall 50. Target 2: 3.1.3 all pass -> 100.
	check(t, "target 1", cards["1"].Overall.Score, want{value: 50, evaluated: 2, passed: 1, failed: 1, needsAtt: 2, evalW: 14, failW: 7})
	check(t, "target 2", cards["2"].Overall.Score, want{value: 100, evaluated: 1, passed: 1, needsAtt: 2, evalW: 7})
	if len(cards) != 2 {
		t.Errorf("targets = %d", len(cards))
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
