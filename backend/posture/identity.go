package posture

import (
	"context"
	"time"
)

// Session is a signed-in browser. The cookie holds a random secret; only its SHA-256 (the
// ID) is stored, so a copy of the database cannot be replayed as a login.
type Session struct {
	ID          string
	UserID      int64
	CSRFToken   string
	IDTokenHint string // for RP-initiated logout at the identity provider
	RemoteIP    string
	UserAgent   string
	CreatedAt   time.Time
	LastSeenAt  time.Time
	ExpiresAt   time.Time // absolute timeout
	RevokedAt   *time.Time
}

// SessionStore keeps server-side sessions.
type SessionStore interface {
	CreateSession(ctx context.Context, s *Session) error
	// Session returns a session that is not revoked, not past its absolute expiry and seen
	// within idle; anything else is EUNAUTHORIZED.
	Session(ctx context.Context, id string, idle time.Duration) (*Session, error)
	TouchSession(ctx context.Context, id string, at time.Time) error
	RevokeSession(ctx context.Context, id string) error
	// RevokeUserSessions signs a user out everywhere and returns how many sessions ended.
	RevokeUserSessions(ctx context.Context, userID int64) (int, error)
	User(ctx context.Context, id int64) (*User, error)
}

// APIToken lets automation call the API as one role in one tenant. The token itself is
// shown once at creation; only its SHA-256 is stored.
type APIToken struct {
	ID        int64
	TenantID  int64
	Name      string
	Prefix    string // the first characters, so people can tell tokens apart
	Hash      string
	Role      Role
	CreatedBy string
	// CreatorUserID is the user whose current role in the tenant bounds the token's (the
	// creator, or the user behind the token that created it); nil: the token's own role
	// stands (tokens made before creators were recorded, or by the system).
	CreatorUserID *int64
	CreatedAt     time.Time
	ExpiresAt     *time.Time
	LastUsedAt    *time.Time
	RevokedAt     *time.Time
}

