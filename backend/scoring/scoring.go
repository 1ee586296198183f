// Package scoring turns check results into posture scores (ARCHITECTURE.md, "Scores").
//
// Everything here is a pure function of its arguments: no I/O, no clock (the caller passes Now).
//
// The rules:
//
//   - For a scope, score = 100 × (1 − failed weight / evaluated weight), over pass and fail results
//     only. Not-applicable results are counted but excluded. A scope with nothing evaluated (or
//     only zero-weight results) has no score (Score.Value == nil): never 100.
//   - A result with several CSA IDs counts once in each recommendation it supports and once in
//     each area those recommendations belong to (never twice in one area).
//   - Overall (and so a target, see ComputeByTarget) is the mean of the CSA areas that have a
//     score, not one global ratio, so a busy area cannot drown out a quiet one.
//   - attest-mode recommendations count as one pass while a valid attestation exists and one fail
//     when it is missing or expired (unless Options.IgnoreAttestations). So does the part of a
//     partial-mode recommendation no check can see: its checks' results count as usual, and
//     one more result stands for the rest, which only an attestation covers.
//   - Failed results covered by an approved exception leave Score but stay in
//     ScoreWithoutExceptions; both are always computed, side by side.
//   - Every score carries its denominator and its top Contributors ("why is this 72?").
package scoring

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/posture"
)

// DefaultMaxContributors is how many contributors a score keeps when Options.MaxContributors is 0.
const DefaultMaxContributors = 5

// AttestationCheckPrefix prefixes the check ID of the synthetic result that stands for an
// attest-mode recommendation, e.g. "csa-attestation:3.1.7.1". It shows up as a contributor
// when the attestation is missing or expired.
const AttestationCheckPrefix = "csa-attestation:"

// AttestationCheckID is the synthetic check ID used for an attest-mode recommendation.
func AttestationCheckID(csaID string) string { return AttestationCheckPrefix + csaID }

// Attestation is a person's statement that a CSA recommendation is met, valid until ValidUntil.
type Attestation struct {
	CSAID      string
	ValidUntil time.Time
	// Ref identifies the stored attestation (an ID or URL) so a score can link to it. Optional.
	Ref string
}

// Options configure Compute. The zero value is usable: default weights, no owner scopes, no
// exceptions, and every attest-mode recommendation failing for want of an attestation.
type Options struct {
	// Weights per severity; nil means posture.DefaultWeights(). A severity missing from the map
	// weighs 0, and a scope whose evaluated weight is 0 has no score.
	Weights posture.Weights
	// OwnerLabelKey is the asset label whose value defines the owner scopes (e.g. "owner").
	// Empty: no owner scopes. Results whose asset lacks the label go to the owner scope "".
	OwnerLabelKey string
	// Excepted reports whether a failed result is covered by an approved exception (e.g. by
	// looking up its fingerprint in the set of suppressed fingerprints). It is only asked about
	// failed results. nil: nothing is excepted.
	Excepted func(posture.Result) bool
	// Attestations on record; several for one CSA ID are fine (the latest expiry wins).
	Attestations []Attestation
	// Now decides which attestations are still valid (ValidUntil strictly after Now). A zero Now
	// makes every attestation count as expired: failing closed rather than reading a clock here.
	Now time.Time
	// IgnoreAttestations leaves attestations out of the score entirely (recommendations needing one are
	// still counted in NeedsAttestation). For contexts that have no attestation store, such as
	// `palisade scan` of manifest files. The zero value (false) scores them, failing when missing.
	IgnoreAttestations bool
	// AttestationSeverity is the severity (hence weight) of an attest-mode recommendation's
	// synthetic result. The zero value (info) means medium.
	AttestationSeverity posture.Severity
	// Recommendations is the CSA catalog to score against; nil means csa.All().
	Recommendations []csa.Recommendation
	// MaxContributors caps Score.Contributors; 0 means DefaultMaxContributors, negative means all.
	MaxContributors int
}

// ScopeKind names what a ScopeScore covers.
type ScopeKind string

