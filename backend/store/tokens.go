package store

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/palisade-dev/palisade/backend/posture"
)

var _ posture.TokenStore = (*DB)(nil)

// tokenHashRE is a hex SHA-256 as hex.EncodeToString writes it; one spelling only, because
// lookups compare it exactly.
var tokenHashRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// tokenFromRow leaves the hash out unless asked: listings and revocations go back to users.
func tokenFromRow(r apiTokenRow, withHash bool) posture.APIToken {
	t := posture.APIToken{ID: r.ID, TenantID: r.TenantID, Name: r.Name, Prefix: r.Prefix, Role: posture.Role(r.Role),
		CreatedBy: r.CreatedBy, CreatorUserID: r.CreatorUserID, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt}
	if withHash {
		t.Hash = r.Hash
	}
	return t
}

func validateToken(t *posture.APIToken) error {
	switch {
	case t.TenantID == 0:
		return posture.Errorf(posture.EINVALID, "an API token needs a tenant")
	case strings.TrimSpace(t.Name) == "" || utf8.RuneCountInString(t.Name) > 100:
		return posture.Errorf(posture.EINVALID, "API token name must be 1-100 characters")
	case !t.Role.Valid():
		return posture.Errorf(posture.EINVALID, "unknown role %q", t.Role)
	case !tokenHashRE.MatchString(t.Hash):
		return posture.Errorf(posture.EINVALID, "API token hash must be 64 lower-case hex characters")
	case t.Prefix == "":
		return posture.Errorf(posture.EINVALID, "API token needs a prefix")
	}
	return nil
}

// CreateAPIToken stores a token's hash; names are unique per tenant.
func (db *DB) CreateAPIToken(ctx context.Context, t *posture.APIToken) error {
	if err := validateToken(t); err != nil {
		return err
	}
	row := apiTokenRow{TenantID: t.TenantID, Name: t.Name, Prefix: t.Prefix, Hash: t.Hash, Role: string(t.Role),
		CreatedBy: t.CreatedBy, CreatorUserID: t.CreatorUserID, CreatedAt: dbStamp(db.now())}
	if t.ExpiresAt != nil {
		exp := dbStamp(*t.ExpiresAt)
		row.ExpiresAt = &exp
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return conflict(err, "an API token named %q already exists", t.Name)
		}
		t.ID, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt = row.ID, row.CreatedAt, row.ExpiresAt, nil, nil
		return nil
	})
}

// APITokenByHash finds a token in any tenant, revoked and expired ones included; an unknown
// hash is EUNAUTHORIZED, the answer a caller gives for a bad token anyway.
func (db *DB) APITokenByHash(ctx context.Context, hash string) (*posture.APIToken, error) {
	var rows []apiTokenRow
	if err := db.gorm.WithContext(ctx).Where("hash = ?", hash).Limit(1).Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, posture.Errorf(posture.EUNAUTHORIZED, "invalid API token")
	}
	t := tokenFromRow(rows[0], true)
	return &t, nil
}

// ListAPITokens returns a tenant's tokens, newest first, without their hashes.
func (db *DB) ListAPITokens(ctx context.Context, tenantID int64) ([]posture.APIToken, error) {
	var rows []apiTokenRow
	if err := db.gorm.WithContext(ctx).Where("tenant_id = ?", tenantID).Order("created_at DESC, id DESC").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]posture.APIToken, len(rows))
	for i, r := range rows {
		out[i] = tokenFromRow(r, false)
	}
	return out, nil
}

// RevokeAPIToken revokes a tenant's token (again: no change) and returns it without its hash.
func (db *DB) RevokeAPIToken(ctx context.Context, tenantID, id int64) (*posture.APIToken, error) {
	var row apiTokenRow
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("tenant_id = ? AND id = ?", tenantID, id).Take(&row).Error; err != nil {
			return notFound(err, "API token")
		}
		if row.RevokedAt == nil {
			now := dbStamp(db.now())
			row.RevokedAt = &now
			if err := tx.Model(&apiTokenRow{}).Where("tenant_id = ? AND id = ?", tenantID, id).Update("revoked_at", now).Error; err != nil {
				return err
			}
		}
		t := tokenFromRow(row, false)
		posture.AuditIntentOf(ctx).SetResult(&t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	t := tokenFromRow(row, false)
	return &t, nil
}

// TouchAPIToken records a use; it never moves last_used_at back.
func (db *DB) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	at = dbStamp(at)
	return db.gorm.WithContext(ctx).Model(&apiTokenRow{}).
		Where("id = ? AND (last_used_at IS NULL OR last_used_at < ?)", id, at).Update("last_used_at", at).Error
}
