package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/palisade-dev/palisade/backend/posture"
)

var _ posture.FindingStore = (*DB)(nil)

const maxPageSize = 500

// findingColumns adds the asset's key, which users recognise, and derives last_seen: a live
// (open or suppressed) finding was seen by every complete run of its target since it was
// last written, because a complete run resolves what it does not see.
const findingColumns = `findings.id, findings.tenant_id, findings.target_id, findings.asset_id, findings.check_id,
 findings.sub_key, findings.fingerprint, findings.severity, findings.status, findings.message, findings.evidence,
 findings.namespace, findings.owner, findings.assignee, findings.first_seen, findings.resolved_at, findings.last_run_id,
 findings.content_hash, findings.last_seen,
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
		Namespace: r.Namespace, OwnerLabel: r.Owner, AssetKey: r.AssetKey, FirstSeen: r.FirstSeen, LastSeen: r.LastSeen, ResolvedAt: r.ResolvedAt,
	}
	if r.LastRunID != nil {
		f.LastRunID = *r.LastRunID
	}
	if r.SeenAt.Valid && r.SeenAt.Time.After(f.LastSeen) {
		f.LastSeen = r.SeenAt.Time
	}
	return f
}

// cursor encodes the last row of a page: (severity, id), the keyset of the list order.
func encodeCursor(sev int, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d:%d", sev, id)))
}

func decodeCursor(c string) (int, int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, 0, posture.Errorf(posture.EINVALID, "malformed cursor")
	}
	a, b, ok := strings.Cut(string(raw), ":")
	sev, err1 := strconv.Atoi(a)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, posture.Errorf(posture.EINVALID, "malformed cursor")
	}
	return sev, id, nil
}

// likeEscape makes user text literal inside a LIKE pattern.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ListFindings returns one page of a tenant's findings, worst first (severity desc, id desc).
func (db *DB) ListFindings(ctx context.Context, tenantID int64, f posture.FindingFilter) (*posture.FindingPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > maxPageSize {
		return nil, posture.Errorf(posture.EINVALID, "limit must be at most %d", maxPageSize)
	}
	q := db.gorm.WithContext(ctx).Model(&findingRow{}).Select(findingColumns).Where("tenant_id = ?", tenantID)
	if len(f.Statuses) > 0 {
		st := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			st[i] = string(s)
		}
		q = q.Where("status IN ?", st)
	}
	if f.MinSeverity != nil {
		q = q.Where("severity >= ?", int(*f.MinSeverity))
	}
	if len(f.CheckIDs) > 0 {
		q = q.Where("check_id IN ?", f.CheckIDs)
	}
	if f.TargetID != 0 {
		q = q.Where("target_id = ?", f.TargetID)
	}
	if f.Namespace != "" {
		q = q.Where("namespace = ?", f.Namespace)
	}
	if f.Owner != "" {
		q = q.Where("owner = ?", f.Owner)
	}
	if f.Text != "" {
		pat := "%" + likeEscape(strings.ToLower(f.Text)) + "%"
		q = q.Where(`(LOWER(message) LIKE ? ESCAPE '\' OR LOWER(check_id) LIKE ? ESCAPE '\' OR LOWER(namespace) LIKE ? ESCAPE '\')`, pat, pat, pat)
	}
	if f.Cursor != "" {
		sev, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, err
		}
		q = q.Where("(severity < ? OR (severity = ? AND id < ?))", sev, sev, id)
	}
	var rows []findingRow
	if err := q.Order("severity DESC, id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list findings: %w", err)
	}
	page := &posture.FindingPage{}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		page.NextCursor = encodeCursor(last.Severity, last.ID)
	}
	page.Findings = make([]posture.Finding, len(rows))
	for i, r := range rows {
		page.Findings[i] = findingFromRow(r)
	}
	return page, nil
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
