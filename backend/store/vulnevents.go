package store

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/posture"
)

// maxVulnEventsPerTenant bounds the drift events one advisory refresh raises per tenant;
// past it one event says how many more there are.
const maxVulnEventsPerTenant = 1000

// vulnEventSeverity maps an advisory's severity (0 unknown .. 4 critical) to an event's:
// an unknown severity is raised as medium, never as information.
func vulnEventSeverity(sev int) posture.Severity {
	if sev <= 0 {
		return posture.SeverityMedium
	}
	return posture.Severity(sev)
}

// raiseNewVulnerabilities raises, for each vulnerability new to an image that runs, one
// drift event per target where it runs (on the target's latest run), within the caller's
// transaction, and queues the alerts the tenant's rules select.
func raiseNewVulnerabilities(tx *gorm.DB, found []NewImageVuln, at time.Time) (int, error) {
	byTenant := map[int64][]NewImageVuln{}
	for _, v := range found {
		byTenant[v.TenantID] = append(byTenant[v.TenantID], v)
	}
	tenants := make([]int64, 0, len(byTenant))
	for t := range byTenant {
		tenants = append(tenants, t)
	}
	sort.Slice(tenants, func(i, j int) bool { return tenants[i] < tenants[j] })
	total := 0
	for _, tenantID := range tenants {
		events, err := vulnEvents(tx, tenantID, byTenant[tenantID], at)
		if err != nil {
			return total, err
		}
		if err := raiseDrift(tx, events, at); err != nil {
			return total, err
		}
		total += len(events)
	}
	return total, nil
}

// vulnEvents builds a tenant's events: where each image runs comes from image_usages.
func vulnEvents(tx *gorm.DB, tenantID int64, found []NewImageVuln, at time.Time) ([]alerting.Event, error) {
	digests := map[string]bool{}
	for _, v := range found {
		digests[v.Digest] = true
	}
	list := make([]string, 0, len(digests))
	for d := range digests {
		list = append(list, d)
	}
	runs := map[string][]imageRunsAt{} // digest -> usages
	for start := 0; start < len(list); start += 500 {
		var rows []imageUsageRow
		if err := tx.Where("tenant_id = ? AND digest IN ?", tenantID, list[start:min(start+500, len(list))]).
			Order("target_id, namespace, workload").Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			runs[r.Digest] = append(runs[r.Digest], imageRunsAt{r.TargetID, r.Namespace, r.Workload})
		}
	}
	latest := map[int64]int64{}
	var out []alerting.Event
	dropped := 0
	for _, v := range found {
		byTarget := map[int64][]imageRunsAt{}
		var targets []int64
		for _, w := range runs[v.Digest] {
			if _, ok := byTarget[w.TargetID]; !ok {
				targets = append(targets, w.TargetID)
			}
			byTarget[w.TargetID] = append(byTarget[w.TargetID], w)
		}
		for _, targetID := range targets {
			if len(out) >= maxVulnEventsPerTenant {
				dropped++
				continue
			}
			runID, err := latestRun(tx, latest, tenantID, targetID)
			if err != nil {
				return nil, err
			}
			if runID == 0 {
				continue
			}
			out = append(out, vulnEvent(tenantID, targetID, runID, v, byTarget[targetID], at))
		}
	}
	if dropped > 0 && len(out) > 0 {
		last := out[len(out)-1]
		out[len(out)-1].Summary = last.Summary + fmt.Sprintf(" (and %d more new vulnerabilities in running images: see the vulnerabilities list)", dropped)
	}
	return out, nil
}

func latestRun(tx *gorm.DB, cache map[int64]int64, tenantID, targetID int64) (int64, error) {
	if id, ok := cache[targetID]; ok {
		return id, nil
	}
	var ids []int64
	if err := tx.Model(&runRow{}).Where("tenant_id = ? AND target_id = ?", tenantID, targetID).Order("id DESC").Limit(1).Pluck("id", &ids).Error; err != nil {
		return 0, err
	}
	cache[targetID] = 0
	if len(ids) > 0 {
		cache[targetID] = ids[0]
	}
	return cache[targetID], nil
}

// imageRunsAt is one workload of a target that runs an image.
type imageRunsAt struct {
	TargetID            int64
	Namespace, Workload string
}

func vulnEvent(tenantID, targetID, runID int64, v NewImageVuln, usages []imageRunsAt, at time.Time) alerting.Event {
	var workloads []string
	ns := ""
	for i, w := range usages {
		if i == 0 {
			ns = w.Namespace
		}
		if i < 5 {
			workloads = append(workloads, w.Workload)
		}
	}
	where := strings.Join(workloads, ", ")
	if len(usages) > 5 {
		where += fmt.Sprintf(" and %d more", len(usages)-5)
	}
	fix := "no fix published"
	if v.Fixed != "" {
		fix = "fixed in " + v.Fixed
	}
	sev := vulnEventSeverity(v.Severity)
	return alerting.Event{Kind: alerting.KindNewVulnerability, Severity: sev, TenantID: tenantID, TargetID: targetID, RunID: runID,
		CheckID: "image.vulnerabilities", CSA: []string{"3.1.6.5", "3.1.6.2"}, Namespace: ns, AssetKey: firstOf(workloads),
		Summary: fmt.Sprintf("new %s vulnerability %s in %s %s (%s) of image %s, running in %s", severityWord(v.Severity), v.AdvisoryID,
			v.Component, v.Installed, fix, v.Digest, where),
		Details: map[string]string{"advisory": v.AdvisoryID, "digest": v.Digest, "package": v.Component, "installed": v.Installed,
			"fixed": v.Fixed, "workloads": where},
		At: at}
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func severityWord(sev int) string {
	if sev <= 0 {
		return "unknown-severity"
	}
	return posture.Severity(sev).String()
}
