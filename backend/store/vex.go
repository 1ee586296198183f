package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/vulns"
)

// VEX statements: a tenant's declarations that a vulnerability does not affect its images
// (migration 00015). They hide matches from the vulnerability list and counts until they
// expire, and are audited like exceptions.

type vexRow struct {
	ID            int64
	TenantID      int64
	Vulnerability string
	Digest        string
	Component     string
	Status        string
	Justification string
	Reason        string
	ExpiresAt     time.Time
	CreatedBy     string
	CreatedAt     time.Time
}

func (vexRow) TableName() string { return "vex_statements" }

// VEXStatement is the vulnerability service's.
type VEXStatement = vulns.VEXStatement

// CreateVEX records a statement (audited through the request's intent).
func (db *DB) CreateVEX(ctx context.Context, tenantID int64, v *VEXStatement) error {
	if v.ExpiresAt.Before(db.now()) {
		return posture.Errorf(posture.EINVALID, "expires_at must be in the future")
	}
	row := vexRow{TenantID: tenantID, Vulnerability: v.Vulnerability, Digest: v.Digest, Component: v.Component, Status: "not_affected",
		Justification: v.Justification, Reason: v.Reason, ExpiresAt: v.ExpiresAt.UTC(), CreatedBy: v.CreatedBy, CreatedAt: db.now().UTC()}
	err := db.tx(ctx, func(tx *gorm.DB) error { return tx.Omit("id").Create(&row).Error })
	if err != nil {
		return err
	}
	v.ID, v.Status, v.CreatedAt = row.ID, row.Status, row.CreatedAt
	return nil
}

// ListVEX lists a tenant's statements, newest first; expired ones only when asked.
func (db *DB) ListVEX(ctx context.Context, tenantID int64, includeExpired bool) ([]VEXStatement, error) {
	q := db.gorm.WithContext(ctx).Where("tenant_id = ?", tenantID)
	if !includeExpired {
		q = q.Where("expires_at > ?", db.now().UTC())
	}
	var rows []vexRow
	if err := q.Order("id DESC").Limit(1000).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]VEXStatement, len(rows))
	for i, r := range rows {
		out[i] = VEXStatement{ID: r.ID, Vulnerability: r.Vulnerability, Digest: r.Digest, Component: r.Component, Status: r.Status,
			Justification: r.Justification, Reason: r.Reason, ExpiresAt: r.ExpiresAt, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// RevokeVEX deletes a statement of the tenant (audited through the request's intent).
func (db *DB) RevokeVEX(ctx context.Context, tenantID, id int64) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("tenant_id = ? AND id = ?", tenantID, id).Delete(&vexRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return posture.Errorf(posture.ENOTFOUND, "VEX statement not found")
		}
		return nil
	})
}

// vexScope is what a tenant's statements in force declare not affected, resolved to
// advisory ids once per query. Matching a statement's vulnerability (an advisory id or an
// alias such as a CVE id) row by row cost, for every listed row, a scan of the tenant's
// statements and a subquery over advisory_aliases (PostgreSQL hashed the whole table on
// every list request). Resolved first, the condition is at most four IN lists, which
// PostgreSQL hashes, on columns the list index holds: "<advisory>" for every image,
// "<digest> <advisory>", "<component> <advisory>" and "<digest> <component> <advisory>".
// Neither digests nor advisory ids hold spaces (advisory ids are checked when read), so
// each joined key names one row.
type vexScope struct {
	all, byDigest, byComponent, byBoth []string
}

// vexScopeOf reads the tenant's statements in force at now and resolves their aliases.
func (db *DB) vexScopeOf(ctx context.Context, tenantID int64, now time.Time) (vexScope, error) {
	var s vexScope
	var rows []vexRow
	if err := db.gorm.WithContext(ctx).Select("vulnerability, digest, component").Where("tenant_id = ? AND expires_at > ?", tenantID, now).
		Find(&rows).Error; err != nil || len(rows) == 0 {
		return s, err
	}
	var names []string
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen[r.Vulnerability] {
			seen[r.Vulnerability] = true
			names = append(names, r.Vulnerability)
		}
	}
	aliased := map[string][]string{} // alias -> the advisories listing it
	for start := 0; start < len(names); start += 500 {
		var found []advisoryAliasRow
		if err := db.gorm.WithContext(ctx).Where("alias IN ?", names[start:min(start+500, len(names))]).Find(&found).Error; err != nil {
			return s, err
		}
		for _, a := range found {
			aliased[a.Alias] = append(aliased[a.Alias], a.AdvisoryID)
		}
	}
	for _, r := range rows {
		for _, id := range append([]string{r.Vulnerability}, aliased[r.Vulnerability]...) {
			switch {
			case strings.Contains(id, " "): // no advisory id holds one: it matches nothing
			case r.Digest == "" && r.Component == "":
				s.all = append(s.all, id)
			case r.Component == "":
				s.byDigest = append(s.byDigest, r.Digest+" "+id)
			case r.Digest == "":
				s.byComponent = append(s.byComponent, r.Component+" "+id)
			default:
				s.byBoth = append(s.byBoth, r.Digest+" "+r.Component+" "+id)
			}
		}
	}
	return s, nil
}

// condition is true for an image vulnerability (alias iv) the statements cover; "" when
// there are none.
func (s vexScope) condition() (string, []any) {
	var parts []string
	var args []any
	for _, t := range []struct {
		key  string
		list []string
	}{
		{"iv.advisory_id", s.all},
		{"iv.digest || ' ' || iv.advisory_id", s.byDigest},
		{"iv.component || ' ' || iv.advisory_id", s.byComponent},
		{"iv.digest || ' ' || iv.component || ' ' || iv.advisory_id", s.byBoth},
	} {
		if len(t.list) > 0 {
			parts, args = append(parts, t.key+" IN ?"), append(args, t.list)
		}
	}
	if len(parts) == 0 {
		return "", nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}
