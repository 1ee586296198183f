// Package alerting decides what is worth telling whom: drift events from comparing a run
// with the previous complete run, the rules that select them, and the retry schedule of
// deliveries. Pure functions over posture types; the store persists, the outbox worker
// delivers.
package alerting

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
)

// Drift kinds.
const (
	KindNewFinding = "new_finding" // a check fails that passed (or did not exist) before
	KindRegression = "regression"  // a resolved finding is back
	KindResolved   = "resolved"    // a finding is gone
	KindScoreDrop  = "score_drop"  // risk rose by a critical finding's weight, or compliance fell 5 points
	// KindConfigDrift: a watched configuration field changed (see ConfigDrift).
	KindConfigDrift = "config_drift"
	// Governance events, raised by time rather than by runs.
	KindExceptionExpired   = "exception_expired"
	KindAttestationExpired = "attestation_expired"
	KindTicketOverdue      = "ticket_overdue"
	// KindNewVulnerability: an advisory refresh found a vulnerability new to an image
	// that runs on the target (no new run of the target was needed).
	KindNewVulnerability = "new_vulnerability"
)

// Kinds lists every event kind a rule may select.
var Kinds = []string{KindNewFinding, KindRegression, KindResolved, KindScoreDrop, KindConfigDrift, KindExceptionExpired, KindAttestationExpired, KindTicketOverdue, KindNewVulnerability}

// Event is one change between two complete runs of a target.
type Event struct {
	Kind      string
	Severity  posture.Severity
	TenantID  int64
	TargetID  int64
	RunID     int64
	PrevRunID int64
	CheckID   string
	CSA       []string
	AssetKey  string
	Namespace string
	FindingID int64
	Summary   string
	Details   map[string]string
	// Changes are the watched fields a config_drift event is about.
	Changes []FieldChange
	At      time.Time
}

// DedupKey names the event so that a retried run or a restart never alerts twice for it.
func (e Event) DedupKey() string {
	if e.Kind == KindConfigDrift {
		return configDedupKey(e)
	}
	if e.Kind == KindNewVulnerability {
		return fmt.Sprintf("%s:%s:%s:%s:target:%d", e.Kind, e.Details["advisory"], e.Details["digest"], e.Details["package"], e.TargetID)
	}
	if e.FindingID != 0 {
		return fmt.Sprintf("%s:%d:finding:%d", e.Kind, e.RunID, e.FindingID)
	}
	return fmt.Sprintf("%s:%d:target:%d", e.Kind, e.RunID, e.TargetID)
}

// FindingChange is one finding's transition in a run, as the lifecycle saw it.
type FindingChange struct {
	FindingID int64
	Kind      string // KindNewFinding, KindRegression or KindResolved
	Severity  posture.Severity
	CheckID   string
	CSA       []string
	AssetKey  string
	Namespace string
	Message   string
}

// ScoreDrop is a target's posture regressing between two complete runs (scoring.Regressed):
// risk rose by at least one critical finding's weight, or compliance fell 5 points or more.
type ScoreDrop struct {
	Severity posture.Severity
	Summary  string
	Details  map[string]string // risk_from, risk_to, compliance_from, compliance_to, model
}

// Drift turns a complete run's finding changes and its score regression (nil: none) into
// events. prev is the previous complete run (0: this is the target's first, its baseline: no
// events).
func Drift(tenantID, targetID, runID, prev int64, at time.Time, changes []FindingChange, drop *ScoreDrop) []Event {
	if prev == 0 {
		return nil
	}
	out := make([]Event, 0, len(changes)+1)
	for _, c := range changes {
		sev := c.Severity
		if c.Kind == KindResolved {
			sev = posture.SeverityInfo
		}
		out = append(out, Event{Kind: c.Kind, Severity: sev, TenantID: tenantID, TargetID: targetID, RunID: runID, PrevRunID: prev,
			CheckID: c.CheckID, CSA: c.CSA, AssetKey: c.AssetKey, Namespace: c.Namespace, FindingID: c.FindingID,
			Summary: summary(c), At: at})
	}
	if drop != nil {
		out = append(out, Event{Kind: KindScoreDrop, Severity: drop.Severity, TenantID: tenantID, TargetID: targetID, RunID: runID,
			PrevRunID: prev, Summary: drop.Summary, Details: drop.Details, At: at})
	}
	return out
}

