package store

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/palisade-dev/palisade/backend/posture"
)

var _ posture.TargetStore = (*DB)(nil)

func validateTarget(t *posture.Target) error {
	switch {
	case t.TenantID == 0:
		return posture.Errorf(posture.EINVALID, "target needs a tenant")
	case strings.TrimSpace(t.Name) == "" || len(t.Name) > 200:
		return posture.Errorf(posture.EINVALID, "target name must be 1-200 characters")
	case !t.Kind.Valid():
		return posture.Errorf(posture.EINVALID, "unknown target kind %q", t.Kind)
	case t.Schedule == "":
		return posture.Errorf(posture.EINVALID, "target %q needs a schedule", t.Name)
	}
	return nil
}

func targetFromRow(r targetRow) posture.Target {
	return posture.Target{
		ID: r.ID, TenantID: r.TenantID, Name: r.Name, Kind: posture.TargetKind(r.Kind),
		Settings: stringMap(r.Settings), Schedule: r.Schedule, Credentials: r.Credentials,
		Enabled: r.Enabled, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// CreateTarget adds a target to its tenant; names are unique per tenant.
func (db *DB) CreateTarget(ctx context.Context, t *posture.Target) error {
	return db.CreateSealedTarget(ctx, t, nil)
}

// CreateSealedTarget creates t and stores, in the same transaction, the credentials seal
// returns for the new row's id (sealed credentials are bound to their row's id; nil seal:
// none).
func (db *DB) CreateSealedTarget(ctx context.Context, t *posture.Target, seal func(id int64) ([]byte, error)) error {
	if err := validateTarget(t); err != nil {
		return err
	}
	now := db.now().UTC()
	row := targetRow{
		TenantID: t.TenantID, Name: t.Name, Kind: string(t.Kind), Settings: jsonText(t.Settings),
		Schedule: t.Schedule, Credentials: t.Credentials, Enabled: t.Enabled, CreatedAt: now, UpdatedAt: now,
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return conflict(err, "a target named %q already exists", t.Name)
		}
		t.ID, t.CreatedAt, t.UpdatedAt = row.ID, now, now
		if seal == nil {
			return nil
		}
		sealed, err := seal(t.ID)
		if err != nil {
			return err
		}
		t.Credentials = sealed
		return tx.Model(&targetRow{}).Where("tenant_id = ? AND id = ?", t.TenantID, t.ID).Update("credentials", sealed).Error
	})
}

// Target reads one target of a tenant.
func (db *DB) Target(ctx context.Context, tenantID, id int64) (*posture.Target, error) {
	var row targetRow
	if err := db.gorm.WithContext(ctx).Where("tenant_id = ? AND id = ?", tenantID, id).Take(&row).Error; err != nil {
		return nil, notFound(err, "target")
	}
	t := targetFromRow(row)
	return &t, nil
}

// TargetByName reads one target of a tenant by its unique name.
func (db *DB) TargetByName(ctx context.Context, tenantID int64, name string) (*posture.Target, error) {
	var row targetRow
	if err := db.gorm.WithContext(ctx).Where("tenant_id = ? AND name = ?", tenantID, name).Take(&row).Error; err != nil {
		return nil, notFound(err, "target")
	}
	t := targetFromRow(row)
	return &t, nil
}

// ListTargets returns a tenant's targets by name.
func (db *DB) ListTargets(ctx context.Context, tenantID int64) ([]posture.Target, error) {
	var rows []targetRow
	if err := db.gorm.WithContext(ctx).Where("tenant_id = ?", tenantID).Order("name").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]posture.Target, len(rows))
	for i, r := range rows {
		out[i] = targetFromRow(r)
	}
	return out, nil
}

// UpdateTarget changes a target's name, settings, schedule, credentials and enabled flag.
func (db *DB) UpdateTarget(ctx context.Context, t *posture.Target) error {
	if err := validateTarget(t); err != nil {
		return err
	}
	now := db.now().UTC()
	return db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&targetRow{}).
			Where("tenant_id = ? AND id = ?", t.TenantID, t.ID).
			Updates(map[string]any{
				"name": t.Name, "kind": string(t.Kind), "settings": jsonText(t.Settings), "schedule": t.Schedule,
				"credentials": t.Credentials, "enabled": t.Enabled, "updated_at": now,
			})
		if res.Error != nil {
			return conflict(res.Error, "a target named %q already exists", t.Name)
		}
		if res.RowsAffected == 0 {
			return posture.Errorf(posture.ENOTFOUND, "target not found")
		}
		t.UpdatedAt = now
		return nil
	})
}

// DeleteTarget removes a target and, by cascade, its runs, assets and findings.
func (db *DB) DeleteTarget(ctx context.Context, tenantID, id int64) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("tenant_id = ? AND id = ?", tenantID, id).Delete(&targetRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return posture.Errorf(posture.ENOTFOUND, "target not found")
		}
		return nil
	})
}
