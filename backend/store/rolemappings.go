package store

import (
	"context"
	"slices"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/palisade-dev/palisade/backend/posture"
)

var _ posture.RoleMappingStore = (*DB)(nil)

// Where a role binding came from: a login applying role mappings, or an administrator.
const (
	sourceClaim  = "claim"
	sourceManual = "manual"
)

func mappingFromRow(r roleMappingRow) posture.RoleMapping {
	return posture.RoleMapping{ID: r.ID, TenantID: r.TenantID, ClaimValue: r.ClaimValue, Role: posture.Role(r.Role), CreatedAt: r.CreatedAt}
}

func mappingsFromRows(rows []roleMappingRow) []posture.RoleMapping {
	out := make([]posture.RoleMapping, len(rows))
	for i, r := range rows {
		out[i] = mappingFromRow(r)
	}
	return out
}

// ListRoleMappings returns a tenant's mappings by claim value.
func (db *DB) ListRoleMappings(ctx context.Context, tenantID int64) ([]posture.RoleMapping, error) {
	var rows []roleMappingRow
	if err := db.gorm.WithContext(ctx).Where("tenant_id = ?", tenantID).Order("claim_value, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	return mappingsFromRows(rows), nil
}

// RoleMappingsFor returns the mappings, in every tenant, of the claim values a user presents.
func (db *DB) RoleMappingsFor(ctx context.Context, values []string) ([]posture.RoleMapping, error) {
	if len(values) == 0 {
		return []posture.RoleMapping{}, nil
	}
	var out []posture.RoleMapping
	// Chunked: a user in thousands of groups must not exceed SQLite's parameter limit.
	for chunk := range slices.Chunk(values, batchSize) {
		var rows []roleMappingRow
		if err := db.gorm.WithContext(ctx).Where("claim_value IN ?", chunk).Order("tenant_id, claim_value, id").Find(&rows).Error; err != nil {
			return nil, err
		}
		out = append(out, mappingsFromRows(rows)...)
	}
	return out, nil
}

// CreateRoleMapping adds a mapping; a claim value maps to one role per tenant.
func (db *DB) CreateRoleMapping(ctx context.Context, m *posture.RoleMapping) error {
	switch n := utf8.RuneCountInString(m.ClaimValue); {
	case m.TenantID == 0:
		return posture.Errorf(posture.EINVALID, "a role mapping needs a tenant")
	case n < 1 || n > 256:
		return posture.Errorf(posture.EINVALID, "claim value must be 1-256 characters")
	case !m.Role.Valid():
		return posture.Errorf(posture.EINVALID, "unknown role %q", m.Role)
	}
	row := roleMappingRow{TenantID: m.TenantID, ClaimValue: m.ClaimValue, Role: string(m.Role), CreatedAt: dbStamp(db.now())}
	return db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return conflict(err, "claim value %q is already mapped in this tenant", m.ClaimValue)
		}
		m.ID, m.CreatedAt = row.ID, row.CreatedAt
		return nil
	})
}

// DeleteRoleMapping removes a tenant's mapping and returns it, and with it the claim-derived
// bindings it granted (in force at once: roles are read at every request). A member whose
// groups also map to a lesser role in the tenant, or who had a default role there, gets it
// back at the next login.
func (db *DB) DeleteRoleMapping(ctx context.Context, tenantID, id int64) (*posture.RoleMapping, error) {
	var row roleMappingRow
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("tenant_id = ? AND id = ?", tenantID, id).Take(&row).Error; err != nil {
			return notFound(err, "role mapping")
		}
		m := mappingFromRow(row)
		posture.AuditIntentOf(ctx).SetResult(&m)
		if err := tx.Where("tenant_id = ? AND id = ?", tenantID, id).Delete(&roleMappingRow{}).Error; err != nil {
			return err
		}
		return tx.Where("tenant_id = ? AND source = ? AND granted_by = ?", tenantID, sourceClaim, row.ClaimValue).
			Delete(&roleBindingRow{}).Error
	})
	if err != nil {
		return nil, err
	}
	m := mappingFromRow(row)
	return &m, nil
}

// SyncClaimRoles makes the user's claim-derived bindings exactly bindings (one per tenant;
// when several name a tenant the most powerful role wins, as group membership adds up).
// A manual binding is never changed or removed: every statement below is limited to
// source 'claim', and an insert that meets a binding already there does nothing.
func (db *DB) SyncClaimRoles(ctx context.Context, userID int64, bindings []posture.RoleBinding) error {
	want := map[int64]posture.RoleBinding{}
	for _, b := range bindings {
		if !b.Role.Valid() || b.TenantID == 0 {
			return posture.Errorf(posture.EINVALID, "role binding needs a tenant and a known role (got %q)", b.Role)
		}
		if cur, ok := want[b.TenantID]; !ok || b.Role.Outranks(cur.Role) {
			want[b.TenantID] = b
		}
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		var have []roleBindingRow
		if err := tx.Where("user_id = ?", userID).Find(&have).Error; err != nil {
			return err
		}
		var stale []int64
		for _, h := range have {
			if h.Source != sourceClaim {
				delete(want, h.TenantID) // manual wins
				continue
			}
			b, ok := want[h.TenantID]
			switch {
			case !ok:
				stale = append(stale, h.TenantID)
			case string(b.Role) != h.Role || b.GrantedBy != h.GrantedBy:
				if err := tx.Model(&roleBindingRow{}).Where("tenant_id = ? AND user_id = ? AND source = ?", h.TenantID, userID, sourceClaim).
					Updates(map[string]any{"role": string(b.Role), "granted_by": b.GrantedBy}).Error; err != nil {
					return err
				}
			}
			delete(want, h.TenantID)
		}
		if len(stale) > 0 {
			if err := tx.Where("user_id = ? AND source = ? AND tenant_id IN ?", userID, sourceClaim, stale).Delete(&roleBindingRow{}).Error; err != nil {
				return err
			}
		}
		now := dbStamp(db.now())
		for tenantID, b := range want {
			row := roleBindingRow{TenantID: tenantID, UserID: userID, Role: string(b.Role), Source: sourceClaim, GrantedBy: b.GrantedBy, CreatedAt: now}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
				return err
			}
		}
		return nil
	})
}
