package store

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"gorm.io/gorm"

	"github.com/palisade-dev/palisade/backend/posture"
)

var _ posture.FindingStore = (*DB)(nil)

const maxPageSize = 500

// findingColumns adds the asset's key, which users recognise, and derives last_seen: a live
// (open or suppressed) finding was seen by every complete run of its target since it was
// last written, because a complete run resolves what it does not see.
const findingColumns = `findings.id, findings.tenant_id, findings.target_id, findings.asset_id, findings.check_id,
 findings.sub_key, findings.fingerprint, findings.severity, findings.status, findings.message, findings.evidence,
 findings.namespace, findings.owner, findings.assignee, findings.triage, findings.first_seen, findings.resolved_at,
 findings.last_run_id, findings.content_hash, findings.last_seen,
 (SELECT a.key FROM assets a WHERE a.tenant_id = findings.tenant_id AND a.id = findings.asset_id) AS asset_key,
 CASE WHEN findings.status = 'resolved' THEN findings.last_seen ELSE COALESCE((
   SELECT MAX(r.finished_at) FROM collection_runs r
   WHERE r.tenant_id = findings.tenant_id AND r.target_id = findings.target_id AND r.status = 'complete'
     AND r.finished_at > findings.last_seen), findings.last_seen) END AS seen_at`

func findingFromRow(r findingRow) posture.Finding {
	f := posture.Finding{
		ID: r.ID, TenantID: r.TenantID, TargetID: r.TargetID, AssetID: r.AssetID, CheckID: r.CheckID,
		SubKey: r.SubKey, Fingerprint: r.Fingerprint, Severity: posture.Severity(r.Severity),
		Status: posture.FindingStatus(r.Status), Message: r.Message, Evidence: stringMap(r.Evidence),
		Namespace: r.Namespace, OwnerLabel: r.Owner, Triage: posture.Triage(r.Triage), Assignee: r.Assignee,
		AssetKey: r.AssetKey, FirstSeen: r.FirstSeen, LastSeen: r.LastSeen, ResolvedAt: r.ResolvedAt,
	}
	if r.LastRunID != nil {
		f.LastRunID = *r.LastRunID
	}
	if r.SeenAt.Valid && r.SeenAt.Time.After(f.LastSeen) {
		f.LastSeen = r.SeenAt.Time
	}
	return f
}

// likeEscape makes user text literal inside a LIKE pattern.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ListFindings returns one page of a tenant's findings in the order f.Sort names (worst first
// by default), continuing from f.Cursor.
func (db *DB) ListFindings(ctx context.Context, tenantID int64, f posture.FindingFilter) (*posture.FindingPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > maxPageSize {
		return nil, posture.Errorf(posture.EINVALID, "limit must be at most %d", maxPageSize)
	}
	name := f.Sort
	if name == "" {
		name = "severity"
	}
	sort, ok := findingSorts[name]
	if !ok {
		return nil, posture.Errorf(posture.EINVALID, "unknown sort %q (want one of %s)", f.Sort, strings.Join(posture.FindingSorts, ", "))
	}
	q := db.gorm.WithContext(ctx).Model(&findingRow{}).Select(findingColumns).Where("findings.tenant_id = ?", tenantID)
	q, err := db.filterFindings(q, tenantID, f)
	if err != nil {
		return nil, err
	}
	if f.Cursor != "" {
		key, id, err := decodeCursor(f.Cursor, name)
		if err != nil {
			return nil, err
		}
		q = q.Where(sort.after(), sort.bind(key), id)
	}
	var rows []findingRow
	if err := q.Order(sort.order()).Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list findings: %w", err)
	}
	page := &posture.FindingPage{}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		page.NextCursor = encodeCursor(name, sort.key(last), last.ID)
	}
	page.Findings = make([]posture.Finding, len(rows))
	for i, r := range rows {
		page.Findings[i] = findingFromRow(r)
	}
	return page, nil
}

