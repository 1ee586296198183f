// Package scoring turns check results into the two numbers of docs/scoring.md: compliance
// (the auditor's: per CSA recommendation the share of judged subjects that pass, averaged over
// the recommendations with evidence) and risk (the security manager's: open findings weighted
// by severity and exposure, never divided by how much passes).
//
// Everything here is a pure function of its arguments: no I/O, no clock (the caller passes Now).
// A scope's numbers are a posture.ScoreSnapshot, the same shape the store keeps and the API
// serves, so a number is computed once and read the same everywhere.
package scoring

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/posture"
)

// Model is the number of the score model this package computes (docs/scoring.md, "History").
// Snapshots keep it so that numbers of different models are never compared.
const Model = 3

// DefaultMaxContributors is how many contributors a scope keeps when Options.MaxContributors is 0.
const DefaultMaxContributors = 5

// Attestation is a person's statement that a CSA recommendation is met, valid until ValidUntil.
type Attestation struct {
	CSAID      string
	ValidUntil time.Time
	// Ref identifies the stored attestation (an ID or URL) so a view can link to it. Optional.
	Ref string
}

// Options configure Compute. The zero value is usable: default weights, no owner scopes, no
// exceptions, no exposure, and every attest-mode recommendation failing for want of an attestation.
type Options struct {
	// Weights per severity, for risk; nil means posture.DefaultWeights(). A severity missing
	// from the map weighs 0.
	Weights posture.Weights
	// OwnerLabelKey is the asset label whose value defines the owner scopes (e.g. "owner").
	// Empty: no owner scopes. Results whose asset lacks the label go to the owner scope "".
	OwnerLabelKey string
	// Excepted reports whether a failed result is covered by an approved exception. It is only
	// asked about failed results. nil: nothing is excepted.
	Excepted func(posture.Result) bool
	// Exposure says what raises the weight of findings on an asset (asked once per asset).
	// nil: no exposure is known, every factor is 1.
	Exposure func(*posture.Asset) posture.Exposure
	// Attestations on record; several for one CSA ID are fine (the latest expiry wins).
	Attestations []Attestation
	// Now decides which attestations are still valid (ValidUntil strictly after Now). A zero Now
	// makes every attestation count as expired: failing closed rather than reading a clock here.
	Now time.Time
	// IgnoreAttestations leaves attestations out of compliance entirely (recommendations needing
	// one are still counted in NeedsAttestation): for `palisade scan`, which has no store of them.
	IgnoreAttestations bool
	// Recommendations is the CSA catalog to score against; nil means csa.All().
	Recommendations []csa.Recommendation
	// MaxContributors caps each scope's Contributors; 0 means DefaultMaxContributors, negative all.
	MaxContributors int
}

// AttestationStatus says whether an attest or partial recommendation has a valid attestation.
type AttestationStatus struct {
	CSAID      string
	Mode       csa.Mode
	Valid      bool
	ValidUntil time.Time // latest expiry on record; zero when there is none
	Ref        string    // of the attestation with the latest expiry
}

// Scorecard is every scope's numbers for one set of results. Scopes are posture.ScoreSnapshot
// values with ScopeKind, ScopeKey and Model set (IDs and TakenAt are the store's to fill).
type Scorecard struct {
	Overall posture.ScoreSnapshot
	// Areas holds every catalog area in numeric order (those without evidence have no
	// compliance), then any other area seen in results.
	Areas []posture.ScoreSnapshot
	// Recommendations holds every catalog recommendation in catalog order, then any other seen.
	Recommendations []posture.ScoreSnapshot
	// Namespaces and Owners hold the scopes seen in results, sorted by key. Cluster-scoped
	// assets belong to no namespace.
	Namespaces []posture.ScoreSnapshot
	Owners     []posture.ScoreSnapshot
	// Attestations lists every attest and partial recommendation in catalog order.
	Attestations []AttestationStatus
	// AttestationsIgnored: compliance left attestations out (Options.IgnoreAttestations).
	AttestationsIgnored bool
}

// LeftOut counts what compliance could not judge because attestations were left out: the
// attest-only recommendations, and the partial ones whose attested half is missing (0, 0 when
// attestations counted).
func (c Scorecard) LeftOut() (attestOnly, partial int) {
	if !c.AttestationsIgnored {
		return 0, 0
	}
	for _, s := range c.Attestations {
		if s.Mode == csa.ModeAttest {
			attestOnly++
		} else {
			partial++
		}
	}
	return attestOnly, partial
}

// LeftOutNote says in words what LeftOut counts, or "" when nothing was left out.
func (c Scorecard) LeftOutNote() string {
	a, p := c.LeftOut()
	if a == 0 && p == 0 {
		return ""
	}
	return fmt.Sprintf("leaves out %d attest-only recommendations and the attested half of %d partial ones (no attestations here)", a, p)
}

// Area returns the numbers of one area, e.g. "3.1.2".
func (c Scorecard) Area(id string) (posture.ScoreSnapshot, bool) { return find(c.Areas, id) }

// Recommendation returns the numbers of one recommendation, e.g. "3.1.2.3".
func (c Scorecard) Recommendation(id string) (posture.ScoreSnapshot, bool) {
	return find(c.Recommendations, id)
}

// Namespace returns the numbers of one namespace.
func (c Scorecard) Namespace(name string) (posture.ScoreSnapshot, bool) {
	return find(c.Namespaces, name)
}

// Owner returns the numbers of one owner label value.
func (c Scorecard) Owner(value string) (posture.ScoreSnapshot, bool) { return find(c.Owners, value) }

// Snapshots flattens the scorecard into storable snapshots: overall, areas, recommendations,
// namespaces and owners; scopes without evidence are kept too, with no compliance.
func (c Scorecard) Snapshots() []posture.ScoreSnapshot {
	out := make([]posture.ScoreSnapshot, 0, 1+len(c.Areas)+len(c.Recommendations)+len(c.Namespaces)+len(c.Owners))
	out = append(out, c.Overall)
	for _, group := range [][]posture.ScoreSnapshot{c.Areas, c.Recommendations, c.Namespaces, c.Owners} {
		out = append(out, group...)
	}
	return out
}

func find(list []posture.ScoreSnapshot, key string) (posture.ScoreSnapshot, bool) {
	for _, s := range list {
		if s.ScopeKey == key {
			return s, true
		}
	}
	return posture.ScoreSnapshot{}, false
}

// Compute scores results (one target's run, or the latest results of many targets).
func Compute(results []posture.Result, opts Options) Scorecard {
	acc := NewAccumulator(opts)
	for _, r := range results {
		acc.Add(r)
	}
	return acc.Card()
}

// ComputeByTarget scores each target on its own: results are grouped by targetOf and each
// group is scored with Compute and the same options.
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
