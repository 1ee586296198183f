package scoring

import (
	"slices"
	"sort"

	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/posture"
)

// Accumulator scores results as they arrive, so that a caller never has to hold them all
// (`palisade scan` streams a check's results to the report and here, then lets them go).
// Add every result, then call Card once.
//
// Per scope it keeps result counts and risk; per recommendation it keeps one byte per subject
// (asset), so that a subject failing several checks of a recommendation counts once: a few
// megabytes for 100,000 workloads.
type Accumulator struct {
	opts    Options
	weights posture.Weights
	recs    []csa.Recommendation
	modes   Modes

	overall    *scope
	areas      map[string]*scope
	recScopes  map[string]*scope
	namespaces map[string]*scope
	owners     map[string]*scope
	areaOrder  []string
	recOrder   []string

	assetIndex map[subjectID]int32
	assets     []*posture.Asset
	factors    []float64
	subjects   map[string][]subjectState // recommendation -> state per asset index
	targets    []*scope                  // scratch for Add
}

// subjectState is what one recommendation's checks said about one asset.
type subjectState uint8

const (
	subjectJudged           subjectState = 1 << iota // at least one pass or fail
	subjectFailed                                    // some result failed (exceptions ignored)
	subjectFailedUnexcepted                          // some failed result is not excepted
)

// scope accumulates one scope's results and risk.
type scope struct {
	passed, failed, na, excepted int
	risk, riskWithout            float64
	open                         posture.SeverityCounts
	byCheck                      map[string]*posture.ScoreContributor
	recs                         map[string]posture.RecTally
	needsAtt                     int
}

func (s *scope) add(r posture.Result, w float64, st verdict) {
	switch st {
	case vPass:
		s.passed++
	case vNA:
		s.na++
	case vFail, vExcepted:
		s.failed++
		s.riskWithout += w
		if st == vExcepted {
			s.excepted++
			return
		}
		s.risk += w
		if r.Severity >= posture.SeverityInfo && r.Severity <= posture.SeverityCritical {
			s.open[r.Severity]++
		}
		if s.byCheck == nil {
			s.byCheck = map[string]*posture.ScoreContributor{}
		}
		c := s.byCheck[r.CheckID]
		if c == nil {
			c = &posture.ScoreContributor{CheckID: r.CheckID, Severity: r.Severity}
			s.byCheck[r.CheckID] = c
		}
		c.Failed++
		c.Risk += w
		if r.Severity > c.Severity {
			c.Severity = r.Severity
		}
	}
}

func (s *scope) tally(rec string) posture.RecTally {
	if s.recs == nil {
		return posture.RecTally{}
	}
	return s.recs[rec]
}

func (s *scope) setTally(rec string, t posture.RecTally) {
	if s.recs == nil {
		s.recs = map[string]posture.RecTally{}
	}
	s.recs[rec] = t
}

type verdict int

const (
	vPass verdict = iota
	vFail
	vNA
	vExcepted
)

// NewAccumulator starts a scorecard; catalog scopes exist from the start, so the UI can show
// "no evidence".
func NewAccumulator(opts Options) *Accumulator {
	a := &Accumulator{opts: opts, weights: opts.Weights, recs: opts.Recommendations,
		overall: &scope{}, areas: map[string]*scope{}, recScopes: map[string]*scope{}, namespaces: map[string]*scope{},
		owners: map[string]*scope{}, assetIndex: map[subjectID]int32{}, subjects: map[string][]subjectState{}}
	if a.weights == nil {
		a.weights = posture.DefaultWeights()
	}
	if a.recs == nil {
		a.recs = csa.All()
	}
	a.modes = ModesOf(a.recs)
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

// subjectID identifies an asset across results: its target and key (results about one asset
// usually share one *Asset, but need not).
type subjectID struct {
	target int64
	key    string
	anon   *posture.Asset // only for an asset without a key
}

// asset indexes an asset once, with its exposure factor.
func (a *Accumulator) asset(x *posture.Asset) int32 {
	id := subjectID{target: x.TargetID, key: x.Key}
	if x.Key == "" {
		id.anon = x
	}
	if i, ok := a.assetIndex[id]; ok {
		return i
	}
	i := int32(len(a.assets))
	a.assetIndex[id] = i
	a.assets = append(a.assets, x)
	f := 1.0
	if a.opts.Exposure != nil {
		f = a.opts.Exposure(x).Factor()
	}
	a.factors = append(a.factors, f)
	return i
}

// Add counts one result: pass, not applicable, or (anything else, failing closed) a failure,
// excepted when opts.Excepted says so.
func (a *Accumulator) Add(r posture.Result) {
	idx := a.asset(r.Asset)
	st := vFail
	switch r.Status {
	case posture.Pass:
		st = vPass
	case posture.NotApplicable:
		st = vNA
	default:
		if a.opts.Excepted != nil && a.opts.Excepted(r) {
			st = vExcepted
		}
	}
	w := a.weights[r.Severity] * a.factors[idx]
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
		if st != vNA {
			a.judge(id, idx, st)
		}
	}
	if ns := r.Asset.ScopeNamespace(); ns != "" {
		targets = append(targets, getScope(a.namespaces, ns))
	}
	if a.opts.OwnerLabelKey != "" {
		targets = append(targets, getScope(a.owners, r.Asset.Labels[a.opts.OwnerLabelKey]))
	}
	for _, s := range targets {
		s.add(r, w, st)
	}
	a.targets = targets
}

// judge records a pass or fail of one of rec's checks on the asset at idx.
func (a *Accumulator) judge(rec string, idx int32, st verdict) {
	states := a.subjects[rec]
	if int(idx) >= len(states) {
		states = append(states, make([]subjectState, int(idx)+1-len(states))...)
	}
	s := states[idx] | subjectJudged
	switch st {
	case vFail:
		s |= subjectFailed | subjectFailedUnexcepted
	case vExcepted:
		s |= subjectFailed
	}
	states[idx] = s
	a.subjects[rec] = states
}
