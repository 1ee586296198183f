package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/posture"
)

// JSON shapes of api/openapi.yaml. They are separate from the domain types so that a field
// added to the domain is not published by accident (a sealed credential, a token hash).

type userJSON struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	Subject string `json:"subject"`
}

type tenantJSON struct {
	Slug        string       `json:"slug"`
	Name        string       `json:"name"`
	Role        posture.Role `json:"role"`
	Permissions []Permission `json:"permissions"`
}

func membership(t posture.Tenant, role posture.Role) tenantJSON {
	return tenantJSON{Slug: t.Slug, Name: t.Name, Role: role, Permissions: append([]Permission{}, policy[role]...)}
}

type sessionJSON struct {
	User      userJSON     `json:"user"`
	Tenants   []tenantJSON `json:"tenants"`
	Auth      string       `json:"auth"`
	CSRFToken string       `json:"csrf_token"`
	ExpiresAt *time.Time   `json:"expires_at"`
}

type runJSON struct {
	ID         int64                     `json:"id"`
	TargetID   int64                     `json:"target_id"`
	Status     posture.RunStatus         `json:"status"`
	StartedAt  time.Time                 `json:"started_at"`
	FinishedAt *time.Time                `json:"finished_at"`
	Assets     int                       `json:"assets"`
	Evaluated  int                       `json:"evaluated"`
	Failed     int                       `json:"failed"`
	Opened     int                       `json:"opened"`
	Resolved   int                       `json:"resolved"`
	Reopened   int                       `json:"reopened"`
	Errors     []posture.CollectionError `json:"errors"`
}

func toRun(r *posture.Run) *runJSON {
	if r == nil {
		return nil
	}
	errs := r.Errors
	if errs == nil {
		errs = []posture.CollectionError{}
	}
	return &runJSON{ID: r.ID, TargetID: r.TargetID, Status: r.Status, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
		Assets: r.Assets, Evaluated: r.Evaluated, Failed: r.Failed, Opened: r.Opened, Resolved: r.Resolved,
		Reopened: r.Reopened, Errors: errs}
}

type targetJSON struct {
	ID             int64              `json:"id"`
	Name           string             `json:"name"`
	Kind           posture.TargetKind `json:"kind"`
	Settings       map[string]string  `json:"settings"`
	Schedule       string             `json:"schedule"`
	Enabled        bool               `json:"enabled"`
	HasCredentials bool               `json:"has_credentials"`
	CreatedAt      time.Time          `json:"created_at"`
	UpdatedAt      time.Time          `json:"updated_at"`
	LastRun        *runJSON           `json:"last_run"`
	LastCompleteAt *time.Time         `json:"last_complete_at"`
	Stale          bool               `json:"stale"`
}

type findingJSON struct {
	ID         int64                 `json:"id"`
	TargetID   int64                 `json:"target_id"`
	AssetID    int64                 `json:"asset_id"`
	AssetKey   string                `json:"asset_key"`
	CheckID    string                `json:"check_id"`
	CheckTitle string                `json:"check_title"`
	CSA        []string              `json:"csa"`
	SubKey     string                `json:"sub_key"`
	Severity   string                `json:"severity"`
	Status     posture.FindingStatus `json:"status"`
	Triage     posture.Triage        `json:"triage"`
	Assignee   string                `json:"assignee"`
	Message    string                `json:"message"`
	Namespace  string                `json:"namespace"`
	Owner      string                `json:"owner"`
	FirstSeen  time.Time             `json:"first_seen"`
	LastSeen   time.Time             `json:"last_seen"`
	ResolvedAt *time.Time            `json:"resolved_at"`
}

type findingDetailJSON struct {
	findingJSON
	Evidence    map[string]string `json:"evidence"`
	Remediation string            `json:"remediation"`
	References  []string          `json:"references"`
}

func (a *api) toFinding(f posture.Finding) findingJSON {
	out := findingJSON{ID: f.ID, TargetID: f.TargetID, AssetID: f.AssetID, AssetKey: f.AssetKey, CheckID: f.CheckID,
		CSA: []string{}, SubKey: f.SubKey, Severity: f.Severity.String(), Status: f.Status, Triage: f.Triage,
		Assignee: f.Assignee, Message: f.Message, Namespace: f.Namespace, Owner: f.OwnerLabel, FirstSeen: f.FirstSeen,
		LastSeen: f.LastSeen, ResolvedAt: f.ResolvedAt}
	if out.Triage == "" {
		out.Triage = posture.TriageNew
	}
	if ch := a.check(f.CheckID); ch != nil {
		out.CheckTitle, out.CSA = ch.Title, append(out.CSA, ch.CSA...)
	}
	return out
}

func (a *api) check(id string) *checks.Check {
	if a.opts.Catalog == nil {
		return nil
	}
	ch, _ := a.opts.Catalog.Get(id)
	return ch
}

func referenceStrings(refs []checks.Reference) []string {
	out := make([]string, 0, len(refs))
	for _, r := range refs {
		s := r.Framework + " " + r.ID
		if r.Title != "" {
			s += ": " + r.Title
		}
		out = append(out, s)
	}
	return out
}

type assetJSON struct {
	ID           int64             `json:"id"`
	TargetID     int64             `json:"target_id"`
	Kind         posture.AssetKind `json:"kind"`
	Key          string            `json:"key"`
	ParentKey    string            `json:"parent_key"`
	Name         string            `json:"name"`
	Namespace    string            `json:"namespace"`
	Labels       map[string]string `json:"labels"`
	FirstSeen    time.Time         `json:"first_seen"`
	LastSeen     time.Time         `json:"last_seen"`
	OpenFindings int               `json:"open_findings"`
}

