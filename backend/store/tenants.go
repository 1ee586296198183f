package store

import (
	"context"
	"regexp"

	"gorm.io/gorm/clause"

	"github.com/palisade-dev/palisade/backend/posture"
)

var _ posture.TenantStore = (*DB)(nil)

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// CreateTenant adds a tenant; the slug must be unique and URL-safe.
func (db *DB) CreateTenant(ctx context.Context, t *posture.Tenant) error {
	if !slugRE.MatchString(t.Slug) {
		return posture.Errorf(posture.EINVALID, "tenant slug %q must be 1-63 lower-case letters, digits or dashes", t.Slug)
	}
	if t.Name == "" {
		return posture.Errorf(posture.EINVALID, "tenant name is required")
	}
	row := tenantRow{Slug: t.Slug, Name: t.Name, CreatedAt: db.now().UTC()}
	if err := db.gorm.WithContext(ctx).Create(&row).Error; err != nil {
		return conflict(err, "tenant %q already exists", t.Slug)
	}
	t.ID, t.CreatedAt = row.ID, row.CreatedAt
	return nil
}

// TenantBySlug finds a tenant.
func (db *DB) TenantBySlug(ctx context.Context, slug string) (*posture.Tenant, error) {
	var row tenantRow
	if err := db.gorm.WithContext(ctx).Where("slug = ?", slug).Take(&row).Error; err != nil {
		return nil, notFound(err, "tenant")
	}
	return &posture.Tenant{ID: row.ID, Slug: row.Slug, Name: row.Name, CreatedAt: row.CreatedAt}, nil
}

// ListTenants returns every tenant by slug.
func (db *DB) ListTenants(ctx context.Context) ([]posture.Tenant, error) {
	var rows []tenantRow
	if err := db.gorm.WithContext(ctx).Order("slug").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]posture.Tenant, len(rows))
	for i, r := range rows {
		out[i] = posture.Tenant{ID: r.ID, Slug: r.Slug, Name: r.Name, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// UpsertUser provisions a user on first login and refreshes profile and login time after.
func (db *DB) UpsertUser(ctx context.Context, u *posture.User) error {
	if u.Issuer == "" || u.Subject == "" {
		return posture.Errorf(posture.EINVALID, "user needs an issuer and a subject")
	}
	now := db.now().UTC()
	row := userRow{Issuer: u.Issuer, Subject: u.Subject, Email: u.Email, DisplayName: u.DisplayName, CreatedAt: now, LastLoginAt: &now}
	err := db.gorm.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "issuer"}, {Name: "subject"}},
		DoUpdates: clause.AssignmentColumns([]string{"email", "display_name", "last_login_at"}),
	}).Create(&row).Error
	if err != nil {
		return err
	}
	// Some dialects do not return the id of an updated row; read it back.
	var got userRow
	if err := db.gorm.WithContext(ctx).Where("issuer = ? AND subject = ?", u.Issuer, u.Subject).Take(&got).Error; err != nil {
		return err
	}
	u.ID, u.CreatedAt, u.LastLoginAt = got.ID, got.CreatedAt, got.LastLoginAt
	return nil
}

// SetRole grants (or changes) a user's role in a tenant.
func (db *DB) SetRole(ctx context.Context, b posture.RoleBinding) error {
	if !b.Role.Valid() {
		return posture.Errorf(posture.EINVALID, "unknown role %q", b.Role)
	}
	// A manual binding replaces a claim-derived one, and logins (SyncClaimRoles) leave it be.
	row := roleBindingRow{TenantID: b.TenantID, UserID: b.UserID, Role: string(b.Role), Source: sourceManual, CreatedAt: dbStamp(db.now())}
	return db.gorm.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "tenant_id"}, {Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"role", "source"}),
	}).Create(&row).Error
}

// RolesOf lists a user's roles in every tenant.
func (db *DB) RolesOf(ctx context.Context, userID int64) ([]posture.RoleBinding, error) {
	var rows []roleBindingRow
	if err := db.gorm.WithContext(ctx).Where("user_id = ?", userID).Order("tenant_id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]posture.RoleBinding, len(rows))
	for i, r := range rows {
		out[i] = posture.RoleBinding{TenantID: r.TenantID, UserID: r.UserID, Role: posture.Role(r.Role)}
	}
	return out, nil
}
