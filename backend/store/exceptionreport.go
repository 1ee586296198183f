package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/palisade-dev/palisade/backend/posture"
)

// maxReportLabelSets bounds how many distinct label sets of one check's findings the report
// tests against a scoped exception's selector; past it, the exception counts as matching
// (kept off the "matches nothing" list rather than guessed onto it).
const maxReportLabelSets = 10_000

// liveFindings are the statuses in which a finding is still there: an exception matching
// only resolved findings covers nothing.
var liveFindings = []string{string(posture.FindingOpen), string(posture.FindingSuppressed)}

// ExceptionReport lists a tenant's approved, unexpired exceptions that expire within the
// given time (soonest first), and those that cover no open or suppressed finding.
func (db *DB) ExceptionReport(ctx context.Context, tenantID int64, within time.Duration) (*posture.ExceptionReport, error) {
	now := db.now().UTC()
	active, err := db.ActiveExceptions(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	sort.Slice(active, func(i, j int) bool {
		if !active[i].ExpiresAt.Equal(active[j].ExpiresAt) {
			return active[i].ExpiresAt.Before(active[j].ExpiresAt)
		}
		return active[i].ID < active[j].ID
	})
	var findingIDs []int64
	for _, e := range active {
		if e.FindingID != nil {
			findingIDs = append(findingIDs, *e.FindingID)
		}
	}
	statuses, err := findingColumn(ctx, db.gorm, tenantID, "status", findingIDs)
	if err != nil {
		return nil, err
	}
	rep := &posture.ExceptionReport{GeneratedAt: now, Within: within, Expiring: []posture.Exception{},
		Unmatched: []posture.UnmatchedException{}}
	for _, e := range active {
		if !e.ExpiresAt.After(now.Add(within)) {
			rep.Expiring = append(rep.Expiring, e.Exception)
		}
		var reason string
		if e.FindingID != nil {
			reason = findingCoversNothing(statuses[*e.FindingID])
		} else if reason, err = db.scopeCoversNothing(ctx, now, e); err != nil {
			return nil, err
		}
		if reason != "" {
			rep.Unmatched = append(rep.Unmatched, posture.UnmatchedException{Exception: e.Exception, Reason: reason})
		}
	}
	return rep, nil
}

// findingIDChunk bounds the ids of one IN list (SQLite allows 32,766 bound parameters).
const findingIDChunk = 1000

// findingColumn reads one text column (status, fingerprint) of the tenant's findings with
// the ids, a query per thousand ids; ids of findings that no longer exist are not in it.
func findingColumn(ctx context.Context, q *gorm.DB, tenantID int64, column string, ids []int64) (map[int64]string, error) {
	var pick func(findingRow) string
	switch column {
	case "status":
		pick = func(r findingRow) string { return r.Status }
	case "fingerprint":
		pick = func(r findingRow) string { return r.Fingerprint }
	default:
		return nil, fmt.Errorf("findingColumn: unsupported column %q", column)
	}
	out := make(map[int64]string, len(ids))
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), findingIDChunk)]
		ids = ids[len(chunk):]
		var rows []findingRow
		if err := q.WithContext(ctx).Select("id, "+column).Where("tenant_id = ? AND id IN ?", tenantID, chunk).
			Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.ID] = pick(r)
		}
	}
	return out, nil
}

// findingCoversNothing says why a finding-level exception whose finding has the status
// ("": the finding is gone) covers no live finding, or "" when it covers one.
func findingCoversNothing(status string) string {
	switch status {
	case "":
		return "its finding no longer exists (its target was deleted)"
	case string(posture.FindingResolved):
		return "its finding is resolved"
	}
	return ""
}

// scopeCoversNothing says why the scoped exception covers no live finding, or "" when it
// covers one. Without a label selector any live finding of the check in its target and
// namespace is covered, and one indexed lookup (LIMIT 1) finds it; with one, the distinct
// label sets of those findings are tested against the selector, parsed once.
func (db *DB) scopeCoversNothing(ctx context.Context, now time.Time, e posture.ActiveException) (string, error) {
	covers := e.Covers(now)
	q := db.gorm.WithContext(ctx)
	if e.LabelSelector == "" {
		var hits []findingRow
		sel := q.Model(&findingRow{}).Select("target_id, namespace").
			Where("tenant_id = ? AND check_id = ? AND status IN ?", e.TenantID, e.CheckID, liveFindings)
		if e.TargetID != nil {
			sel = sel.Where("target_id = ?", *e.TargetID)
		}
		if e.Namespace != "" {
			sel = sel.Where("namespace = ?", e.Namespace)
		}
		if err := sel.Limit(1).Find(&hits).Error; err != nil {
			return "", err
		}
		if len(hits) == 1 && covers(hits[0].TargetID, e.CheckID, hits[0].Namespace, nil) {
			return "", nil
		}
		return unmatchedScope(e), nil
	}
	type labelSet struct {
		TargetID  int64
		Namespace string
		Labels    string
	}
	var sets []labelSet
	sel := q.Table("findings").Select("DISTINCT findings.target_id, findings.namespace, assets.labels").
		Joins("JOIN assets ON assets.tenant_id = findings.tenant_id AND assets.id = findings.asset_id").
		Where("findings.tenant_id = ? AND findings.check_id = ? AND findings.status IN ?", e.TenantID, e.CheckID, liveFindings)
	if e.TargetID != nil {
		sel = sel.Where("findings.target_id = ?", *e.TargetID)
	}
	if e.Namespace != "" {
		sel = sel.Where("findings.namespace = ?", e.Namespace)
	}
	if err := sel.Limit(maxReportLabelSets).Scan(&sets).Error; err != nil {
		return "", err
	}
	if len(sets) >= maxReportLabelSets {
		return "", nil
	}
	for _, s := range sets {
		if covers(s.TargetID, e.CheckID, s.Namespace, stringMap(s.Labels)) {
			return "", nil
		}
	}
	return unmatchedScope(e), nil
}

func unmatchedScope(e posture.ActiveException) string {
	return fmt.Sprintf("no open or suppressed %s finding is in its scope", e.CheckID)
}
