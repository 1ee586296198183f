package store

import (
	"context"
	"fmt"
	"sort"
	"time"

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
	rep := &posture.ExceptionReport{GeneratedAt: now, Within: within, Expiring: []posture.Exception{},
		Unmatched: []posture.UnmatchedException{}}
	for _, e := range active {
		if !e.ExpiresAt.After(now.Add(within)) {
			rep.Expiring = append(rep.Expiring, e.Exception)
		}
		reason, err := db.coversNothing(ctx, now, e)
		if err != nil {
			return nil, err
		}
		if reason != "" {
			rep.Unmatched = append(rep.Unmatched, posture.UnmatchedException{Exception: e.Exception, Reason: reason})
		}
	}
	return rep, nil
}

// coversNothing says why the exception covers no live finding, or "" when it covers one.
func (db *DB) coversNothing(ctx context.Context, now time.Time, e posture.ActiveException) (string, error) {
	q := db.gorm.WithContext(ctx)
	if e.FindingID != nil {
		var f findingRow
		err := q.Select("status").Where("tenant_id = ? AND id = ?", e.TenantID, *e.FindingID).Limit(1).Find(&f).Error
		switch {
		case err != nil:
			return "", err
		case f.Status == "":
			return "its finding no longer exists (its target was deleted)", nil
		case f.Status == string(posture.FindingResolved):
			return "its finding is resolved", nil
		}
		return "", nil
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
		if e.Covers(now, s.TargetID, e.CheckID, s.Namespace, stringMap(s.Labels)) {
			return "", nil
		}
	}
	return fmt.Sprintf("no open or suppressed %s finding is in its scope", e.CheckID), nil
}
