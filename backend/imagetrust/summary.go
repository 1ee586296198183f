package imagetrust

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/palisade-dev/palisade/collectors/imagefacts"
)

// Summary is an image's verdicts as checks read them.
type Summary struct {
	// Rule is the name of the policy rule covering the image, "" when none does.
	Rule string
	// Signed: at least one signature (not an attestation) verified.
	Signed bool
	// SignedBy is the identity of the first verified signature.
	SignedBy string
	// Provenance: a SLSA provenance attestation verified.
	Provenance bool
	// Reasons explain a missing signature or provenance, one sentence each.
	Reasons []string
}

// Summarize sums up the verdicts vs (from Verify) on image im under p.
func Summarize(p *Policy, im *imagefacts.Image, vs []imagefacts.Verification) Summary {
	var s Summary
	if im == nil {
		return s
	}
	r := p.RuleFor(im.Registry, im.Repository)
	if r == nil {
		s.Reasons = []string{fmt.Sprintf("no trust policy rule covers %s/%s", im.Registry, im.Repository)}
		return s
	}
	s.Rule = r.Name
	var sigReasons, attReasons []string
	for _, v := range vs {
		switch {
		case v.Verified && !v.Attestation:
			if !s.Signed {
				s.Signed = true
				s.SignedBy = v.Identity
			}
		case v.Verified && imagefacts.IsProvenance(v.PredicateType):
			s.Provenance = true
		case !v.Verified && v.Attestation:
			attReasons = appendOnce(attReasons, describe(v))
		case !v.Verified:
			sigReasons = appendOnce(sigReasons, describe(v))
		}
	}
	if !s.Signed {
		if len(sigReasons) == 0 {
			s.Reasons = append(s.Reasons, fmt.Sprintf("no signature found; rule %q requires one", r.Name))
		}
		s.Reasons = append(s.Reasons, sigReasons...)
	}
	if r.RequireProvenance && !s.Provenance {
		s.Reasons = append(s.Reasons, fmt.Sprintf("rule %q requires a verified SLSA provenance attestation; none verified", r.Name))
		s.Reasons = append(s.Reasons, attReasons...)
	}
	return s
}

func describe(v imagefacts.Verification) string {
	what := string(v.Format)
	if v.Attestation && v.PredicateType != "" {
		what += " attestation " + v.PredicateType
	}
	if v.Source != "" {
		what += " (" + v.Source + ")"
	}
	return what + ": " + v.Reason
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// Parse reads a stored policy; "" is the empty policy (no rule trusts anything).
func Parse(policyJSON string) (*Policy, error) {
	p := &Policy{}
	if policyJSON == "" {
		return p, nil
	}
	if err := json.Unmarshal([]byte(policyJSON), p); err != nil {
		return nil, fmt.Errorf("trust policy: %w", err)
	}
	return p, nil
}

// Apply judges an image under p at now: its Verifications and its Trust summary.
func Apply(p *Policy, im *imagefacts.Image, now time.Time) {
	im.Verifications = Verify(p, im, now)
	s := Summarize(p, im, im.Verifications)
	im.Trust = &imagefacts.Trust{Rule: s.Rule, Signed: s.Signed, SignedBy: s.SignedBy, Provenance: s.Provenance, Reasons: s.Reasons}
}
