package store

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"
)

// Row types mirror the SQL schema in migrations/. They stay private: the rest of Palisade
// sees posture types only. JSON columns are held as text, which both dialects accept.

type tenantRow struct {
	ID        int64
	Slug      string
	Name      string
	CreatedAt time.Time
}

func (tenantRow) TableName() string { return "tenants" }

type userRow struct {
	ID          int64
	Issuer      string
	Subject     string
	Email       string
	DisplayName string
	CreatedAt   time.Time
	LastLoginAt *time.Time
}

func (userRow) TableName() string { return "users" }

type roleBindingRow struct {
	TenantID  int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID    int64 `gorm:"primaryKey;autoIncrement:false"`
	Role      string
	Source    string
	GrantedBy string
	CreatedAt time.Time
}

func (roleBindingRow) TableName() string { return "role_bindings" }

type targetRow struct {
	ID          int64
	TenantID    int64
	Name        string
	Kind        string
	Settings    string
	Schedule    string
	Credentials []byte
	Enabled     bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (targetRow) TableName() string { return "targets" }

type runRow struct {
	ID             int64
	TenantID       int64
	TargetID       int64
	Status         string
	Trigger        string
	StartedAt      time.Time
	FinishedAt     *time.Time
	AssetsCount    int
	EvaluatedCount int
	FailedCount    int
	OpenedCount    int
	ResolvedCount  int
	ReopenedCount  int
	Errors         string
	Owner          string
	HeartbeatAt    *time.Time
}

func (runRow) TableName() string { return "collection_runs" }

type assetRow struct {
	ID        int64
	TenantID  int64
	TargetID  int64
	ParentKey string
	Kind      string
	Key       string
	Name      string
	Namespace string
	Labels    string
	FirstSeen time.Time
	LastSeen  time.Time
	GoneAt    *time.Time
}

func (assetRow) TableName() string { return "assets" }

type findingRow struct {
	ID          int64
	TenantID    int64
	TargetID    int64
	AssetID     int64
	CheckID     string
	SubKey      string
	Fingerprint string
	Severity    int
	Status      string
	Message     string
	Evidence    string
	Namespace   string
	Owner       string
	Assignee    string
	Triage      string
	FirstSeen   time.Time
	LastSeen    time.Time
	ResolvedAt  *time.Time
	LastRunID   *int64
	ContentHash string
	AssetKey    string `gorm:"->;-:migration"` // read-only, joined from assets
	SeenAt      dbTime `gorm:"->;-:migration"` // read-only, derived last_seen
}

func (findingRow) TableName() string { return "findings" }

type findingEventRow struct {
	ID        int64
	TenantID  int64
	FindingID int64
	RunID     *int64
	Kind      string
	Actor     string
	Note      string
	At        time.Time
}

func (findingEventRow) TableName() string { return "finding_events" }

type auditRow struct {
	ID        int64
	TenantID  *int64
	Actor     string
	Action    string
	Object    string
	Before    string
	After     string
	RemoteIP  string `gorm:"column:remote_ip"`
	RequestID string
	At        time.Time
	PrevHash  string
	Hash      string
}

func (auditRow) TableName() string { return "audit_log" }

type sessionRow struct {
	ID          string `gorm:"primaryKey"`
	UserID      int64
	CSRFToken   string `gorm:"column:csrf_token"`
	IDTokenHint string `gorm:"column:id_token_hint"`
	RemoteIP    string `gorm:"column:remote_ip"`
	UserAgent   string
	CreatedAt   time.Time
	LastSeenAt  time.Time
	ExpiresAt   time.Time
	RevokedAt   *time.Time
}

func (sessionRow) TableName() string { return "sessions" }

type apiTokenRow struct {
	ID            int64
	TenantID      int64
	Name          string
	Prefix        string
	Hash          string
	Role          string
	CreatedBy     string
	CreatorUserID *int64
	CreatedAt     time.Time
	ExpiresAt     *time.Time
	LastUsedAt    *time.Time
	RevokedAt     *time.Time
}

func (apiTokenRow) TableName() string { return "api_tokens" }

type roleMappingRow struct {
	ID         int64
	TenantID   int64
	ClaimValue string
	Role       string
	CreatedAt  time.Time
}

func (roleMappingRow) TableName() string { return "role_mappings" }

type exceptionRow struct {
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
	Status        string
	ExpiresAt     time.Time
	CreatedAt     time.Time
}

func (exceptionRow) TableName() string { return "exceptions" }

// attestationRow leaves out the evidence blob: nothing reads or writes it yet.
type attestationRow struct {
	ID             int64
	TenantID       int64
	CSAID          string `gorm:"column:csa_id"`
	Statement      string
	EvidenceURL    string `gorm:"column:evidence_url"`
	EvidenceName   string
	EvidenceSHA256 string `gorm:"column:evidence_sha256"`
	Owner          string
	CreatedBy      string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	RevokedAt      *time.Time
}

func (attestationRow) TableName() string { return "attestations" }

// jsonText marshals v for a JSON column. Map keys come out sorted, so equal values give
// equal text, which the findings upsert relies on to detect changed evidence.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return "{}"
	}
	return string(b)
}

func jsonList(v any) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return "[]"
	}
	return string(b)
}

func stringMap(text string) map[string]string {
	m := map[string]string{}
	_ = json.Unmarshal([]byte(text), &m)
	return m
}

type scoreRow struct {
	ID                          int64
	TenantID                    int64
	TargetID                    *int64
	RunID                       *int64
	ScopeKind                   string
	ScopeKey                    string
	Model                       int
	Compliance                  *float64
	ComplianceWithoutExceptions *float64
	Risk                        float64
	RiskWithoutExceptions       float64
	Evaluated                   int
	Passed                      int
	Failed                      int
	NotApplicable               int
	NeedsAttestation            int
	Details                     string
	TakenAt                     time.Time
}

func (scoreRow) TableName() string { return "score_snapshots" }

// dbTime scans a computed time column: PostgreSQL returns a time, SQLite the text it stores
// (a computed expression has no declared type for the driver to convert by).
type dbTime struct {
	Time  time.Time
	Valid bool
}

var sqliteTimeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999", time.RFC3339Nano}

func (t *dbTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*t = dbTime{}
		return nil
	case time.Time:
		*t = dbTime{Time: x, Valid: true}
		return nil
	case []byte:
		return t.Scan(string(x))
	case string:
		for _, layout := range sqliteTimeLayouts {
			if parsed, err := time.Parse(layout, x); err == nil {
				*t = dbTime{Time: parsed, Valid: true}
				return nil
			}
		}
		return fmt.Errorf("cannot read %q as a time", x)
	}
	return fmt.Errorf("cannot read %T as a time", v)
}

// Value lets GORM treat dbTime as a column, not a relation; the column is read-only.
func (t dbTime) Value() (driver.Value, error) {
	if !t.Valid {
		return nil, nil
	}
	return t.Time, nil
}