const (
	ScopeOverall        ScopeKind = "overall"
	ScopeArea           ScopeKind = "area"           // Key: "3.1.2"
	ScopeRecommendation ScopeKind = "recommendation" // Key: "3.1.2.3"
	ScopeNamespace      ScopeKind = "namespace"      // Key: namespace name
	ScopeOwner          ScopeKind = "owner"          // Key: owner label value ("" = no label)
)

// Score is one number with everything needed to explain it.
type Score struct {
	// Value is the score from 0 to 100, or nil when nothing with weight was evaluated.
	Value *float64
	// Evaluated = Passed + Failed: the results behind the number.
	Evaluated int
	Passed    int
	Failed    int
	// NotApplicable results were seen but do not count.
	NotApplicable int
	// Excepted failed results were left out because an approved exception covers them
	// (always 0 in ScoreWithoutExceptions, where they count as Failed).
	Excepted int
	// NeedsAttestation counts recommendations in scope (attest or partial mode) without a valid
	// attestation. Each is also one result in Failed, unless attestations are ignored.
	NeedsAttestation int
	// EvaluatedWeight and FailedWeight are the ratio's denominator and numerator. For the overall
	// score they are the totals over distinct results; the value itself is the mean of areas.
	EvaluatedWeight float64
	FailedWeight    float64
	// AreasAveraged is, for the overall score, how many areas the mean was taken over (else 0).
	AreasAveraged int
	// Contributors are the failing checks that cost the most points, worst first.
	Contributors []Contributor
}

// HasScore reports whether the scope has a score at all.
func (s Score) HasScore() bool { return s.Value != nil }

// Contributor is one failing check's share in a score.
type Contributor struct {
	CheckID  string
	Severity posture.Severity // the highest severity among its failed results
	Failed   int              // failed results of this check in the scope
	// WeightLost is the summed weight of those failed results.
	WeightLost float64
	// PointsLost is how many of the 100 points this check costs the scope: for a ratio scope
	// 100 × WeightLost / EvaluatedWeight; for overall, its points lost averaged over the areas.
	// Over all contributors (before capping) PointsLost sums to 100 − Value.
	PointsLost float64
}

// ScopeScore is a scope's score with and without approved exceptions.
type ScopeScore struct {
	Kind ScopeKind
	Key  string
	// Score leaves out failed results covered by an approved exception.
	Score Score
	// ScoreWithoutExceptions counts every failed result, so accepted risk stays visible.
	ScoreWithoutExceptions Score
}

// AttestationStatus says whether an attest or partial recommendation has a valid attestation.
type AttestationStatus struct {
	CSAID      string
	Mode       csa.Mode
	Valid      bool
	ValidUntil time.Time // latest expiry on record; zero when there is none
	Ref        string    // of the attestation with the latest expiry
}

// Scorecard is every score for one set of results.
type Scorecard struct {
	Overall ScopeScore
	// Areas holds every catalog area in numeric order (those without evidence have no score),
	// then any other area seen in results.
	Areas []ScopeScore
	// Recommendations holds every catalog recommendation in catalog order, then any other seen.
	Recommendations []ScopeScore
	// Namespaces and Owners hold the scopes seen in results, sorted by key. Cluster-scoped
	// assets belong to no namespace.
	Namespaces []ScopeScore
	Owners     []ScopeScore
	// Attestations lists every attest and partial recommendation in catalog order.
	Attestations []AttestationStatus
}

// Area returns the score of one area, e.g. "3.1.2".
func (c Scorecard) Area(id string) (ScopeScore, bool) { return find(c.Areas, id) }

// Recommendation returns the score of one recommendation, e.g. "3.1.2.3".
func (c Scorecard) Recommendation(id string) (ScopeScore, bool) { return find(c.Recommendations, id) }

// Namespace returns the score of one namespace.
func (c Scorecard) Namespace(name string) (ScopeScore, bool) { return find(c.Namespaces, name) }