// filterFindings adds the filter's conditions. Every user value is a bound parameter.
func (db *DB) filterFindings(q *gorm.DB, tenantID int64, f posture.FindingFilter) (*gorm.DB, error) {
	if len(f.Statuses) > 0 {
		st := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			st[i] = string(s)
		}
		q = q.Where("findings.status IN ?", st)
	}
	if f.MinSeverity != nil {
		q = q.Where("findings.severity >= ?", int(*f.MinSeverity))
	}
	if len(f.CheckIDs) > 0 {
		q = q.Where("findings.check_id IN ?", f.CheckIDs)
	}
	if f.TargetID != 0 {
		q = q.Where("findings.target_id = ?", f.TargetID)
	}
	if f.Namespace != "" {
		q = q.Where("findings.namespace = ?", f.Namespace)
	}
	if f.Owner != "" {
		q = q.Where("findings.owner = ?", f.Owner)
	}
	if len(f.Triage) > 0 {
		tr := make([]string, len(f.Triage))
		for i, t := range f.Triage {
			if !t.Valid() {
				return nil, posture.Errorf(posture.EINVALID, "unknown triage %q", t)
			}
			tr[i] = string(t)
		}
		q = q.Where("findings.triage IN ?", tr)
	}
	if f.Assignee != "" {
		// The literal term lets the planner prove the partial index's predicate.
		q = q.Where("findings.assignee = ? AND findings.assignee <> ''", f.Assignee)
	}
	if f.Label != "" {
		key, value, err := parseLabel(f.Label)
		if err != nil {
			return nil, err
		}
		q = q.Where(assetIn+db.labelMatch()+")", tenantID, key, value)
	}
	if f.Text != "" {
		pat := "%" + likeEscape(strings.ToLower(f.Text)) + "%"
		q = q.Where(`(LOWER(findings.message) LIKE ? ESCAPE '\' OR LOWER(findings.check_id) LIKE ? ESCAPE '\'
 OR LOWER(findings.namespace) LIKE ? ESCAPE '\' OR `+assetIn+`LOWER(a.key) LIKE ? ESCAPE '\'))`, pat, pat, pat, tenantID, pat)
	}
	return q, nil
}

// assetIn opens a condition on the finding's asset (tenant id, then the condition's
// parameters; the caller appends "<condition>)"). It is not correlated: the tenant's assets
// are scanned once, tens of thousands of rows, and each finding is a hash probe, where a
// per-finding lookup would cost one index search for each of hundreds of thousands.
const assetIn = `findings.asset_id IN (SELECT a.id FROM assets a WHERE a.tenant_id = ? AND `

// labelMatch compares one label of the asset (key, then value, as parameters). Labels are
// JSONB on PostgreSQL and JSON text on SQLite; the key reaches SQLite inside a JSON path,
// which is safe because parseLabel admits only label-key characters.
func (db *DB) labelMatch() string {
	if db.dialect == Postgres {
		return `(a.labels ->> CAST(? AS text)) = ?`
	}
	return `json_extract(a.labels, '$."' || ? || '"') = ?`
}

// labelKeyRE is a Kubernetes label key: an optional DNS-subdomain prefix and "/", then a name
// of up to 63 alphanumerics, dashes, underscores and dots, alphanumeric at both ends.
var labelKeyRE = regexp.MustCompile(`^(?:([a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*)/)?` +
	`[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`)

// parseLabel splits "key=value". The value may be anything (it is only ever compared), but
// the key must be a label key.
func parseLabel(s string) (string, string, error) {
	key, value, ok := strings.Cut(s, "=")
	m := labelKeyRE.FindStringSubmatch(key)
	if !ok || m == nil || len(m[1]) > 253 {
		return "", "", posture.Errorf(posture.EINVALID, "label filter must be key=value with a Kubernetes label key")
	}
	if len(value) > 256 {
		return "", "", posture.Errorf(posture.EINVALID, "label value must be at most 256 characters")
	}
	return key, value, nil
}

// Finding reads one finding of a tenant.
func (db *DB) Finding(ctx context.Context, tenantID, id int64) (*posture.Finding, error) {
	var row findingRow
	if err := db.gorm.WithContext(ctx).Select(findingColumns).Where("tenant_id = ? AND id = ?", tenantID, id).Take(&row).Error; err != nil {
		return nil, notFound(err, "finding")
	}
	f := findingFromRow(row)
	return &f, nil
}

// FindingEvents returns a finding's history, oldest first.
func (db *DB) FindingEvents(ctx context.Context, tenantID, findingID int64) ([]posture.FindingEvent, error) {
	if _, err := db.Finding(ctx, tenantID, findingID); err != nil {
		return nil, err
	}
	var rows []findingEventRow
	if err := db.gorm.WithContext(ctx).Where("tenant_id = ? AND finding_id = ?", tenantID, findingID).
		Order("at, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]posture.FindingEvent, len(rows))
	for i, r := range rows {
		out[i] = posture.FindingEvent{ID: r.ID, TenantID: r.TenantID, FindingID: r.FindingID, RunID: r.RunID,
			Kind: posture.FindingEventKind(r.Kind), Actor: r.Actor, Note: r.Note, At: r.At}
	}
	return out, nil
}
