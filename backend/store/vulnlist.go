package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/vulns"
)

// VulnQuery, VulnRow and VulnPage are the vulnerability service's.
type (
	VulnQuery = vulns.VulnQuery
	VulnRow   = vulns.VulnRow
	VulnPage  = vulns.VulnPage
)

func encodeVulnCursor(r VulnRow) string {
	raw := strings.Join([]string{strconv.Itoa(r.Severity), r.AdvisoryID, r.Digest, r.Component}, "\x00")
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeVulnCursor(c string) (int, []string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	parts := strings.Split(string(raw), "\x00")
	if err != nil || len(parts) != 4 {
		return 0, nil, posture.Errorf(posture.EINVALID, "invalid cursor")
	}
	sev, err := strconv.Atoi(parts[0])
	if err != nil {
		return 0, nil, posture.Errorf(posture.EINVALID, "invalid cursor")
	}
	return sev, parts[1:], nil
}

// ListImageVulns lists a tenant's image vulnerabilities, worst first (severity, then
// advisory, image and package), a page at a time.
func (db *DB) ListImageVulns(ctx context.Context, tenantID int64, q VulnQuery) (VulnPage, error) {
	var page VulnPage
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	now := db.now().UTC()
	tx := db.gorm.WithContext(ctx).Table("image_vulns iv").
		Select(`iv.digest, iv.advisory_id, iv.component, iv.installed, iv.fixed, iv.severity, iv.cvss, iv.first_seen_at,
			a.cvss_vector, a.summary, a.aliases, a.published,
			COALESCE(f.registry, '') AS registry, COALESCE(f.repository, '') AS repository,
			CASE WHEN `+vexNotAffected+` THEN 1 ELSE 0 END AS not_affected_i`, now).
		Joins("JOIN advisories a ON a.id = iv.advisory_id").
		Joins("LEFT JOIN image_facts f ON f.tenant_id = iv.tenant_id AND f.digest = iv.digest").
		Where("iv.tenant_id = ?", tenantID)
	tx = vulnFilters(tx, q, now)
	if q.Cursor != "" {
		sev, rest, err := decodeVulnCursor(q.Cursor)
		if err != nil {
			return page, err
		}
		tx = tx.Where("(iv.severity < ? OR (iv.severity = ? AND (iv.advisory_id, iv.digest, iv.component) > (?, ?, ?)))",
			sev, sev, rest[0], rest[1], rest[2])
	}
	var rows []vulnListRow
	err := tx.Order("iv.severity DESC, iv.advisory_id, iv.digest, iv.component").Limit(limit + 1).Scan(&rows).Error
	if err != nil {
		return page, err
	}
	for _, r := range rows {
		v := VulnRow{Digest: r.Digest, Registry: r.Registry, Repository: r.Repository, AdvisoryID: r.AdvisoryID, Component: r.Component,
			Installed: r.Installed, Fixed: r.Fixed, Severity: r.Severity, CVSS: r.Cvss, CVSSVector: r.CvssVector, Summary: r.Summary,
			Published: r.Published, FirstSeenAt: r.FirstSeenAt, NotAffected: r.NotAffectedI == 1}
		_ = json.Unmarshal([]byte(r.Aliases), &v.Aliases)
		page.Items = append(page.Items, v)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.NextCursor = encodeVulnCursor(page.Items[limit-1])
	}
	return page, db.countRunning(ctx, tenantID, page.Items)
}

// vulnListRow is a row of the vulnerability list query.
type vulnListRow struct {
	Digest, Registry, Repository, AdvisoryID, Component, Installed, Fixed string
	Severity                                                              int
	Cvss                                                                  float64
	CvssVector, Summary, Aliases                                          string
	Published                                                             *time.Time
	FirstSeenAt                                                           time.Time
	NotAffectedI                                                          int
}

func vulnFilters(tx *gorm.DB, q VulnQuery, now time.Time) *gorm.DB {
	if q.MinSeverity > 0 {
		tx = tx.Where("iv.severity >= ?", q.MinSeverity)
	}
	if q.Fixable != nil {
		if *q.Fixable {
			tx = tx.Where("iv.fixed <> ''")
		} else {
			tx = tx.Where("iv.fixed = ''")
		}
	}
	if q.Package != "" {
		tx = tx.Where("iv.component = ?", q.Package)
	}
	if q.AdvisoryIDs != nil {
		tx = tx.Where("iv.advisory_id IN ?", append(q.AdvisoryIDs, ""))
	}
	if q.Digest != "" {
		tx = tx.Where("iv.digest = ?", q.Digest)
	}
	if q.Namespace != "" || q.Workload != "" || q.TargetID != 0 {
		sub := "SELECT u.digest FROM image_usages u WHERE u.tenant_id = iv.tenant_id"
		var args []any
		if q.Namespace != "" {
			sub += " AND u.namespace = ?"
			args = append(args, q.Namespace)
		}
		if q.Workload != "" {
			sub += " AND u.workload = ?"
			args = append(args, q.Workload)
		}
		if q.TargetID != 0 {
			sub += " AND u.target_id = ?"
			args = append(args, q.TargetID)
		}
		tx = tx.Where("iv.digest IN ("+sub+")", args...)
	}
	if !q.NotAffected {
		tx = tx.Where("NOT "+vexNotAffected, now)
	}
	return tx
}

// countRunning fills in how many containers run each listed image.
func (db *DB) countRunning(ctx context.Context, tenantID int64, items []VulnRow) error {
	if len(items) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var digests []string
	for _, v := range items {
		if !seen[v.Digest] {
			seen[v.Digest] = true
			digests = append(digests, v.Digest)
		}
	}
	counts, err := db.ImageUsageCounts(ctx, tenantID, digests)
	if err != nil {
		return err
	}
	for i := range items {
		items[i].RunningIn = counts[items[i].Digest]
	}
	return nil
}