// Owner returns the score of one owner label value.
func (c Scorecard) Owner(value string) (ScopeScore, bool) { return find(c.Owners, value) }

func find(list []ScopeScore, key string) (ScopeScore, bool) {
	for _, s := range list {
		if s.Key == key {
			return s, true
		}
	}
	return ScopeScore{}, false
}

// ComputeByTarget scores each target on its own: results are grouped by targetOf (for stored
// results, e.g. strconv.FormatInt(r.Asset.TargetID, 10)) and each group is scored with Compute
// and the same options. A target's score is its scorecard's Overall, i.e. the same number
// `palisade scan` prints for that target alone (mean of its areas). Attestations in opts apply to
// every target; pass per-target options by calling Compute yourself when they differ.
func ComputeByTarget(results []posture.Result, targetOf func(posture.Result) string, opts Options) map[string]Scorecard {
	groups := map[string][]posture.Result{}
	for _, r := range results {
		k := targetOf(r)
		groups[k] = append(groups[k], r)
	}
	out := make(map[string]Scorecard, len(groups))
	for k, rs := range groups {
		out[k] = Compute(rs, opts)
	}
	return out
}

// tally accumulates one view (with or without exceptions) of one scope.
type tally struct {
	passed, failed, na, excepted int
	evalW, failW                 float64
	byCheck                      map[string]*Contributor
}

func (t *tally) add(checkID string, sev posture.Severity, w float64, st verdict) {
	switch st {
	case vPass:
		t.passed++
		t.evalW += w
	case vFail:
		t.failed++
		t.evalW += w
		t.failW += w
		if t.byCheck == nil {
			t.byCheck = map[string]*Contributor{}
		}
		c := t.byCheck[checkID]
		if c == nil {
			c = &Contributor{CheckID: checkID, Severity: sev}
			t.byCheck[checkID] = c
		}
		c.Failed++
		c.WeightLost += w
		if sev > c.Severity {
			c.Severity = sev
		}
	case vNA:
		t.na++
	case vExcepted:
		t.excepted++
	}
}

// score turns a tally into a ratio score with all contributors (uncapped).
func (t *tally) score(needsAttestation int) Score {
	s := Score{
		Evaluated:        t.passed + t.failed,
		Passed:           t.passed,
		Failed:           t.failed,
		NotApplicable:    t.na,
		Excepted:         t.excepted,
		NeedsAttestation: needsAttestation,
		EvaluatedWeight:  t.evalW,
		FailedWeight:     t.failW,
	}
	if t.evalW > 0 {
		v := 100 * (1 - t.failW/t.evalW)
		s.Value = &v
	}
	for _, c := range t.byCheck {
		cc := *c
		if t.evalW > 0 {
			cc.PointsLost = 100 * cc.WeightLost / t.evalW
		}
		s.Contributors = append(s.Contributors, cc)
	}
	sortContributors(s.Contributors)
	return s
}

func sortContributors(cs []Contributor) {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].PointsLost != cs[j].PointsLost {
			return cs[i].PointsLost > cs[j].PointsLost
		}
		if cs[i].WeightLost != cs[j].WeightLost {
			return cs[i].WeightLost > cs[j].WeightLost
		}
		return cs[i].CheckID < cs[j].CheckID
	})
}

// scope holds both views of one scope.
type scope struct {
	with, without tally
	needsAtt      int
}

type verdict int

const (
	vPass verdict = iota
	vFail
	vNA
	vExcepted
)

// Compute scores results (one target's run, or the latest results of many targets).
// See the package documentation for the rules.
func Compute(results []posture.Result, opts Options) Scorecard {
	acc := NewAccumulator(opts)
	for _, r := range results {
		acc.Add(r)
	}
	return acc.Card()
}

// Accumulator scores results as they arrive, so that a caller never has to hold them all
// (`palisade scan` streams a check's results to the report and here, then lets them go).
// Add every result, then call Card once.
type Accumulator struct {
	opts       Options
	weights    posture.Weights
	recs       []csa.Recommendation
	attSev     posture.Severity
	overall    *scope
	areas      map[string]*scope
	recScopes  map[string]*scope
	namespaces map[string]*scope
	owners     map[string]*scope
	areaOrder  []string
	recOrder   []string
	targets    []*scope // scratch for Add
}

