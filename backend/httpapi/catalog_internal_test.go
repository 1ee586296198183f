package httpapi

import (
	"testing"

	"github.com/palisade-dev/palisade/backend/csa"
)

// A missing attestation is no finding: the CSA view's open findings and status come from
// check results only.
func TestRecommendationStatusLeavesAttestationsOutOfFindings(t *testing.T) {
	cases := []struct {
		name                string
		mode                csa.Mode
		evaluated, findings int
		attested            bool
		status              string
	}{
		{"partial, checks pass, no attestation", csa.ModePartial, 4, 0, false, "needs_attestation"},
		{"partial, attested", csa.ModePartial, 3, 0, true, "attested"},
		{"partial, checks fail", csa.ModePartial, 3, 2, true, "failing"},
		{"attest-only, missing", csa.ModeAttest, 0, 0, false, "needs_attestation"},
		{"attest-only, attested", csa.ModeAttest, 0, 0, true, "attested"},
		{"automated, failing", csa.ModeAuto, 4, 2, false, "failing"},
		{"automated, passing", csa.ModeAuto, 4, 0, false, "passing"},
		{"automated, nothing evaluated", csa.ModeAuto, 0, 0, false, "not_evaluated"},
	}
	for _, c := range cases {
		if got := recommendationStatus(c.mode, c.evaluated, c.findings, c.attested); got != c.status {
			t.Errorf("%s: %s, want %s", c.name, got, c.status)
		}
	}
}
