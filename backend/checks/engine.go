package checks

import (
	"fmt"
	"strings"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// Evaluate runs every built-in check over inv.
func Evaluate(inv *kubeinv.Inventory, cfg Config) []posture.Result {
	return Builtin().Evaluate(inv, cfg)
}

// Evaluate runs every check of the catalog over inv. Results carry the check's ID,
// severity and CSA IDs (the CSA slice is shared between results: do not modify it).
func (c *Catalog) Evaluate(inv *kubeinv.Inventory, cfg Config) []posture.Result {
	return c.EvaluateSnapshot(NewSnapshot(inv, cfg))
}

// EvaluateSnapshot runs every check over a prepared snapshot.
func (c *Catalog) EvaluateSnapshot(s *Snapshot) []posture.Result {
	per := make([][]posture.Result, len(c.checks))
	total := 0
	for i, ch := range c.checks {
		per[i] = RunCheck(ch, s)
		total += len(per[i])
	}
	out := make([]posture.Result, 0, total)
	for i := range per {
		out = append(out, per[i]...)
		per[i] = nil // let the per-check slice go as soon as it is copied
	}
	return out
}

// EvaluateEach runs every check and hands each check's results to emit as soon as that
// check is done, so that a caller that persists or aggregates results never has to hold
// all of them (the 100k-pod budget). emit must not keep the slice beyond the call.
func (c *Catalog) EvaluateEach(s *Snapshot, emit func(checkID string, results []posture.Result)) {
	for _, ch := range c.checks {
		emit(ch.ID, RunCheck(ch, s))
	}
}

// RunCheck evaluates one check and stamps its metadata on the results. A check that panics
// (a bug) yields one not-applicable result on the cluster naming the failure instead of
// crashing the whole evaluation.
//
// When the inventory misses a kind the check Needs (a partial collection), every result
// becomes not applicable with the kind as evidence: without, say, the NetworkPolicies a
// namespace would look unprotected, and a partial run must never raise a finding it
// cannot back. A missing kind the check's subjects are made of needs nothing special:
// the check just sees fewer subjects, and judges each one it sees on complete data.
func RunCheck(ch *Check, s *Snapshot) (results []posture.Result) {
	defer func() {
		if p := recover(); p != nil {
			results = []posture.Result{{
				CheckID: ch.ID, Severity: ch.Severity, CSA: ch.CSA, Asset: s.ClusterAsset(),
				Status: posture.NotApplicable, Message: fmt.Sprintf("check failed to evaluate: %v", p),
			}}
		}
	}()
	results = ch.Eval(s)
	incomplete := incompleteNeeds(ch, s.Inv)
	for i := range results {
		results[i].CheckID = ch.ID
		results[i].Severity = ch.Severity
		results[i].CSA = ch.CSA
		if incomplete != "" {
			results[i].Status = posture.NotApplicable
			results[i].Message = "not evaluated: " + incomplete + " (partial collection)"
			results[i].Evidence = map[string]string{"incomplete": incomplete}
		}
	}
	return results
}

// incompleteNeeds says which of the check's Needs the inventory misses, e.g.
// "NetworkPolicy could not be collected"; "" when it has them all.
func incompleteNeeds(ch *Check, inv *kubeinv.Inventory) string {
	var missing []string
	for _, k := range ch.Needs {
		if !inv.Has(k) {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return strings.Join(missing, ", ") + " could not be collected"
}