// NewAccumulator starts a scorecard; catalog scopes exist from the start, so the UI can show
// "no evidence".
func NewAccumulator(opts Options) *Accumulator {
	a := &Accumulator{opts: opts, weights: opts.Weights, recs: opts.Recommendations, attSev: opts.AttestationSeverity,
		overall: &scope{}, areas: map[string]*scope{}, recScopes: map[string]*scope{}, namespaces: map[string]*scope{},
		owners: map[string]*scope{}}
	if a.weights == nil {
		a.weights = posture.DefaultWeights()
	}
	if a.recs == nil {
		a.recs = csa.All()
	}
	if a.attSev == posture.SeverityInfo {
		a.attSev = posture.SeverityMedium
	}
	for _, r := range a.recs {
		if _, ok := a.recScopes[r.ID]; !ok {
			a.recOrder = append(a.recOrder, r.ID)
			getScope(a.recScopes, r.ID)
		}
		if area := r.Area(); a.areas[area] == nil {
			a.areaOrder = append(a.areaOrder, area)
			getScope(a.areas, area)
		}
	}
	sort.SliceStable(a.areaOrder, func(i, j int) bool { return lessDotted(a.areaOrder[i], a.areaOrder[j]) })
	return a
}

func getScope(m map[string]*scope, k string) *scope {
	s := m[k]
	if s == nil {
		s = &scope{}
		m[k] = s
	}
	return s
}

// Add counts one result: pass, not applicable, or (anything else, failing closed) a failure,
// excepted when opts.Excepted says so.
func (a *Accumulator) Add(r posture.Result) {
	switch r.Status {
	case posture.Pass:
		a.add(r, vPass, vPass, true)
	case posture.NotApplicable:
		a.add(r, vNA, vNA, true)
	default:
		if a.opts.Excepted != nil && a.opts.Excepted(r) {
			a.add(r, vExcepted, vFail, true)
		} else {
			a.add(r, vFail, vFail, true)
		}
	}
}

// add records one result in every scope it belongs to, each area once however many of its
// recommendations the result supports.
func (a *Accumulator) add(r posture.Result, withV, withoutV verdict, inNamespaceScopes bool) {
	w := a.weights[r.Severity]
	targets := append(a.targets[:0], a.overall)
	for i, id := range r.CSA {
		if id == "" || slices.Contains(r.CSA[:i], id) {
			continue
		}
		targets = append(targets, getScope(a.recScopes, id))
		area := csa.AreaOf(id)
		seen := false
		for _, prev := range r.CSA[:i] {
			seen = seen || (prev != "" && csa.AreaOf(prev) == area)
		}
		if !seen {
			targets = append(targets, getScope(a.areas, area))
		}
	}
	if inNamespaceScopes {
		if ns := namespaceOf(r.Asset); ns != "" {
			targets = append(targets, getScope(a.namespaces, ns))
		}
		if a.opts.OwnerLabelKey != "" {
			targets = append(targets, getScope(a.owners, r.Asset.Labels[a.opts.OwnerLabelKey]))
		}
	}
	for _, s := range targets {
		s.with.add(r.CheckID, r.Severity, w, withV)
		s.without.add(r.CheckID, r.Severity, w, withoutV)
	}
	a.targets = targets
}

