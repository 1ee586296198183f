package store

import (
	"context"
	"strings"

	"github.com/palisade-dev/palisade/backend/posture"
)

var _ posture.AssetStore = (*DB)(nil)

// assetSummaryRow is an asset with its open findings counted by a correlated subquery, an
// index range on findings_asset (tenant_id, asset_id) per listed asset.
type assetSummaryRow struct {
	Asset        assetRow `gorm:"embedded"`
	OpenFindings int
}

const assetSummaryColumns = `assets.*, (SELECT COUNT(*) FROM findings f
 WHERE f.tenant_id = assets.tenant_id AND f.asset_id = assets.id AND f.status = 'open') AS open_findings`

func assetFromRow(r assetRow) posture.Asset {
	return posture.Asset{ID: r.ID, TenantID: r.TenantID, TargetID: r.TargetID, Kind: posture.AssetKind(r.Kind), Key: r.Key,
		ParentKey: r.ParentKey, Name: r.Name, Namespace: r.Namespace, Labels: stringMap(r.Labels),
		FirstSeen: r.FirstSeen, LastSeen: r.LastSeen}
}

// ListAssets returns one page of a tenant's present assets (not gone) by id.
func (db *DB) ListAssets(ctx context.Context, tenantID int64, f posture.AssetFilter) ([]posture.AssetSummary, error) {
	limit := f.Limit
	switch {
	case limit > 1000:
		return nil, posture.Errorf(posture.EINVALID, "limit must be at most 1000")
	case limit <= 0:
		limit = 100
	}
	q := db.gorm.WithContext(ctx).Table("assets").Select(assetSummaryColumns).
		Where("assets.tenant_id = ? AND assets.gone_at IS NULL", tenantID)
	if f.TargetID != 0 {
		q = q.Where("assets.target_id = ?", f.TargetID)
	}
	if f.ParentKey != nil {
		q = q.Where("assets.parent_key = ?", *f.ParentKey)
	}
	if f.Kind != "" {
		q = q.Where("assets.kind = ?", string(f.Kind))
	}
	if f.Namespace != "" {
		q = q.Where("assets.namespace = ?", f.Namespace)
	}
	if f.Text != "" {
		pat := "%" + likeEscape(strings.ToLower(f.Text)) + "%"
		q = q.Where(`(LOWER(assets.name) LIKE ? ESCAPE '\' OR LOWER(assets.key) LIKE ? ESCAPE '\')`, pat, pat)
	}
	if f.AfterID > 0 {
		q = q.Where("assets.id > ?", f.AfterID)
	}
	var rows []assetSummaryRow
	if err := q.Order("assets.id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]posture.AssetSummary, len(rows))
	for i, r := range rows {
		out[i] = posture.AssetSummary{Asset: assetFromRow(r.Asset), OpenFindings: r.OpenFindings}
	}
	return out, nil
}

// Asset reads one asset of a tenant with its open findings, gone or not: findings still
// point at gone assets.
func (db *DB) Asset(ctx context.Context, tenantID, id int64) (*posture.AssetSummary, error) {
	var row assetSummaryRow
	err := db.gorm.WithContext(ctx).Table("assets").Select(assetSummaryColumns).
		Where("assets.tenant_id = ? AND assets.id = ?", tenantID, id).Take(&row).Error
	if err != nil {
		return nil, notFound(err, "asset")
	}
	return &posture.AssetSummary{Asset: assetFromRow(row.Asset), OpenFindings: row.OpenFindings}, nil
}
