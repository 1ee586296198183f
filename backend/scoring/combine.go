package scoring

import (
	"github.com/palisade-dev/palisade/backend/posture"
)

// Combine adds up snapshots of one scope of several targets (a tenant's numbers from its
// targets' latest snapshots) exactly: counts and risks are summed, per-recommendation subjects
// are summed before the mean is taken, and an attestation's state is that of the newest
// snapshot (attestations are the tenant's, so the targets agree unless one is older).
// The result has the scope of the first snapshot and no IDs; limit caps the contributors
// (negative: all).
func (m Modes) Combine(snaps []posture.ScoreSnapshot, limit int) posture.ScoreSnapshot {
	var out posture.ScoreSnapshot
	if len(snaps) == 0 {
		return out
	}
	out.ScopeKind, out.ScopeKey, out.Model = snaps[0].ScopeKind, snaps[0].ScopeKey, snaps[0].Model
	recs := map[string]posture.RecTally{}
	attAt := map[string]int{} // recommendation -> index of the snapshot its attestation state came from
	byCheck := map[string]*posture.ScoreContributor{}
	for i, s := range snaps {
		out.Risk += s.Risk
		out.RiskWithoutExceptions += s.RiskWithoutExceptions
		out.Evaluated += s.Evaluated
		out.Passed += s.Passed
		out.Failed += s.Failed
		out.NotApplicable += s.NotApplicable
		out.Excepted += s.Excepted
		for sev, n := range s.OpenBySeverity {
			out.OpenBySeverity[sev] += n
		}
		if s.TakenAt.After(out.TakenAt) {
			out.TakenAt = s.TakenAt
		}
		for id, t := range s.Recs {
			cur := recs[id]
			cur.Subjects += t.Subjects
			cur.Passed += t.Passed
			cur.PassedWithoutExceptions += t.PassedWithoutExceptions
			if j, ok := attAt[id]; t.Attestation != posture.AttestationNotCounted && (!ok || s.TakenAt.After(snaps[j].TakenAt)) {
				cur.Attestation, attAt[id] = t.Attestation, i
			}
			recs[id] = cur
		}
		for _, c := range s.Contributors {
			cur := byCheck[c.CheckID]
			if cur == nil {
				cur = &posture.ScoreContributor{CheckID: c.CheckID, Severity: c.Severity}
				byCheck[c.CheckID] = cur
			}
			cur.Failed += c.Failed
			cur.Risk += c.Risk
			cur.Severity = max(cur.Severity, c.Severity)
		}
	}
	if len(recs) > 0 {
		out.Recs = recs
	}
	out.Compliance, out.Recommendations = m.Compliance(recs, true)
	out.ComplianceWithoutExceptions, _ = m.Compliance(recs, false)
	out.NeedsAttestation = needsAttestation(recs)
	if len(attAt) == 0 {
		// Where attestations do not count (scans) the snapshots still say what needs one.
		for _, s := range snaps {
			out.NeedsAttestation = max(out.NeedsAttestation, s.NeedsAttestation)
		}
	}
	for _, c := range byCheck {
		out.Contributors = append(out.Contributors, *c)
	}
	out.Contributors = capContributors(sortContributors(out.Contributors), limit)
	return out
}
