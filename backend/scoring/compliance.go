package scoring

import (
	"sort"

	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/posture"
)

// Modes maps recommendation IDs to their mode; an ID it does not know is automated.
type Modes map[string]csa.Mode

// ModesOf indexes a catalog (nil: csa.All()).
func ModesOf(recs []csa.Recommendation) Modes {
	if recs == nil {
		recs = csa.All()
	}
	m := make(Modes, len(recs))
	for _, r := range recs {
		m[r.ID] = r.Mode
	}
	return m
}

// Of is a recommendation's mode; automated when the catalog does not know it.
func (m Modes) Of(id string) csa.Mode {
	if mode, ok := m[id]; ok {
		return mode
	}
	return csa.ModeAuto
}

// RecCompliance is one recommendation's compliance from its evidence (docs/scoring.md):
// automated, the share of subjects passing; attest, 100 or 0 by the attestation; partial, the
// mean of the two halves that have evidence. nil: no evidence.
func RecCompliance(mode csa.Mode, t posture.RecTally, withExceptions bool) *float64 {
	var checked, attested *float64
	if t.Subjects > 0 && mode != csa.ModeAttest {
		passed := t.PassedWithoutExceptions
		if withExceptions {
			passed = t.Passed
		}
		v := 100 * float64(passed) / float64(t.Subjects)
		checked = &v
	}
	if mode != csa.ModeAuto {
		switch t.Attestation {
		case posture.AttestationValid:
			v := 100.0
			attested = &v
		case posture.AttestationMissing:
			v := 0.0
			attested = &v
		}
	}
	switch {
	case checked != nil && attested != nil:
		v := (*checked + *attested) / 2
		return &v
	case checked != nil:
		return checked
	default:
		return attested
	}
}

// Compliance is a scope's compliance: the mean over its recommendations with evidence, and
// how many that is. nil and 0 when none has evidence.
func (m Modes) Compliance(recs map[string]posture.RecTally, withExceptions bool) (*float64, int) {
	ids := make([]string, 0, len(recs))
	for id := range recs {
		ids = append(ids, id)
	}
	// One order, so that the same evidence always gives the same last digit.
	sort.Strings(ids)
	sum, n := 0.0, 0
	for _, id := range ids {
		if v := RecCompliance(m.Of(id), recs[id], withExceptions); v != nil {
			sum += *v
			n++
		}
	}
	if n == 0 {
		return nil, 0
	}
	v := sum / float64(n)
	return &v, n
}

// needsAttestation counts the recommendations whose attestation is missing.
func needsAttestation(recs map[string]posture.RecTally) int {
	n := 0
	for _, t := range recs {
		if t.Attestation == posture.AttestationMissing {
			n++
		}
	}
	return n
}
