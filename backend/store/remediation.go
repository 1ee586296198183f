package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
)

// RemediationStats sums a tenant's remediation up in the database (a few aggregate
// statements, whatever the number of findings): open findings by severity, age and SLA;
// findings resolved since `since` with their mean time to resolve; and each day's opened,
// resolved and reopened counts from the runs. A reopened finding keeps its first sighting,
// so its time to resolve counts from then.
func (db *DB) RemediationStats(ctx context.Context, tenantID int64, since, now time.Time, sla posture.SLA) (*posture.RemediationStats, error) {
	out := &posture.RemediationStats{Since: since.UTC(), Now: now.UTC()}
	bySev := map[posture.Severity]*posture.SeverityRemediation{}
	for sev := posture.SeverityCritical; sev >= posture.SeverityInfo; sev-- {
		out.Severities = append(out.Severities, posture.SeverityRemediation{Severity: sev, SLADays: sla[sev]})
	}
	for i := range out.Severities {
		bySev[out.Severities[i].Severity] = &out.Severities[i]
	}
	day := 24 * time.Hour
	// Open past the SLA: first seen before now minus the severity's days.
	breachSQL, breachArgs := slaCase(sla, "first_seen < ?", func(days int) any { return now.Add(-time.Duration(days) * day) })
	args := append([]any{now.Add(-7 * day), now.Add(-30 * day), now.Add(-90 * day)}, breachArgs...)
	args = append(args, tenantID, posture.FindingOpen)
	var open []struct {
		Severity                   int
		N, Lt7, Lt30, Lt90, Breach int
		Oldest                     dbTime
	}
	if err := db.gorm.WithContext(ctx).Raw(`SELECT severity, COUNT(*) AS n,
		SUM(CASE WHEN first_seen >= ? THEN 1 ELSE 0 END) AS lt7,
		SUM(CASE WHEN first_seen >= ? THEN 1 ELSE 0 END) AS lt30,
		SUM(CASE WHEN first_seen >= ? THEN 1 ELSE 0 END) AS lt90,
		SUM(`+breachSQL+`) AS breach, MIN(first_seen) AS oldest
		FROM findings WHERE tenant_id = ? AND status = ? GROUP BY severity`, args...).Scan(&open).Error; err != nil {
		return nil, err
	}
	for _, r := range open {
		s := bySev[posture.Severity(r.Severity)]
		if s == nil {
			continue
		}
		s.Open, s.Under7Days, s.Days7To30, s.Days30To90, s.Over90Days = r.N, r.Lt7, r.Lt30-r.Lt7, r.Lt90-r.Lt30, r.N-r.Lt90
		s.OpenBreaching = r.Breach
		if s.SLADays > 0 {
			s.OpenWithinSLA = r.N - r.Breach
		}
		if r.Oldest.Valid {
			t := r.Oldest.Time.UTC()
			s.OldestOpen = &t
		}
	}

	// Resolved late: it took longer than the severity's days.
	took := db.secondsBetween("first_seen", "resolved_at")
	late, lateArgs := slaCase(sla, took+" > ?", func(days int) any { return float64(days) * 86400 })
	var resolved []struct {
		Severity int
		N, Late  int
		Seconds  float64
	}
	if err := db.gorm.WithContext(ctx).Raw(`SELECT severity, COUNT(*) AS n, SUM(`+late+`) AS late, SUM(`+took+`) AS seconds
		FROM findings WHERE tenant_id = ? AND status = ? AND resolved_at >= ? GROUP BY severity`,
		append(lateArgs, tenantID, posture.FindingResolved, since.UTC())...).Scan(&resolved).Error; err != nil {
		return nil, err
	}
	for _, r := range resolved {
		s := bySev[posture.Severity(r.Severity)]
		if s == nil || r.N == 0 {
			continue
		}
		s.Resolved, s.ResolvedLate = r.N, r.Late
		if s.SLADays > 0 {
			s.ResolvedWithinSLA = r.N - r.Late
		}
		mttr := time.Duration(r.Seconds / float64(r.N) * float64(time.Second))
		s.MTTR = &mttr
	}

	if err := db.gorm.WithContext(ctx).Raw(`SELECT `+db.utcDay("finished_at")+` AS day, SUM(opened_count) AS opened,
		SUM(resolved_count) AS resolved, SUM(reopened_count) AS reopened
		FROM collection_runs WHERE tenant_id = ? AND finished_at >= ? AND status IN (?, ?)
		GROUP BY 1 ORDER BY 1`, tenantID, since.UTC(), posture.RunComplete, posture.RunPartial).Scan(&out.Flow).Error; err != nil {
		return nil, err
	}
	return out, nil
}

// slaCase is a SQL CASE that is 1 when a finding of a severity with an SLA meets cond, whose
// one ? is arg(the severity's SLA days); "0" when no severity has an SLA.
func slaCase(sla posture.SLA, cond string, arg func(days int) any) (string, []any) {
	var conds []string
	var args []any
	for sev, days := range sla {
		if days > 0 {
			conds = append(conds, fmt.Sprintf("(severity = %d AND %s)", int(sev), cond))
			args = append(args, arg(days))
		}
	}
	if len(conds) == 0 {
		return "0", nil
	}
	return "CASE WHEN " + strings.Join(conds, " OR ") + " THEN 1 ELSE 0 END", args
}

// secondsBetween is the SQL for the seconds from column a to column b.
func (db *DB) secondsBetween(a, b string) string {
	if db.dialect == Postgres {
		return fmt.Sprintf("EXTRACT(EPOCH FROM (%s - %s))", b, a)
	}
	return fmt.Sprintf("((julianday(%s) - julianday(%s)) * 86400.0)", b, a)
}

// utcDay is the SQL for a time column's UTC day, as 2006-01-02.
func (db *DB) utcDay(col string) string {
	if db.dialect == Postgres {
		return fmt.Sprintf("to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD')", col)
	}
	return fmt.Sprintf("strftime('%%Y-%%m-%%d', %s)", col)
}
