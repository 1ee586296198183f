package store

import (
	"context"
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
