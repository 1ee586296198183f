package posture

import (
	"context"
	"time"
)

// TenantStore keeps tenants, users and who may do what where.
type TenantStore interface {
	CreateTenant(ctx context.Context, t *Tenant) error
	TenantBySlug(ctx context.Context, slug string) (*Tenant, error)
	ListTenants(ctx context.Context) ([]Tenant, error)
	// UpsertUser finds a user by (issuer, subject) or creates one, and records the login time.
	UpsertUser(ctx context.Context, u *User) error
	SetRole(ctx context.Context, b RoleBinding) error
	RolesOf(ctx context.Context, userID int64) ([]RoleBinding, error)
}

// TargetStore keeps a tenant's collection targets. Every method is scoped by tenant: asking
// for another tenant's target gives ENOTFOUND, never the target.
type TargetStore interface {
	CreateTarget(ctx context.Context, t *Target) error
	Target(ctx context.Context, tenantID, id int64) (*Target, error)
	TargetByName(ctx context.Context, tenantID int64, name string) (*Target, error)
	ListTargets(ctx context.Context, tenantID int64) ([]Target, error)
	UpdateTarget(ctx context.Context, t *Target) error
	DeleteTarget(ctx context.Context, tenantID, id int64) error
}

// RunOutcome is what one collection and evaluation produced, ready to persist.
type RunOutcome struct {
	Status     RunStatus // complete, partial or failed
	FinishedAt time.Time
	Assets     []Asset
	Results    []Result
	Errors     []CollectionError
	// OwnerLabelKey names the label whose value a finding records as its owner.
	OwnerLabelKey string
	// Scores are stored with the run, in the same transaction.
	Scores []ScoreSnapshot
	// Weights are the severity weights the scores were computed with (nil: the defaults); a
	// rise in risk of one critical finding's weight is a score drop.
	Weights Weights
	// Watched is the watched configuration of a complete run (nil: none taken). It is
	// compared with the one of the previous complete run to raise config drift, and then
	// replaces it; partial and failed runs neither compare nor replace it.
	Watched *WatchedState
}

// RunStore records collection runs and applies the findings lifecycle.
type RunStore interface {
	StartRun(ctx context.Context, tenantID, targetID int64, trigger string, at time.Time) (*Run, error)
	// FinishRun persists a run's outcome in one transaction: assets and failed results are
	// upserted by key and fingerprint; only a complete run resolves what it did not see.
	FinishRun(ctx context.Context, tenantID, runID int64, out RunOutcome) (*Run, error)
	Run(ctx context.Context, tenantID, id int64) (*Run, error)
	ListRuns(ctx context.Context, tenantID, targetID int64, limit int) ([]Run, error)
	// LastCompleteRun is nil (and no error) when the target never completed a run.
	LastCompleteRun(ctx context.Context, tenantID, targetID int64) (*Run, error)
	// HeartbeatRun says a running run's process is still at work on it.
	HeartbeatRun(ctx context.Context, tenantID, runID int64, at time.Time) error
}

// RunReconciler ends runs whose process is gone. It works across tenants: it is the
// scheduler's housekeeping, never reached from a tenant's request.
type RunReconciler interface {
	// RunningRuns lists every run still marked running, in every tenant.
	RunningRuns(ctx context.Context) ([]Run, error)
	// InterruptRun ends a running run as failed with reason, only if it still belongs to owner
	// and its last heartbeat is before staleBefore (so a run that came back is left alone).
	// It reports whether the run was ended.
	InterruptRun(ctx context.Context, tenantID, runID int64, owner string, staleBefore time.Time, reason string) (bool, error)
}

// InterruptedSource is the CollectionError source of a run ended because its process
// stopped or could not go on; the message says why.
const InterruptedSource = "interrupted"

// ScoreStore reads score history.
type ScoreStore interface {
	// LatestScores returns the snapshots of a target's most recent scored run.
	LatestScores(ctx context.Context, tenantID, targetID int64) ([]ScoreSnapshot, error)
	// ScoreHistory returns one scope's snapshots since a time, oldest first.
	ScoreHistory(ctx context.Context, tenantID, targetID int64, kind, key string, since time.Time) ([]ScoreSnapshot, error)
	// RemediationStats sums up how fast the tenant fixes findings (RemediationStats).
	RemediationStats(ctx context.Context, tenantID int64, since, now time.Time, sla SLA) (*RemediationStats, error)
}

// FindingFilter narrows a findings list. Zero values mean "any".
type FindingFilter struct {
	Statuses    []FindingStatus
	MinSeverity *Severity
	CheckIDs    []string
	TargetID    int64
	Namespace   string
	Owner       string
	// Text is a case-insensitive substring of the check id, the check's title (see
	// TextChecks), the asset key, or the message of a finding among the first 5,000 of the
	// list (store.textFindings says exactly).
	Text string
	// TextChecks are the ids of the checks whose title holds Text: the caller knows the
	// catalog, the store does not.
	TextChecks []string
	Triage     []Triage
	Assignee   string
	// Label is "key=value" on the finding's asset labels.
	Label string
	// Sort is one of FindingSorts; empty means "severity".
	Sort string
	// Cursor continues a previous page (keyset pagination on the sort key, then id desc).
	Cursor string
	Limit  int
}

// FindingSorts are the orders a findings list supports, each served by keyset pagination:
// severity (highest first), first_seen and last_seen (newest first), and "-" for ascending.
var FindingSorts = []string{"severity", "-severity", "first_seen", "-first_seen", "last_seen", "-last_seen"}

// FindingPage is one page of findings and the cursor of the next, empty on the last page.
type FindingPage struct {
	Findings   []Finding
	NextCursor string
}

// FindingStore reads findings and their history.
type FindingStore interface {
	ListFindings(ctx context.Context, tenantID int64, f FindingFilter) (*FindingPage, error)
	Finding(ctx context.Context, tenantID, id int64) (*Finding, error)
	FindingEvents(ctx context.Context, tenantID, findingID int64) ([]FindingEvent, error)
}

// AuditLog appends hash-chained entries and verifies the chain.
type AuditLog interface {
	Append(ctx context.Context, e *AuditEntry) error
	// Verify walks the whole chain and returns the first broken entry, if any.
	Verify(ctx context.Context) (*AuditBreak, error)
}

// AuditBreak says where the audit chain stops being consistent.
type AuditBreak struct {
	EntryID int64
	Reason  string
}
