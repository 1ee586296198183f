package posture

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/labels"
)

// Fingerprint identifies a finding across runs: the same check failing on the same part of
// the same asset of the same target is the same finding.
func Fingerprint(tenantID, targetID int64, assetKey, checkID, subKey string) string {
	h := sha256.New()
	for _, p := range []string{strconv.FormatInt(tenantID, 10), strconv.FormatInt(targetID, 10), assetKey, checkID, subKey} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ExceptionMatcher decides whether a failed result is covered by an approved, unexpired
// exception. Build it once per run with NewExceptionMatcher.
type ExceptionMatcher struct {
	byFingerprint map[string]bool
	scoped        []scopedException
}

type scopedException struct {
	checkID   string
	targetID  int64
	namespace string
	selector  labels.Selector
}

// ActiveException is an approved exception as a run applies it; Fingerprint is set for
// finding-level exceptions.
type ActiveException struct {
	Exception
	Fingerprint string
}

// NewExceptionMatcher keeps the exceptions valid at now. A malformed label selector makes
// its exception match nothing: failing closed keeps the finding visible.
func NewExceptionMatcher(list []ActiveException, now time.Time) *ExceptionMatcher {
	m := &ExceptionMatcher{byFingerprint: map[string]bool{}}
	for _, e := range list {
		if e.Status != ExceptionApproved || !now.Before(e.ExpiresAt) {
			continue
		}
		if e.Fingerprint != "" {
			m.byFingerprint[e.Fingerprint] = true
			continue
		}
		sel := labels.Everything()
		if e.LabelSelector != "" {
			s, err := labels.Parse(e.LabelSelector)
			if err != nil {
				continue
			}
			sel = s
		}
		var target int64
		if e.TargetID != nil {
			target = *e.TargetID
		}
		m.scoped = append(m.scoped, scopedException{checkID: e.CheckID, targetID: target, namespace: e.Namespace, selector: sel})
	}
	return m
}

// Excepted reports whether the failed result r, collected for the target, is excepted.
func (m *ExceptionMatcher) Excepted(tenantID, targetID int64, r Result) bool {
	if m == nil || r.Status != Fail {
		return false
	}
	if len(m.byFingerprint) > 0 && m.byFingerprint[Fingerprint(tenantID, targetID, r.Asset.Key, r.CheckID, r.SubKey)] {
		return true
	}
	for _, s := range m.scoped {
		if s.checkID == r.CheckID && (s.targetID == 0 || s.targetID == targetID) &&
			(s.namespace == "" || s.namespace == r.Asset.Namespace) && s.selector.Matches(labels.Set(r.Asset.Labels)) {
			return true
		}
	}
	return false
}

// ExceptionReport is the review list of a tenant's approved exceptions: those that expire
// within Within of GeneratedAt, and those that cover nothing any more (their findings fixed
// or gone), which should be revoked rather than left to suppress a future regression.
type ExceptionReport struct {
	GeneratedAt time.Time
	Within      time.Duration
	Expiring    []Exception
	Unmatched   []UnmatchedException
}

// UnmatchedException is an approved exception that covers no open or suppressed finding.
type UnmatchedException struct {
	Exception
	Reason string
}

// Covers returns the test of whether the approved exception e, valid at now, covers a
// failure of checkID on an asset with the namespace and labels, collected for the target.
// The label selector is parsed once, here, so one exception can be tested against many
// assets. An exception not valid at now, or with a malformed selector, covers nothing.
// Finding-level exceptions are matched by fingerprint instead (NewExceptionMatcher) and
// cover nothing here.
func (e ActiveException) Covers(now time.Time) func(targetID int64, checkID, namespace string, assetLabels map[string]string) bool {
	m := NewExceptionMatcher([]ActiveException{e}, now)
	if len(m.scoped) != 1 {
		return func(int64, string, string, map[string]string) bool { return false }
	}
	return func(targetID int64, checkID, namespace string, assetLabels map[string]string) bool {
		return m.Excepted(e.TenantID, targetID, Result{Status: Fail, CheckID: checkID, Asset: &Asset{Namespace: namespace, Labels: assetLabels}})
	}
}