// Card adds the attestations and returns the scorecard of everything added.
func (a *Accumulator) Card() Scorecard {
	opts, overall, areas, recScopes := a.opts, a.overall, a.areas, a.recScopes
	// Attestations: latest expiry per CSA ID.
	latest := map[string]Attestation{}
	for _, at := range opts.Attestations {
		if cur, ok := latest[at.CSAID]; !ok || at.ValidUntil.After(cur.ValidUntil) {
			latest[at.CSAID] = at
		}
	}
	var statuses []AttestationStatus
	for _, rec := range a.recs {
		if rec.Mode != csa.ModeAttest && rec.Mode != csa.ModePartial {
			continue
		}
		at, ok := latest[rec.ID]
		valid := ok && !opts.Now.IsZero() && at.ValidUntil.After(opts.Now)
		statuses = append(statuses, AttestationStatus{CSAID: rec.ID, Mode: rec.Mode, Valid: valid, ValidUntil: at.ValidUntil, Ref: at.Ref})
		if !valid {
			overall.needsAtt++
			areas[rec.Area()].needsAtt++
			recScopes[rec.ID].needsAtt++
		}
		if !opts.IgnoreAttestations {
			synth := posture.Result{CheckID: AttestationCheckID(rec.ID), Severity: a.attSev, CSA: []string{rec.ID}, Status: posture.Fail}
			v := vFail
			if valid {
				synth.Status, v = posture.Pass, vPass
			}
			a.add(synth, v, v, false)
		}
	}

	// Areas and recommendations seen in results but not in the catalog go after, in numeric order.
	areaOrder := appendExtra(a.areaOrder, areas)
	recOrder := appendExtra(a.recOrder, recScopes)

	limit := opts.MaxContributors
	if limit == 0 {
		limit = DefaultMaxContributors
	}
	card := Scorecard{Attestations: statuses}
	var areaWith, areaWithout []Score
	for _, id := range areaOrder {
		ss := finish(ScopeArea, id, areas[id], -1)
		areaWith = append(areaWith, ss.Score)
		areaWithout = append(areaWithout, ss.ScoreWithoutExceptions)
		card.Areas = append(card.Areas, capScope(ss, limit))
	}
	card.Overall = ScopeScore{
		Kind:                   ScopeOverall,
		Score:                  capScore(meanOfAreas(overall.with.score(overall.needsAtt), areaWith), limit),
		ScoreWithoutExceptions: capScore(meanOfAreas(overall.without.score(overall.needsAtt), areaWithout), limit),
	}
	for _, id := range recOrder {
		card.Recommendations = append(card.Recommendations, finish(ScopeRecommendation, id, recScopes[id], limit))
	}
	card.Namespaces = finishAll(ScopeNamespace, a.namespaces, limit)
	card.Owners = finishAll(ScopeOwner, a.owners, limit)
	return card
}

// meanOfAreas sets the overall value to the mean of the areas that have a score, and the overall
// contributors' PointsLost to their points lost averaged over the same areas. Counts and weights
// stay those of the distinct results (base).
func meanOfAreas(base Score, areas []Score) Score {
	base.Value = nil
	sum, n := 0.0, 0
	points := map[string]float64{}
	for _, a := range areas {
		if a.Value == nil {
			continue
		}
		sum += *a.Value
		n++
		for _, c := range a.Contributors {
			points[c.CheckID] += c.PointsLost
		}
	}
	base.AreasAveraged = n
	if n > 0 {
		v := sum / float64(n)
		base.Value = &v
	}
	for i := range base.Contributors {
		if n > 0 {
			base.Contributors[i].PointsLost = points[base.Contributors[i].CheckID] / float64(n)
		} else {
			base.Contributors[i].PointsLost = 0
		}
	}
	sortContributors(base.Contributors)
	return base
}

func finish(kind ScopeKind, key string, s *scope, limit int) ScopeScore {
	return capScope(ScopeScore{
		Kind:                   kind,
		Key:                    key,
		Score:                  s.with.score(s.needsAtt),
		ScoreWithoutExceptions: s.without.score(s.needsAtt),
	}, limit)
}

func finishAll(kind ScopeKind, m map[string]*scope, limit int) []ScopeScore {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]ScopeScore, 0, len(keys))
	for _, k := range keys {
		out = append(out, finish(kind, k, m[k], limit))
	}
	return out
}

func capScope(s ScopeScore, limit int) ScopeScore {
	s.Score = capScore(s.Score, limit)
	s.ScoreWithoutExceptions = capScore(s.ScoreWithoutExceptions, limit)
	return s
}