func toAsset(s posture.AssetSummary) assetJSON {
	labels := s.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	return assetJSON{ID: s.ID, TargetID: s.TargetID, Kind: s.Kind, Key: s.Key, ParentKey: s.ParentKey, Name: s.Name,
		Namespace: s.Namespace, Labels: labels, FirstSeen: s.FirstSeen, LastSeen: s.LastSeen, OpenFindings: s.OpenFindings}
}

type exceptionJSON struct {
	ID            int64                   `json:"id"`
	FindingID     *int64                  `json:"finding_id"`
	CheckID       string                  `json:"check_id"`
	TargetID      *int64                  `json:"target_id"`
	Namespace     string                  `json:"namespace"`
	LabelSelector string                  `json:"label_selector"`
	Reason        string                  `json:"reason"`
	RequestedBy   string                  `json:"requested_by"`
	ApprovedBy    string                  `json:"approved_by"`
	ApprovedAt    *time.Time              `json:"approved_at"`
	Status        posture.ExceptionStatus `json:"status"`
	ExpiresAt     time.Time               `json:"expires_at"`
	CreatedAt     time.Time               `json:"created_at"`
}

func toException(e *posture.Exception) exceptionJSON {
	return exceptionJSON{ID: e.ID, FindingID: e.FindingID, CheckID: e.CheckID, TargetID: e.TargetID, Namespace: e.Namespace,
		LabelSelector: e.LabelSelector, Reason: e.Reason, RequestedBy: e.RequestedBy, ApprovedBy: e.ApprovedBy,
		ApprovedAt: e.ApprovedAt, Status: e.Status, ExpiresAt: e.ExpiresAt, CreatedAt: e.CreatedAt}
}

type attestationJSON struct {
	ID             int64      `json:"id"`
	CSAID          string     `json:"csa_id"`
	Statement      string     `json:"statement"`
	EvidenceURL    string     `json:"evidence_url"`
	EvidenceName   string     `json:"evidence_name"`
	EvidenceSHA256 string     `json:"evidence_sha256"`
	Owner          string     `json:"owner"`
	CreatedBy      string     `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
	ExpiresAt      time.Time  `json:"expires_at"`
	RevokedAt      *time.Time `json:"revoked_at"`
	Valid          bool       `json:"valid"`
}

func toAttestation(x *posture.Attestation, now time.Time) attestationJSON {
	return attestationJSON{ID: x.ID, CSAID: x.CSAID, Statement: x.Statement, EvidenceURL: x.EvidenceURL,
		EvidenceName: x.EvidenceName, EvidenceSHA256: x.EvidenceSHA256, Owner: x.Owner, CreatedBy: x.CreatedBy,
		CreatedAt: x.CreatedAt, ExpiresAt: x.ExpiresAt, RevokedAt: x.RevokedAt, Valid: x.Valid(now)}
}

type roleMappingJSON struct {
	ID         int64        `json:"id"`
	ClaimValue string       `json:"claim_value"`
	Role       posture.Role `json:"role"`
	CreatedAt  time.Time    `json:"created_at"`
}

func toRoleMapping(m *posture.RoleMapping) roleMappingJSON {
	return roleMappingJSON{ID: m.ID, ClaimValue: m.ClaimValue, Role: m.Role, CreatedAt: m.CreatedAt}
}

type apiTokenJSON struct {
	ID         int64        `json:"id"`
	Name       string       `json:"name"`
	Prefix     string       `json:"prefix"`
	Role       posture.Role `json:"role"`
	CreatedBy  string       `json:"created_by"`
	CreatedAt  time.Time    `json:"created_at"`
	ExpiresAt  *time.Time   `json:"expires_at"`
	LastUsedAt *time.Time   `json:"last_used_at"`
	RevokedAt  *time.Time   `json:"revoked_at"`
	Active     bool         `json:"active"`
}

func toAPIToken(t *posture.APIToken, now time.Time) apiTokenJSON {
	return apiTokenJSON{ID: t.ID, Name: t.Name, Prefix: t.Prefix, Role: t.Role, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt,
		ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt, Active: t.Active(now)}
}

type auditJSON struct {
	ID        int64     `json:"id"`
	Actor     string    `json:"actor"`
	Action    string    `json:"action"`
	Object    string    `json:"object"`
	Before    string    `json:"before"`
	After     string    `json:"after"`
	RemoteIP  string    `json:"remote_ip"`
	RequestID string    `json:"request_id"`
	At        time.Time `json:"at"`
	PrevHash  string    `json:"prev_hash"`
	Hash      string    `json:"hash"`
}

func toAudit(e posture.AuditEntry) auditJSON {
	return auditJSON{ID: e.ID, Actor: e.Actor, Action: e.Action, Object: e.Object, Before: e.Before, After: e.After,
		RemoteIP: e.RemoteIP, RequestID: e.RequestID, At: e.At, PrevHash: e.PrevHash, Hash: e.Hash}
}

// jsonString renders an audit before/after value; nil is the empty string.
func jsonString(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

type strictDecoder struct{ *json.Decoder }

func newStrictDecoder(r io.Reader) strictDecoder {
	d := json.NewDecoder(r)
	d.DisallowUnknownFields()
	return strictDecoder{d}
}

// Decode reads exactly one JSON value.
func (d strictDecoder) Decode(v any) error {
	if err := d.Decoder.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}

// jsonErrorMessage turns decoder errors into messages that name the field, without echoing
// the input.
func jsonErrorMessage(err error) string {
	var typ *json.UnmarshalTypeError
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q must be %s", typ.Field, typ.Type.String())
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d", syn.Offset)
	case errors.Is(err, io.EOF):
		return "empty body; a JSON object is required"
	}
	return err.Error()
}
