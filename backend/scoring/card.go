package scoring

import (
	"sort"

	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/posture"
)

// Card adds the subjects and attestations up and returns the scorecard of everything added.
func (a *Accumulator) Card() Scorecard {
	a.countSubjects()
	statuses := a.countAttestations()

	limit := a.opts.MaxContributors
	if limit == 0 {
		limit = DefaultMaxContributors
	}
	card := Scorecard{Attestations: statuses, AttestationsIgnored: a.opts.IgnoreAttestations, Overall: a.finish(posture.ScopeOverall, "", a.overall, limit)}
	for _, id := range appendExtra(a.areaOrder, a.areas) {
		card.Areas = append(card.Areas, a.finish(posture.ScopeArea, id, a.areas[id], limit))
	}
	for _, id := range appendExtra(a.recOrder, a.recScopes) {
		card.Recommendations = append(card.Recommendations, a.finish(posture.ScopeRecommendation, id, a.recScopes[id], limit))
	}
	card.Namespaces = a.finishAll(posture.ScopeNamespace, a.namespaces, limit)
	card.Owners = a.finishAll(posture.ScopeOwner, a.owners, limit)
	return card
}

// countSubjects turns each recommendation's subject states into tallies of every scope the
// subject is in: the whole, the recommendation's area and itself, its namespace and owner.
func (a *Accumulator) countSubjects() {
	for rec, states := range a.subjects {
		whole := []*scope{a.overall, getScope(a.areas, csa.AreaOf(rec)), getScope(a.recScopes, rec)}
		for idx, st := range states {
			if st&subjectJudged == 0 {
				continue
			}
			scopes := whole
			asset := a.assets[idx]
			if ns := asset.ScopeNamespace(); ns != "" {
				scopes = append(scopes[:len(whole):len(whole)], getScope(a.namespaces, ns))
			}
			if a.opts.OwnerLabelKey != "" {
				scopes = append(scopes[:len(scopes):len(scopes)], getScope(a.owners, asset.Labels[a.opts.OwnerLabelKey]))
			}
			for _, s := range scopes {
				t := s.tally(rec)
				t.Subjects++
				if st&subjectFailedUnexcepted == 0 {
					t.Passed++
				}
				if st&subjectFailed == 0 {
					t.PassedWithoutExceptions++
				}
				s.setTally(rec, t)
			}
		}
	}
}

// countAttestations sets the attestation state of every attest and partial recommendation in
// the scopes attestations count in (the whole, areas, recommendations), and lists them.
func (a *Accumulator) countAttestations() []AttestationStatus {
	opts := a.opts
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
		state := posture.AttestationValid
		if !valid {
			state = posture.AttestationMissing
		}
		for _, s := range []*scope{a.overall, a.areas[rec.Area()], a.recScopes[rec.ID]} {
			if !valid {
				s.needsAtt++
			}
			if !opts.IgnoreAttestations {
				t := s.tally(rec.ID)
				t.Attestation = state
				s.setTally(rec.ID, t)
			}
		}
	}
	return statuses
}

func (a *Accumulator) finish(kind, key string, s *scope, limit int) posture.ScoreSnapshot {
	snap := posture.ScoreSnapshot{ScopeKind: kind, ScopeKey: key, Model: Model,
		Risk: s.risk, RiskWithoutExceptions: s.riskWithout,
		Evaluated: s.passed + s.failed, Passed: s.passed, Failed: s.failed, NotApplicable: s.na, Excepted: s.excepted,
		OpenBySeverity: s.open, NeedsAttestation: s.needsAtt, Recs: s.recs}
	snap.Compliance, snap.Recommendations = a.modes.Compliance(s.recs, true)
	snap.ComplianceWithoutExceptions, _ = a.modes.Compliance(s.recs, false)
	for _, c := range s.byCheck {
		snap.Contributors = append(snap.Contributors, *c)
	}
	snap.Contributors = capContributors(sortContributors(snap.Contributors), limit)
	return snap
}

func (a *Accumulator) finishAll(kind string, m map[string]*scope, limit int) []posture.ScoreSnapshot {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]posture.ScoreSnapshot, 0, len(keys))
	for _, k := range keys {
		out = append(out, a.finish(kind, k, m[k], limit))
	}
	return out
}

// sortContributors orders the checks that add the most risk first.
func sortContributors(cs []posture.ScoreContributor) []posture.ScoreContributor {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Risk != cs[j].Risk {
			return cs[i].Risk > cs[j].Risk
		}
		if cs[i].Failed != cs[j].Failed {
			return cs[i].Failed > cs[j].Failed
		}
		return cs[i].CheckID < cs[j].CheckID
	})
	return cs
}

func capContributors(cs []posture.ScoreContributor, limit int) []posture.ScoreContributor {
	if limit >= 0 && len(cs) > limit {
		return cs[:limit:limit]
	}
	return cs
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
	return append(append([]string(nil), order...), extra...)
}
