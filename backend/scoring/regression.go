package scoring

import (
	"fmt"

	"github.com/palisade-dev/palisade/backend/posture"
)

// ComplianceDropThreshold is how many points compliance must fall between two complete runs to
// count as a regression.
const ComplianceDropThreshold = 5.0

// Regression is a target's posture getting worse between two complete runs (docs/scoring.md,
// "Events"): risk rose by at least one critical finding's weight, or compliance fell by at
// least ComplianceDropThreshold points, both with exceptions applied.
type Regression struct {
	RiskFrom, RiskTo             float64
	ComplianceFrom, ComplianceTo *float64
	Severity                     posture.Severity
}

// Regressed compares the overall snapshots of two complete runs. Snapshots of different models
// are never compared: a new model is not a change of posture.
func Regressed(prev, cur posture.ScoreSnapshot, weights posture.Weights) (Regression, bool) {
	if prev.Model != cur.Model {
		return Regression{}, false
	}
	if weights == nil {
		weights = posture.DefaultWeights()
	}
	step := weights[posture.SeverityCritical]
	if step <= 0 {
		step = posture.DefaultWeights()[posture.SeverityCritical]
	}
	rise := cur.Risk - prev.Risk
	fall := 0.0
	if prev.Compliance != nil && cur.Compliance != nil {
		fall = *prev.Compliance - *cur.Compliance
	}
	// A hair under the step still counts: sums of weights carry floating-point dust.
	const dust = 1e-9
	if rise < step-dust && fall < ComplianceDropThreshold-dust {
		return Regression{}, false
	}
	sev := posture.SeverityMedium
	if rise >= 3*step-dust || fall >= 2*ComplianceDropThreshold-dust {
		sev = posture.SeverityHigh
	}
	return Regression{RiskFrom: prev.Risk, RiskTo: cur.Risk, ComplianceFrom: prev.Compliance, ComplianceTo: cur.Compliance, Severity: sev}, true
}

// Summary says what got worse, both numbers with their change.
func (r Regression) Summary() string {
	return fmt.Sprintf("risk %s (%s → %s); compliance %s → %s", riskChange(r.RiskTo-r.RiskFrom), FormatNumber(r.RiskFrom), FormatNumber(r.RiskTo),
		FormatCompliance(r.ComplianceFrom), FormatCompliance(r.ComplianceTo))
}

func riskChange(d float64) string {
	switch {
	case d > 0:
		return "rose " + FormatNumber(d) + " points"
	case d < 0:
		return "fell " + FormatNumber(-d) + " points"
	}
	return "unchanged"
}
