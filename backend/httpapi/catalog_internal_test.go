package httpapi

import (
	"testing"

	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/posture"
)

// A missing attestation counts as a failed result in scores but is no finding: the CSA
// view's open findings and status come from check results only.
func TestRecommendationStatusLeavesAttestationsOutOfFindings(t *testing.T) {
	unattested := posture.ScoreSnapshot{Evaluated: 3, Passed: 2, Failed: 1, NeedsAttestation: 1} // checks pass, attestation missing
	attested := posture.ScoreSnapshot{Evaluated: 3, Passed: 3}
	failing := posture.ScoreSnapshot{Evaluated: 3, Passed: 0, Failed: 3, NeedsAttestation: 1} // two checks fail
	cases := []struct {
		name     string
		mode     csa.Mode
		snaps    []posture.ScoreSnapshot
		attested bool
		findings int
		status   string
	}{
		{"partial, checks pass, no attestation", csa.ModePartial, []posture.ScoreSnapshot{unattested, unattested}, false, 0, "needs_attestation"},
		{"partial, attested since the last run", csa.ModePartial, []posture.ScoreSnapshot{unattested}, true, 0, "attested"},
		{"partial, attested at the last run", csa.ModePartial, []posture.ScoreSnapshot{attested}, true, 0, "attested"},
		{"partial, checks fail", csa.ModePartial, []posture.ScoreSnapshot{failing, unattested}, true, 2, "failing"},
		{"attest-only, missing", csa.ModeAttest, []posture.ScoreSnapshot{{Evaluated: 1, Failed: 1, NeedsAttestation: 1}}, false, 0, "needs_attestation"},
		{"automated, failing", csa.ModeAuto, []posture.ScoreSnapshot{{Evaluated: 4, Failed: 2}}, false, 2, "failing"},
		{"automated, nothing evaluated", csa.ModeAuto, nil, false, 0, "not_evaluated"},
	}
	for _, c := range cases {
		evaluated := 0
		for _, s := range c.snaps {
			evaluated += s.Evaluated
		}
		failed := checkFailures(c.mode, c.snaps)
		if got := recommendationStatus(c.mode, evaluated, failed, c.attested); failed != c.findings || got != c.status {
			t.Errorf("%s: %d findings, %s; want %d, %s", c.name, failed, got, c.findings, c.status)
		}
	}
}