func capScore(s Score, limit int) Score {
	if limit >= 0 && len(s.Contributors) > limit {
		s.Contributors = s.Contributors[:limit:limit]
	}
	return s
}

func appendExtra(order []string, m map[string]*scope) []string {
	known := make(map[string]bool, len(order))
	for _, k := range order {
		known[k] = true
	}
	var extra []string
	for k := range m {
		if !known[k] {
			extra = append(extra, k)
		}
	}
	sort.Slice(extra, func(i, j int) bool { return lessDotted(extra[i], extra[j]) })
	return append(order, extra...)
}

// namespaceOf is the namespace a result counts in: the asset's namespace, or the namespace
// itself for a Namespace asset; "" for cluster-scoped assets.
func namespaceOf(a *posture.Asset) string {
	if a.Namespace != "" {
		return a.Namespace
	}
	if a.Kind == posture.AssetNamespace {
		return a.Name
	}
	return ""
}

// lessDotted orders dotted numeric IDs so that 3.1.10 sorts after 3.1.9; non-numeric parts
// compare as strings.
func lessDotted(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errx := strconv.Atoi(as[i])
		y, erry := strconv.Atoi(bs[i])
		switch {
		case errx == nil && erry == nil:
			if x != y {
				return x < y
			}
		case as[i] != bs[i]:
			return as[i] < bs[i]
		}
	}
	return len(as) < len(bs)
}

// StaleGraceFactor: a target is stale once its last complete collection is older than
// StaleGraceFactor × its expected interval (the extra half interval absorbs jitter and run time),
// with at least MinStaleGrace of slack for very short intervals.
const StaleGraceFactor = 1.5

// MinStaleGrace is the least slack given beyond the interval.
const MinStaleGrace = time.Minute

// StaleAfter is when a target whose last complete collection finished at lastComplete becomes
// stale: lastComplete + interval + max((StaleGraceFactor−1) × interval, MinStaleGrace).
func StaleAfter(lastComplete time.Time, interval time.Duration) time.Time {
	grace := time.Duration(float64(interval) * (StaleGraceFactor - 1))
	if grace < MinStaleGrace {
		grace = MinStaleGrace
	}
	return lastComplete.Add(interval + grace)
}

// Stale reports whether a target must be shown as stale (never as compliant): it has never
// completed a collection, its expected interval is unknown (<= 0: fail closed; for a cron
// schedule pass the gap between two firings), or its last complete collection is past StaleAfter.
func Stale(lastComplete time.Time, interval time.Duration, now time.Time) bool {
	if lastComplete.IsZero() || interval <= 0 {
		return true
	}
	return now.After(StaleAfter(lastComplete, interval))
}

// Combined is one scope's score across several targets, combined exactly from the weights
// their snapshots store: the ratio of summed weights, not an average of ratios.
type Combined struct {
	Value           *float64
	Evaluated       int
	Failed          int
	EvaluatedWeight float64
	FailedWeight    float64
}

// Combine adds up snapshots of one scope (one per target).
func Combine(snaps []posture.ScoreSnapshot) Combined {
	var c Combined
	for _, s := range snaps {
		c.Evaluated += s.Evaluated
		c.Failed += s.Failed
		c.EvaluatedWeight += s.EvaluatedWeight
		c.FailedWeight += s.FailedWeight
	}
	if c.EvaluatedWeight > 0 {
		v := 100 * (1 - c.FailedWeight/c.EvaluatedWeight)
		c.Value = &v
	}
	return c
}

// MeanOfAreas is the overall score from combined area scores, as Compute defines overall:
// the mean of the areas that have a score.
func MeanOfAreas(areas []Combined) *float64 {
	sum, n := 0.0, 0
	for _, a := range areas {
		if a.Value != nil {
			sum += *a.Value
			n++
		}
	}
	if n == 0 {
		return nil
	}
	v := sum / float64(n)
	return &v
}
