package posture

import (
	"slices"
	"time"
)

// Tenant is an organization. Every piece of customer data belongs to exactly one tenant.
type Tenant struct {
	ID        int64
	Slug      string // URL-safe, unique
	Name      string
	CreatedAt time.Time
}

// Role is what a user may do inside one tenant.
type Role string

const (
	RoleAdmin           Role = "admin"
	RoleSecurityManager Role = "security-manager"
	RoleOperator        Role = "operator"
	RoleAuditor         Role = "auditor"
	RoleViewer          Role = "viewer"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleSecurityManager, RoleOperator, RoleAuditor, RoleViewer}

// Outranks reports whether r is more powerful than o (an unknown role ranks below every
// known one).
func (r Role) Outranks(o Role) bool {
	rank := func(x Role) int {
		if i := slices.Index(Roles, x); i >= 0 {
			return i
		}
		return len(Roles)
	}
	return rank(r) < rank(o)
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if r == k {
			return true
		}
	}
	return false
}

// User is a person known through the identity provider.
type User struct {
	ID          int64
	Issuer      string
	Subject     string
	Email       string
	DisplayName string
	CreatedAt   time.Time
	LastLoginAt *time.Time
}

// RoleBinding grants a user a role in a tenant.
type RoleBinding struct {
	TenantID int64
	UserID   int64
	Role     Role
	// GrantedBy is the claim value (group) whose role mapping granted a claim-derived
	// binding; "" otherwise.
	GrantedBy string
}

// TargetKind is what a target points at.
type TargetKind string

const (
	TargetCluster   TargetKind = "cluster"
	TargetRegistry  TargetKind = "registry"
	TargetHost      TargetKind = "host"
	TargetManifests TargetKind = "manifests"
)

// Valid reports whether k is a known target kind.
func (k TargetKind) Valid() bool {
	switch k {
	case TargetCluster, TargetRegistry, TargetHost, TargetManifests:
		return true
	}
	return false
}