func summary(c FindingChange) string {
	switch c.Kind {
	case KindRegression:
		return fmt.Sprintf("%s is failing again on %s: %s", c.CheckID, c.AssetKey, c.Message)
	case KindResolved:
		return fmt.Sprintf("%s no longer fails on %s", c.CheckID, c.AssetKey)
	}
	return fmt.Sprintf("%s now fails on %s: %s", c.CheckID, c.AssetKey, c.Message)
}

// Rule routes selected events to a channel. Empty selectors select everything.
type Rule struct {
	ID          int64
	TenantID    int64
	Name        string
	MinSeverity posture.Severity
	Checks      []string // check ids
	Areas       []string // CSA area or recommendation ids, by prefix
	Targets     []int64
	Kinds       []string // drift kinds
	ChannelID   int64
	Digest      bool // batch matching events into one message per run
	Enabled     bool
}

// Matches reports whether the rule selects the event.
func (r Rule) Matches(e Event) bool {
	if !r.Enabled || e.TenantID != r.TenantID || e.Severity < r.MinSeverity {
		return false
	}
	if len(r.Kinds) > 0 && !slices.Contains(r.Kinds, e.Kind) {
		return false
	}
	if len(r.Checks) > 0 && !slices.Contains(r.Checks, e.CheckID) {
		return false
	}
	if len(r.Targets) > 0 && !slices.Contains(r.Targets, e.TargetID) {
		return false
	}
	if len(r.Areas) > 0 && !inAreas(e.CSA, r.Areas) {
		return false
	}
	return true
}

func inAreas(csa, areas []string) bool {
	for _, id := range csa {
		for _, a := range areas {
			if id == a || strings.HasPrefix(id, a+".") {
				return true
			}
		}
	}
	return false
}

// Backoff is the wait before delivery attempt n+1 after n failures: 30 s doubling up to an
// hour, with ±20% jitter so that a recovering receiver is not hit by every retry at once.
func Backoff(failures int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < failures && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	jitter := time.Duration((rand.Float64()*0.4 - 0.2) * float64(d))
	return d + jitter
}

// MaxAttempts bounds retries: after it the delivery is dead and shown as such.
const MaxAttempts = 12

// Channel is where alerts go: a webhook, a Slack-compatible webhook or e-mail. Secret (the
// webhook signing key, the Slack URL, the SMTP password) is sealed at rest.
type Channel struct {
	ID        int64
	TenantID  int64
	Name      string
	Kind      string
	Settings  map[string]string
	Secret    []byte
	Enabled   bool
	CreatedAt time.Time
}

// ChannelRemoval is what deleting a channel took with it: the rules that routed to it and
// its deliveries, queued and past.
type ChannelRemoval struct {
	Channel    Channel
	Rules      []Rule
	Deliveries int64
}

// Delivery is one queued notification, claimed by an outbox worker.
type Delivery struct {
	ID        int64
	TenantID  int64
	ChannelID int64
	DedupKey  string
	Payload   []byte
	Attempts  int
}

// DeliveryStatus is a queued notification as people see it.
type DeliveryStatus struct {
	ID        int64
	ChannelID int64
	DedupKey  string
	Status    string
	Attempts  int
	LastError string
	CreatedAt time.Time
	SentAt    *time.Time
}

// DriftFilter narrows a listing of drift events; the zero value lists from the newest.
type DriftFilter struct {
	BeforeID int64    // events with a smaller id (the cursor); 0: from the newest
	Kinds    []string // any of these kinds; empty: all
	TargetID int64    // 0: every target
	Limit    int
}

// DriftEvent is a stored drift event.
type DriftEvent struct {
	ID       int64
	TargetID int64
	RunID    int64
	Kind     string
	Severity posture.Severity
	AssetKey string
	CheckID  string
	Summary  string
	// Details are the event's facts (score_drop: from, to; config_drift: watch and more);
	// Changes the fields a config_drift event is about.
	Details   map[string]string
	Changes   []FieldChange
	CreatedAt time.Time
}