// Active reports whether the token may be used at now.
func (t *APIToken) Active(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// TokenStore keeps API tokens, scoped by tenant.
type TokenStore interface {
	CreateAPIToken(ctx context.Context, t *APIToken) error
	// APITokenByHash finds a token by the hash of its secret, in any tenant (the token names
	// its tenant). Revoked and expired tokens are returned too; the caller checks Active.
	APITokenByHash(ctx context.Context, hash string) (*APIToken, error)
	ListAPITokens(ctx context.Context, tenantID int64) ([]APIToken, error)
	RevokeAPIToken(ctx context.Context, tenantID, id int64) (*APIToken, error)
	TouchAPIToken(ctx context.Context, id int64, at time.Time) error
}

// RoleMapping turns a value of the configured ID-token claim (a group) into a role in a
// tenant.
type RoleMapping struct {
	ID         int64
	TenantID   int64
	ClaimValue string
	Role       Role
	CreatedAt  time.Time
}

// RoleMappingStore keeps role mappings and applies them at login.
type RoleMappingStore interface {
	ListRoleMappings(ctx context.Context, tenantID int64) ([]RoleMapping, error)
	// RoleMappingsFor returns every tenant's mappings whose claim value is one of values.
	RoleMappingsFor(ctx context.Context, values []string) ([]RoleMapping, error)
	CreateRoleMapping(ctx context.Context, m *RoleMapping) error
	DeleteRoleMapping(ctx context.Context, tenantID, id int64) (*RoleMapping, error)
	// SyncClaimRoles replaces the user's claim-derived role bindings with bindings; bindings
	// granted by hand are kept.
	SyncClaimRoles(ctx context.Context, userID int64, bindings []RoleBinding) error
}

// AuditFilter narrows an audit log listing, newest first.
type AuditFilter struct {
	// TenantID is required: the API lists one tenant's entries. System-wide entries (a
	// failed login names no tenant) are read with `palisade audit export`.
	TenantID int64
	Actor    string
	Action   string // prefix, e.g. "finding." or "auth.login"
	Since    *time.Time
	Until    *time.Time
	BeforeID int64 // keyset cursor: entries with a smaller id
	Limit    int
}

// AuditReader lists audit entries.
type AuditReader interface {
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// Triage is an operator's verdict on an open finding, separate from the lifecycle status
// that runs control.
type Triage string

const (
	TriageNew           Triage = "new"
	TriageAcknowledged  Triage = "acknowledged"
	TriageInProgress    Triage = "in_progress"
	TriageFalsePositive Triage = "false_positive"
	TriageWontFix       Triage = "wont_fix"
)

// Valid reports whether t is a known triage state.
func (t Triage) Valid() bool {
	switch t {
	case TriageNew, TriageAcknowledged, TriageInProgress, TriageFalsePositive, TriageWontFix:
		return true
	}
	return false
}

// FindingUpdate is a bulk triage change; nil fields are left alone.
type FindingUpdate struct {
	IDs      []int64
	Triage   *Triage
	Assignee *string
	Actor    string
	Note     string
}

// FindingTriageStore applies triage changes.
type FindingTriageStore interface {
	// UpdateFindings changes every listed finding of the tenant in one transaction, writing
	// a status_changed event per finding. An id of another tenant is ENOTFOUND and nothing
	// changes.
	UpdateFindings(ctx context.Context, tenantID int64, u FindingUpdate) ([]Finding, error)
}

// ExceptionStatus is where an exception is in its approval lifecycle.
type ExceptionStatus string

const (
	ExceptionPending  ExceptionStatus = "pending"
	ExceptionApproved ExceptionStatus = "approved"
	ExceptionRejected ExceptionStatus = "rejected"
	ExceptionRevoked  ExceptionStatus = "revoked"
	ExceptionExpired  ExceptionStatus = "expired"
)

// Exception suppresses a finding, or a check within a scope, until it expires.
type Exception struct {
	ID            int64
	TenantID      int64
	FindingID     *int64
	CheckID       string
	TargetID      *int64
	Namespace     string
	LabelSelector string
	Reason        string
	RequestedBy   string
	ApprovedBy    string
	ApprovedAt    *time.Time
	Status        ExceptionStatus
	ExpiresAt     time.Time
	CreatedAt     time.Time
}

// ExceptionStore keeps exceptions, scoped by tenant.
type ExceptionStore interface {
	CreateException(ctx context.Context, e *Exception) error
	Exception(ctx context.Context, tenantID, id int64) (*Exception, error)
	ListExceptions(ctx context.Context, tenantID int64) ([]Exception, error)
	// DecideException moves a pending exception to approved or rejected, or an approved one
	// to revoked.
	DecideException(ctx context.Context, tenantID, id int64, to ExceptionStatus, actor string) (*Exception, error)
	// ExceptionReport lists the approved exceptions that expire within the given time, and
	// those that cover no open or suppressed finding.
	ExceptionReport(ctx context.Context, tenantID int64, within time.Duration) (*ExceptionReport, error)
}

// Attestation is a person's signed-off statement that a recommendation no check can see is
// met.
type Attestation struct {
	ID             int64
	TenantID       int64
	CSAID          string
	Statement      string
	EvidenceURL    string
	EvidenceName   string
	EvidenceSHA256 string
	Owner          string
	CreatedBy      string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	RevokedAt      *time.Time
}

// Valid reports whether the attestation counts at now.
func (a *Attestation) Valid(now time.Time) bool {
	return a.RevokedAt == nil && now.Before(a.ExpiresAt)
}

// AttestationStore keeps attestations, scoped by tenant.
type AttestationStore interface {
	CreateAttestation(ctx context.Context, a *Attestation) error
	ListAttestations(ctx context.Context, tenantID int64) ([]Attestation, error)
	RevokeAttestation(ctx context.Context, tenantID, id int64) (*Attestation, error)
}

// AssetFilter narrows an asset listing.
type AssetFilter struct {
	TargetID  int64
	ParentKey *string // children of one asset; "" gives the roots
	Kind      AssetKind
	Namespace string
	Text      string // substring of name or key
	AfterID   int64
	Limit     int
}

// AssetSummary is an asset with how many open findings it (not its children) has.
type AssetSummary struct {
	Asset
	OpenFindings int
}

// AssetStore reads assets.
type AssetStore interface {
	ListAssets(ctx context.Context, tenantID int64, f AssetFilter) ([]AssetSummary, error)
	Asset(ctx context.Context, tenantID, id int64) (*AssetSummary, error)
}