// Target is something Palisade collects from on a schedule.
type Target struct {
	ID       int64
	TenantID int64
	Name     string
	Kind     TargetKind
	// Settings are kind-specific, non-secret parameters (kubeconfig context, registry URL, path).
	Settings map[string]string
	// Schedule is a cron expression or a Go duration ("15m").
	Schedule string
	// Credentials are sealed (AES-256-GCM); only the collector that needs them opens them.
	Credentials []byte
	Enabled     bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// RunStatus is how a collection ended.
type RunStatus string

const (
	RunRunning  RunStatus = "running"
	RunComplete RunStatus = "complete" // everything was seen: absent findings may be resolved
	RunPartial  RunStatus = "partial"  // some resources could not be read: resolve nothing
	RunFailed   RunStatus = "failed"   // nothing usable was collected
)

// Run is one collection of one target.
type Run struct {
	ID         int64
	TenantID   int64
	TargetID   int64
	Status     RunStatus
	StartedAt  time.Time
	FinishedAt *time.Time
	Assets     int
	Evaluated  int // results that were pass or fail
	Failed     int
	Opened     int
	Resolved   int
	Reopened   int
	Errors     []CollectionError
	// Owner names the process collecting a running run; HeartbeatAt is when it last said it
	// was still at work. A run whose owner stopped is ended as interrupted.
	Owner       string
	HeartbeatAt *time.Time
}

// CollectionError says which source (file, resource type, endpoint) could not be read and why.
type CollectionError struct {
	Source  string `json:"source"`
	Message string `json:"message"`
}

// AssetKind is the kind of thing a check looks at.
type AssetKind string

const (
	AssetCluster    AssetKind = "cluster"
	AssetNamespace  AssetKind = "namespace"
	AssetWorkload   AssetKind = "workload"
	AssetContainer  AssetKind = "container"
	AssetNode       AssetKind = "node"
	AssetRBAC       AssetKind = "rbac"
	AssetService    AssetKind = "service"
	AssetIngress    AssetKind = "ingress"
	AssetStorage    AssetKind = "storageclass"
	AssetRegistry   AssetKind = "registry"
	AssetRepository AssetKind = "repository"
	AssetImage      AssetKind = "image"
	AssetHost       AssetKind = "host"
)

// Asset is one thing a target holds, in a tree (cluster > namespace > workload > container;
// registry > repository > image; host).
type Asset struct {
	ID        int64
	TenantID  int64
	TargetID  int64
	Kind      AssetKind
	Key       string // stable natural key within the target, e.g. "apps/Deployment/shop/web"
	ParentKey string
	Name      string
	Namespace string
	Labels    map[string]string
	FirstSeen time.Time
	LastSeen  time.Time
}

// ScopeNamespace is the namespace the asset counts in (findings, scores, filters): its own,
// or itself for a Namespace; "" for cluster-scoped assets.
func (a *Asset) ScopeNamespace() string {
	if a.Namespace != "" {
		return a.Namespace
	}
	if a.Kind == AssetNamespace {
		return a.Name
	}
	return ""
}

// ResultStatus is a check's verdict on one asset.
type ResultStatus string

const (
	Pass          ResultStatus = "pass"
	Fail          ResultStatus = "fail"
	NotApplicable ResultStatus = "not_applicable"
)

// Result is one check's verdict on one asset (and optionally one part of it, the SubKey,
// e.g. a container name). Evidence must already be redacted: never a secret value.
type Result struct {
	CheckID  string
	Severity Severity
	CSA      []string
	// Asset is shared by every result about the same asset (a large cluster has millions of
	// results and tens of thousands of assets). Never nil.
	Asset    *Asset
	SubKey   string
	Status   ResultStatus
	Message  string
	Evidence map[string]string
	// Excepted: an approved exception covers this failure; its finding is suppressed (it
	// leaves the score but stays visible).
	Excepted bool
}

// FindingStatus is where a finding is in its lifecycle.
type FindingStatus string

const (
	FindingOpen       FindingStatus = "open"
	FindingResolved   FindingStatus = "resolved"
	FindingSuppressed FindingStatus = "suppressed" // covered by an approved exception
)

// Finding is a failed check on an asset, tracked across runs by its fingerprint.
type Finding struct {
	ID          int64
	TenantID    int64
	TargetID    int64
	AssetID     int64
	AssetKey    string
	CheckID     string
	SubKey      string
	Fingerprint string
	Severity    Severity
	Status      FindingStatus
	Message     string
	Evidence    map[string]string
	Namespace   string
	OwnerLabel  string
	Triage      Triage
	Assignee    string
	FirstSeen   time.Time
	LastSeen    time.Time
	ResolvedAt  *time.Time
	LastRunID   int64
}

// FindingEventKind names a lifecycle transition.
type FindingEventKind string

const (
	EventOpened     FindingEventKind = "opened"
	EventResolved   FindingEventKind = "resolved"
	EventReopened   FindingEventKind = "reopened"
	EventSuppressed FindingEventKind = "suppressed"
	EventStatus     FindingEventKind = "status_changed"
)

// FindingEvent records one transition of a finding.
type FindingEvent struct {
	ID        int64
	TenantID  int64
	FindingID int64
	RunID     *int64
	Kind      FindingEventKind
	Actor     string
	Note      string
	At        time.Time
}

// AuditEntry records who did what, when and from where. Entries are hash-chained.
type AuditEntry struct {
	ID        int64
	TenantID  *int64 // nil for system-wide events such as a failed login
	Actor     string
	Action    string
	Object    string
	Before    string
	After     string
	RemoteIP  string
	RequestID string
	At        time.Time
	PrevHash  string
	Hash      string
}

// Score scopes stored in snapshots.
const (
	ScopeOverall        = "overall"
	ScopeArea           = "area"
	ScopeRecommendation = "recommendation"
	ScopeNamespace      = "namespace"
	ScopeOwner          = "owner"
)

// ScoreSnapshot is one scope's numbers as of one run, with what explains them
// (docs/scoring.md: compliance for the auditor, risk for the security manager).
type ScoreSnapshot struct {
	ID        int64
	TenantID  int64
	TargetID  int64
	RunID     int64
	ScopeKind string
	ScopeKey  string
	// Model is the score model that computed the snapshot; numbers of different models are
	// never compared (no false score-drop alert when the model changes).
	Model int
	// Compliance is the mean over recommendations with evidence of their pass share, 0–100,
	// with approved exceptions applied; nil when no recommendation has evidence: never a fake 100.
	Compliance                  *float64
	ComplianceWithoutExceptions *float64
	// Recommendations is how many recommendations Compliance averages.
	Recommendations int
	// Risk is the open findings weighted by severity and exposure (exceptions applied).
	Risk                  float64
	RiskWithoutExceptions float64
	// Evaluated, Passed, Failed and NotApplicable count check results; Excepted counts the
	// failed ones an approved exception covers (in Failed too). Attestations are not results.
	Evaluated     int
	Passed        int
	Failed        int
	NotApplicable int
	Excepted      int
	// OpenBySeverity counts the open (unexcepted) findings per severity, indexed by Severity.
	OpenBySeverity SeverityCounts
	// NeedsAttestation counts attest and partial recommendations in scope without a valid
	// attestation (the attestation gaps).
	NeedsAttestation int
	// Recs holds the per-recommendation subject counts behind Compliance, so that numbers of
	// several targets are added up exactly rather than averaged from averages.
	Recs         map[string]RecTally
	Contributors []ScoreContributor
	TakenAt      time.Time
}

// SeverityCounts counts something per severity, indexed by Severity (info to critical).
type SeverityCounts [SeverityCritical + 1]int

// Total is the sum over all severities.
func (c SeverityCounts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// ByName is the counts keyed by severity name ("critical" ... "info"), every severity present:
// how the API and reports show them.
func (c SeverityCounts) ByName() map[string]int {
	out := make(map[string]int, len(c))
	for sev, n := range c {
		out[Severity(sev).String()] = n
	}
	return out
}

// AttestationState says how an attestation counts in a recommendation's compliance.
type AttestationState string

const (
	// AttestationNotCounted: attestations play no part (automated recommendations, namespace
	// and owner scopes, and scans, which have none).
	AttestationNotCounted AttestationState = ""
	AttestationValid      AttestationState = "valid"
	AttestationMissing    AttestationState = "missing" // none on record, expired or revoked
)

// RecTally is one recommendation's evidence in one scope: the subjects (assets) its checks
// judged, how many passed every one of them, and its attestation.
type RecTally struct {
	Subjects int `json:"s"`
	// Passed counts subjects with no failure, approved exceptions applied;
	// PassedWithoutExceptions counts every failure.
	Passed                  int              `json:"p"`
	PassedWithoutExceptions int              `json:"pw"`
	Attestation             AttestationState `json:"a,omitempty"`
}

// ScoreContributor is a failing check's share of a scope's risk ("why is this 48?").
type ScoreContributor struct {
	CheckID  string   `json:"check_id"`
	Severity Severity `json:"severity"`
	Failed   int      `json:"failed"` // open findings of the check in the scope
	Risk     float64  `json:"risk"`   // the risk points they add
}
