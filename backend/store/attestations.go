package store

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/posture"
)

var _ posture.AttestationStore = (*DB)(nil)

// maxAttestationTerm: a statement about a control must be re-affirmed at least this often.
const maxAttestationTerm = 2 // years

func attestationFromRow(r attestationRow) posture.Attestation {
	return posture.Attestation{ID: r.ID, TenantID: r.TenantID, CSAID: r.CSAID, Statement: r.Statement,
		EvidenceURL: r.EvidenceURL, EvidenceName: r.EvidenceName, EvidenceSHA256: r.EvidenceSHA256, Owner: r.Owner,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, RevokedAt: r.RevokedAt}
}

func validateAttestation(a *posture.Attestation, now time.Time) error {
	switch {
	case a.TenantID == 0:
		return posture.Errorf(posture.EINVALID, "an attestation needs a tenant")
	case strings.TrimSpace(a.CSAID) == "":
		return posture.Errorf(posture.EINVALID, "an attestation names the recommendation it covers")
	case strings.TrimSpace(a.Statement) == "" || utf8.RuneCountInString(a.Statement) > 4000:
		return posture.Errorf(posture.EINVALID, "an attestation needs a statement of at most 4000 characters")
	case strings.TrimSpace(a.Owner) == "" || strings.TrimSpace(a.CreatedBy) == "":
		return posture.Errorf(posture.EINVALID, "an attestation needs an owner and an author")
	case !a.ExpiresAt.After(now):
		return posture.Errorf(posture.EINVALID, "an attestation must expire in the future")
	case a.ExpiresAt.After(now.AddDate(maxAttestationTerm, 0, 0)):
		return posture.Errorf(posture.EINVALID, "an attestation may last at most %d years", maxAttestationTerm)
	case a.EvidenceURL != "" && !httpURL(a.EvidenceURL):
		return posture.Errorf(posture.EINVALID, "evidence URL must be an http or https URL")
	case a.EvidenceSHA256 != "" && !tokenHashRE.MatchString(a.EvidenceSHA256):
		return posture.Errorf(posture.EINVALID, "evidence SHA-256 must be 64 lower-case hex characters")
	}
	return nil
}

// httpURL admits absolute http(s) URLs only: the UI renders the link, so javascript: and
// similar schemes must not get in.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && len(s) <= 2000
}

// CreateAttestation records a statement.
func (db *DB) CreateAttestation(ctx context.Context, a *posture.Attestation) error {
	if err := validateAttestation(a, db.now()); err != nil {
		return err
	}
	row := attestationRow{TenantID: a.TenantID, CSAID: a.CSAID, Statement: a.Statement, EvidenceURL: a.EvidenceURL,
		EvidenceName: a.EvidenceName, EvidenceSHA256: a.EvidenceSHA256, Owner: a.Owner, CreatedBy: a.CreatedBy,
		CreatedAt: dbStamp(db.now()), ExpiresAt: dbStamp(a.ExpiresAt)}
	return db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		*a = attestationFromRow(row)
		return nil
	})
}

// Reads omit the evidence blob: the row type has no field for it, and Omit makes GORM name
// the columns instead of selecting *.

// ListAttestations returns a tenant's attestations, newest first, revoked and expired ones
// included (Valid tells them apart).
func (db *DB) ListAttestations(ctx context.Context, tenantID int64) ([]posture.Attestation, error) {
	var rows []attestationRow
	err := db.gorm.WithContext(ctx).Omit("evidence").Where("tenant_id = ?", tenantID).Order("created_at DESC, id DESC").Find(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]posture.Attestation, len(rows))
	for i, r := range rows {
		out[i] = attestationFromRow(r)
	}
	return out, nil
}

// RevokeAttestation withdraws a tenant's attestation; revoking it again changes nothing.
func (db *DB) RevokeAttestation(ctx context.Context, tenantID, id int64) (*posture.Attestation, error) {
	var row attestationRow
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Omit("evidence").Where("tenant_id = ? AND id = ?", tenantID, id).Take(&row).Error; err != nil {
			return notFound(err, "attestation")
		}
		if row.RevokedAt == nil {
			now := dbStamp(db.now())
			row.RevokedAt = &now
			if err := tx.Model(&attestationRow{}).Where("tenant_id = ? AND id = ?", tenantID, id).Update("revoked_at", now).Error; err != nil {
				return err
			}
		}
		a := attestationFromRow(row)
		posture.AuditIntentOf(ctx).SetResult(&a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	a := attestationFromRow(row)
	return &a, nil
}

// AlertLapsedAttestations raises, once per attestation, the alert that it lapsed: its
// recommendation no longer counts as met. Idempotent: the alert's key is the attestation.
func (db *DB) AlertLapsedAttestations(ctx context.Context) (int, error) {
	now := db.now().UTC()
	n := 0
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var rows []attestationRow
		if err := tx.Where("revoked_at IS NULL AND expires_at <= ? AND expires_at > ?", now, now.Add(-30*24*time.Hour)).
			Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			if err := queueSystemAlert(tx, r.TenantID, alerting.KindAttestationExpired, posture.SeverityMedium,
				fmt.Sprintf("the attestation of CSA %s (owner %s) lapsed; the recommendation needs a new one", r.CSAID, r.Owner),
				fmt.Sprintf("attestation_expired:%d", r.ID), now); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
